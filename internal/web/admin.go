package web

import (
	"net/http"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// The admin pages (/admin): policies, staff accounts and API tokens, the business
// calendar, the audit log and the order import, with a sub-navigation of their own. They
// are admins' (SPEC's roles: admin configures policies, calendars, SLAs, users and
// integrations): each calls an application query or command that authorizes, so that any
// other role ends in 403 there, as in the API.

// AdminData is the overview's data: a line on each area.
type AdminData struct {
	Users, Disabled, Locked int
	Tokens                  int // tokens that still work
	Versions                int // stored policy versions
	Platform                string
	Imports                 int // this admin's imports running on this replica
}

// Admin is the overview of the admin pages.
func (pg *Pages) Admin(w http.ResponseWriter, r *http.Request, v *Visit) error {
	users, err := pg.app.Users(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	tokens, err := pg.app.Tokens(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	pols, err := pg.app.PolicyVersions(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	d := &AdminData{Users: len(users), Versions: len(pols.Versions)}
	for _, u := range users {
		if u.Disabled {
			d.Disabled++
		}
		if u.Locked {
			d.Locked++
		}
	}
	now := pg.now()
	for _, t := range tokens {
		if t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt)) {
			d.Tokens++
		}
	}
	for _, l := range pols.Live {
		if l.Merchant == "" && l.Category == "" {
			d.Platform = strings.ReplaceAll(l.Version, "+", " + ")
		}
	}
	for _, j := range pg.imports.list(v.Principal.ID) {
		if !j.Finished {
			d.Imports++
		}
	}
	p := pg.page(r, v, "admin.title")
	p.Data = d
	pg.render(w, r, http.StatusOK, "admin", p)
	return nil
}

// roleLabel is a role's name in l, or the role as it is when the catalogue has none.
func (pg *Pages) roleLabel(l Lang, role string) string {
	if s, err := pg.cat.Message(l, "role."+role); err == nil {
		return s
	}
	return role
}

// staffRoles are the roles of staff accounts, tokenRoles those of API tokens.
var (
	staffRoles = []app.Role{app.RoleMerchant, app.RoleAgent, app.RoleSupervisor, app.RoleAdmin}
	tokenRoles = []app.Role{app.RoleIntegration, app.RoleMerchant, app.RoleCustomer, app.RoleAgent, app.RoleSupervisor, app.RoleAdmin}
)
