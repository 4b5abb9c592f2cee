package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertUser stores a staff account (CreatedAt defaults to Now); ErrConflict if its id or
// username is taken, ErrNotFound if its merchant is unknown.
func (tx *Tx) InsertUser(ctx context.Context, u store.User) error {
	const q = `
INSERT INTO users (id, username, display_name, email, role, merchant_code, scope, password_hash,
                   failed_logins, locked_until, created_at, disabled_at)
VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, u.ID, u.Username, u.DisplayName, u.Email, u.Role, u.Merchant, scopeJSON(u.Scope),
		u.PasswordHash, u.FailedLogins, nullMicros(u.LockedUntil), micros(orNow(u.CreatedAt, tx.now)),
		nullMicros(u.DisabledAt))
	if err != nil {
		return fmt.Errorf("insert user %s (%s): %w", u.ID, u.Username, dbErr(err))
	}
	return nil
}

// UpdateUser replaces an account's fields but its id, username and creation time;
// ErrNotFound if there is no such account.
func (tx *Tx) UpdateUser(ctx context.Context, u store.User) error {
	const q = `
UPDATE users
SET display_name = ?, email = ?, role = ?, merchant_code = NULLIF(?, ''), scope = ?, password_hash = ?,
    failed_logins = ?, locked_until = ?, disabled_at = ?
WHERE id = ?`
	res, err := tx.exec(ctx, q, u.DisplayName, u.Email, u.Role, u.Merchant, scopeJSON(u.Scope), u.PasswordHash,
		u.FailedLogins, nullMicros(u.LockedUntil), nullMicros(u.DisabledAt), u.ID)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	return nil
}

// userColumns are what scanUser reads, in its order.
const userColumns = `id, username, display_name, email, role, COALESCE(merchant_code, ''), scope, password_hash,
       failed_logins, locked_until, created_at, disabled_at`

// User returns an account by id.
func (tx *Tx) User(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return store.User{}, fmt.Errorf("load user %s: %w", id, dbErr(err))
	}
	return u, nil
}

// UserByUsername returns an account by its username.
func (tx *Tx) UserByUsername(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	if err != nil {
		return store.User{}, fmt.Errorf("load user %q: %w", username, dbErr(err))
	}
	return u, nil
}

// Users lists the accounts by username.
func (tx *Tx) Users(ctx context.Context) ([]store.User, error) {
	return tx.users(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
}

// staffForSQL reads a merchant's enabled staff and the platform's through their partial
// indexes (users_merchant_staff, users_platform_staff).
const staffForSQL = `
SELECT ` + userColumns + ` FROM users WHERE merchant_code = ? AND disabled_at IS NULL
UNION ALL
SELECT ` + userColumns + ` FROM users WHERE role <> 'merchant' AND disabled_at IS NULL
ORDER BY username`

// StaffFor lists the enabled accounts of merchant's staff and the platform's by username.
func (tx *Tx) StaffFor(ctx context.Context, merchant string) ([]store.User, error) {
	return tx.users(ctx, staffForSQL, merchant)
}

func (tx *Tx) users(ctx context.Context, sql string, args ...any) ([]store.User, error) {
	rows, err := tx.query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", dbErr(err))
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanUser reads a row of userColumns.
func scanUser(row scanner) (store.User, error) {
	var (
		u                store.User
		scope            string
		created          int64
		locked, disabled sql.NullInt64
	)
	if err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Role, &u.Merchant, &scope,
		&u.PasswordHash, &u.FailedLogins, &locked, &created, &disabled); err != nil {
		return store.User{}, err
	}
	var err error
	if u.Scope, err = parseScope(scope); err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", u.ID, err)
	}
	u.LockedUntil = fromNullMicros(locked)
	u.CreatedAt = fromMicros(created)
	u.DisabledAt = fromNullMicros(disabled)
	return u, nil
}

// scopeJSON is a scope list as the scope columns keep it: a JSON array, [] when empty.
func scopeJSON(scope []string) string {
	if len(scope) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(scope) // a []string always marshals
	return string(b)
}

// parseScope reads a scope column; an empty list is nil.
func parseScope(s string) ([]string, error) {
	var scope []string
	if err := json.Unmarshal([]byte(s), &scope); err != nil {
		return nil, fmt.Errorf("decode scope %q: %w", s, err)
	}
	if len(scope) == 0 {
		return nil, nil
	}
	return scope, nil
}
