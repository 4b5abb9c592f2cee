package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertUser stores a staff account (CreatedAt defaults to Now); ErrConflict if its id or
// username is taken, ErrNotFound if its merchant is unknown. A taken key leaves the
// transaction usable, as in SQLite.
func (t *Tx) InsertUser(ctx context.Context, u store.User) error {
	n, err := t.exec(ctx, `
		INSERT INTO users (id, username, display_name, role, merchant_code, scope, password_hash,
		                   failed_logins, locked_until, created_at, disabled_at, email)
		VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`,
		u.ID, u.Username, u.DisplayName, u.Role, u.Merchant, scopeJSON(u.Scope), u.PasswordHash,
		int32(u.FailedLogins), nullTime(u.LockedUntil), orNow(u.CreatedAt, t.now), nullTime(u.DisabledAt), u.Email)
	if err == nil && n == 0 {
		err = fmt.Errorf("the id or the username is taken: %w", store.ErrConflict)
	}
	return wrap(err, "insert user %s (%s)", u.ID, u.Username)
}

// UpdateUser replaces an account's fields but its id, username and creation time;
// ErrNotFound if there is no such account.
func (t *Tx) UpdateUser(ctx context.Context, u store.User) error {
	n, err := t.exec(ctx, `
		UPDATE users
		SET display_name = $2, role = $3, merchant_code = NULLIF($4, ''), scope = $5, password_hash = $6,
		    failed_logins = $7, locked_until = $8, disabled_at = $9, email = $10
		WHERE id = $1`,
		u.ID, u.DisplayName, u.Role, u.Merchant, scopeJSON(u.Scope), u.PasswordHash,
		int32(u.FailedLogins), nullTime(u.LockedUntil), nullTime(u.DisabledAt), u.Email)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "update user %s", u.ID)
}

// userColumns are what scanUser reads, in its order.
const userColumns = `id, username, display_name, email, role, COALESCE(merchant_code, ''), scope, password_hash,
		       failed_logins, locked_until, created_at, disabled_at`

// User returns an account by id.
func (t *Tx) User(ctx context.Context, id string) (store.User, error) {
	var r userRow
	if err := t.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, []any{id}, r.dest()...); err != nil {
		return store.User{}, wrap(err, "user %s", id)
	}
	return r.user()
}

// UserByUsername returns an account by its username.
func (t *Tx) UserByUsername(ctx context.Context, username string) (store.User, error) {
	var r userRow
	err := t.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, []any{username}, r.dest()...)
	if err != nil {
		return store.User{}, wrap(err, "user %q", username)
	}
	return r.user()
}

// Users lists the accounts by username (byte-wise: the column is COLLATE "C").
func (t *Tx) Users(ctx context.Context) ([]store.User, error) {
	return t.users(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
}

// staffForSQL reads a merchant's enabled staff and the platform's through their partial
// indexes (users_merchant_staff, users_platform_staff).
const staffForSQL = `
SELECT ` + userColumns + ` FROM users WHERE merchant_code = $1 AND disabled_at IS NULL
UNION ALL
SELECT ` + userColumns + ` FROM users WHERE role <> 'merchant' AND disabled_at IS NULL
ORDER BY username`

// StaffFor lists the enabled accounts of merchant's staff and the platform's by username.
func (t *Tx) StaffFor(ctx context.Context, merchant string) ([]store.User, error) {
	return t.users(ctx, staffForSQL, merchant)
}

func (t *Tx) users(ctx context.Context, sql string, args ...any) ([]store.User, error) {
	var us []store.User
	err := t.query(ctx, sql, args,
		func(rows pgx.Rows) error {
			var r userRow
			if err := rows.Scan(r.dest()...); err != nil {
				return err
			}
			u, err := r.user()
			if err != nil {
				return err
			}
			us = append(us, u)
			return nil
		})
	if err != nil {
		return nil, wrap(err, "users")
	}
	return us, nil
}

// userRow receives a row of userColumns.
type userRow struct {
	u                store.User
	scope            string
	failed           int32
	locked, disabled *time.Time
}

func (r *userRow) dest() []any {
	return []any{&r.u.ID, &r.u.Username, &r.u.DisplayName, &r.u.Email, &r.u.Role, &r.u.Merchant, &r.scope,
		&r.u.PasswordHash, &r.failed, &r.locked, &r.u.CreatedAt, &r.disabled}
}

// user is the account the row holds.
func (r *userRow) user() (store.User, error) {
	u := r.u
	var err error
	if u.Scope, err = parseScope(r.scope); err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", u.ID, err)
	}
	u.FailedLogins = int(r.failed)
	u.LockedUntil, u.DisabledAt = timeOf(r.locked), timeOf(r.disabled)
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
