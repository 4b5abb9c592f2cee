package postgres

import (
	"context"

	"github.com/aftersales/aftersales/internal/store"
)

// EnsureMerchant creates the merchant with that code unless it exists. The write travels
// with the transaction's next statement (see Tx.later).
func (t *Tx) EnsureMerchant(ctx context.Context, code string) error {
	return t.later(ctx, "ensure merchant "+code, `
		INSERT INTO merchants (code, created_at) VALUES ($1, $2)
		ON CONFLICT (code) DO NOTHING`, code, t.now)
}

// EnsureCustomer creates the customer with that id unless it exists. The write travels
// with the transaction's next statement (see Tx.later).
func (t *Tx) EnsureCustomer(ctx context.Context, id string) error {
	return t.later(ctx, "ensure customer "+id, `
		INSERT INTO customers (id, created_at) VALUES ($1, $2)
		ON CONFLICT (id) DO NOTHING`, id, t.now)
}

// Merchant returns a merchant by code.
func (t *Tx) Merchant(ctx context.Context, code string) (store.Merchant, error) {
	m := store.Merchant{Code: code}
	err := t.queryRow(ctx, `SELECT name, category FROM merchants WHERE code = $1`,
		[]any{code}, &m.Name, &m.Category)
	if err != nil {
		return store.Merchant{}, wrap(err, "merchant %s", code)
	}
	return m, nil
}

// UpdateMerchant sets a merchant's name and main category; ErrNotFound if there is no
// such merchant.
func (t *Tx) UpdateMerchant(ctx context.Context, m store.Merchant) error {
	n, err := t.exec(ctx, `UPDATE merchants SET name = $2, category = $3 WHERE code = $1`,
		m.Code, m.Name, m.Category)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "update merchant %s", m.Code)
}

// UpdateCustomer sets a customer's profile (email included), and the last four digits of the phone that
// searches match; ErrNotFound if there is no such customer.
func (t *Tx) UpdateCustomer(ctx context.Context, c store.Customer) error {
	n, err := t.exec(ctx, `UPDATE customers SET name = $2, phone = $3, phone_last4 = $5, address = $4, email = $6 WHERE id = $1`,
		c.ID, c.Name, c.Phone, c.Address, store.PhoneLast4(c.Phone), c.Email)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "update customer %s", c.ID)
}

// Customer returns a customer by id.
func (t *Tx) Customer(ctx context.Context, id string) (store.Customer, error) {
	c := store.Customer{ID: id}
	err := t.queryRow(ctx, `SELECT name, phone, address, email FROM customers WHERE id = $1`,
		[]any{id}, &c.Name, &c.Phone, &c.Address, &c.Email)
	if err != nil {
		return store.Customer{}, wrap(err, "customer %s", id)
	}
	return c, nil
}

// CustomerByEmail returns the customer whose email address is email, compared
// case-insensitively (lower), the earliest made of several (customers_email); ErrNotFound
// when none, or for an empty address.
func (t *Tx) CustomerByEmail(ctx context.Context, email string) (store.Customer, error) {
	var c store.Customer
	err := t.queryRow(ctx, `
		SELECT id, name, phone, address, email FROM customers
		WHERE lower(email) = lower($1) AND email <> ''
		ORDER BY created_at, id
		LIMIT 1`, []any{email}, &c.ID, &c.Name, &c.Phone, &c.Address, &c.Email)
	if err != nil {
		return store.Customer{}, wrap(err, "customer by email")
	}
	return c, nil
}
