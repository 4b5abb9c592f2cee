package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// errEmptySecret refuses a shop secret anyone could sign login links with.
var errEmptySecret = errors.New("the secret is empty")

// SetShopSecret stores (or replaces) the secret a shop signs customer login links with.
// The secret stays out of every message.
func (tx *Tx) SetShopSecret(ctx context.Context, shop string, secret []byte) error {
	if len(secret) == 0 {
		return fmt.Errorf("set secret of shop %s: %w", shop, errEmptySecret)
	}
	const q = `
INSERT INTO shop_secrets (shop, secret, updated_at) VALUES (?, ?, ?)
ON CONFLICT (shop) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at`
	if _, err := tx.exec(ctx, q, shop, secret, micros(tx.now)); err != nil {
		return fmt.Errorf("set secret of shop %s: %w", shop, dbErr(err))
	}
	return nil
}

// ShopSecret returns a shop's secret; ErrNotFound when none is set.
func (tx *Tx) ShopSecret(ctx context.Context, shop string) ([]byte, error) {
	var secret []byte
	if err := tx.queryRow(ctx, `SELECT secret FROM shop_secrets WHERE shop = ?`, shop).Scan(&secret); err != nil {
		return nil, fmt.Errorf("load secret of shop %s: %w", shop, dbErr(err))
	}
	return secret, nil
}

// UseLoginLink records a used login link; ErrConflict when it was used before.
func (tx *Tx) UseLoginLink(ctx context.Context, sigHash []byte, expires time.Time) error {
	if _, err := tx.exec(ctx, `DELETE FROM used_login_links WHERE expires_at <= ?`, micros(tx.now)); err != nil {
		return fmt.Errorf("drop expired login links: %w", dbErr(err))
	}
	res, err := tx.exec(ctx, `INSERT INTO used_login_links (sig_hash, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		sigHash, micros(expires))
	if err != nil {
		return fmt.Errorf("use login link: %w", dbErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("use login link: %w", dbErr(err))
	} else if n == 0 {
		return fmt.Errorf("login link used before: %w", store.ErrConflict)
	}
	return nil
}
