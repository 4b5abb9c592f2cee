package app

// Order files are imported (package importer) through UpsertOrder, as POST /api/v1/orders
// stores orders; these decide who may start and follow an import, and as whom it stores.

// MayImport reports whether p may import order files and follow its imports: admins.
func (a *App) MayImport(p Principal) error {
	return authorize(p, opAdmin, nil, "")
}

// ImportAs is the principal the orders of p's import are stored as: p itself, an admin,
// who may store any merchant's orders; or, when the import names a merchant, an
// integration of that merchant acting for p (the audit log names p's id), so that an order
// of another merchant in the file is refused as the shop system's would be.
func (a *App) ImportAs(p Principal, merchant string) (Principal, error) {
	if err := a.MayImport(p); err != nil {
		return Principal{}, err
	}
	if merchant == "" {
		return p, nil
	}
	return Principal{Role: RoleIntegration, Merchant: merchant, ID: p.ID, Addr: p.Addr, Client: p.Client}, nil
}
