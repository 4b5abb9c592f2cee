package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// EnsureMerchant creates the merchant with that code unless it exists.
func (tx *Tx) EnsureMerchant(ctx context.Context, code string) error {
	const q = `INSERT INTO merchants (code, created_at) VALUES (?, ?) ON CONFLICT (code) DO NOTHING`
	if _, err := tx.exec(ctx, q, code, micros(tx.now)); err != nil {
		return fmt.Errorf("ensure merchant %s: %w", code, dbErr(err))
	}
	return nil
}

// Merchant returns a merchant by code.
func (tx *Tx) Merchant(ctx context.Context, code string) (store.Merchant, error) {
	const q = `SELECT code, name, category FROM merchants WHERE code = ?`
	var m store.Merchant
	if err := tx.queryRow(ctx, q, code).Scan(&m.Code, &m.Name, &m.Category); err != nil {
		return store.Merchant{}, fmt.Errorf("load merchant %s: %w", code, dbErr(err))
	}
	return m, nil
}

// UpdateMerchant sets a merchant's name and main category.
func (tx *Tx) UpdateMerchant(ctx context.Context, m store.Merchant) error {
	const q = `UPDATE merchants SET name = ?, category = ? WHERE code = ?`
	res, err := tx.exec(ctx, q, m.Name, m.Category, m.Code)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("update merchant %s: %w", m.Code, err)
	}
	return nil
}

// EnsureCustomer creates the customer with that id unless it exists.
func (tx *Tx) EnsureCustomer(ctx context.Context, id string) error {
	const q = `INSERT INTO customers (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`
	if _, err := tx.exec(ctx, q, id, micros(tx.now)); err != nil {
		return fmt.Errorf("ensure customer %s: %w", id, dbErr(err))
	}
	return nil
}

// Customer returns a customer by id.
func (tx *Tx) Customer(ctx context.Context, id string) (store.Customer, error) {
	const q = `SELECT id, name, phone, address, email FROM customers WHERE id = ?`
	var c store.Customer
	if err := tx.queryRow(ctx, q, id).Scan(&c.ID, &c.Name, &c.Phone, &c.Address, &c.Email); err != nil {
		return store.Customer{}, fmt.Errorf("load customer %s: %w", id, dbErr(err))
	}
	return c, nil
}

// CustomerByEmail returns the customer whose email address is email, compared
// case-insensitively (ASCII letters: SQLite's lower), the earliest made of several
// (customers_email); ErrNotFound when none, or for an empty address.
func (tx *Tx) CustomerByEmail(ctx context.Context, email string) (store.Customer, error) {
	const q = `
SELECT id, name, phone, address, email FROM customers
WHERE lower(email) = lower(?) AND email <> ''
ORDER BY created_at, id
LIMIT 1`
	var c store.Customer
	if err := tx.queryRow(ctx, q, email).Scan(&c.ID, &c.Name, &c.Phone, &c.Address, &c.Email); err != nil {
		return store.Customer{}, fmt.Errorf("load customer by email: %w", dbErr(err))
	}
	return c, nil
}

// UpdateCustomer sets a customer's profile (email included), and the last four digits of the phone that
// searches match.
func (tx *Tx) UpdateCustomer(ctx context.Context, c store.Customer) error {
	const q = `UPDATE customers SET name = ?, phone = ?, phone_last4 = ?, address = ?, email = ? WHERE id = ?`
	res, err := tx.exec(ctx, q, c.Name, c.Phone, store.PhoneLast4(c.Phone), c.Address, c.Email, c.ID)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("update customer %s: %w", c.ID, err)
	}
	return nil
}

// mustChange is the error of an UPDATE that must change a row: the database's, or
// ErrNotFound when no row matched.
func mustChange(res sql.Result, err error) error {
	if err != nil {
		return dbErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
