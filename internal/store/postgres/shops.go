package postgres

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
// The secret stays out of every message. The write travels with the transaction's next
// statement (see Tx.later).
func (t *Tx) SetShopSecret(ctx context.Context, shop string, secret []byte) error {
	if len(secret) == 0 {
		return fmt.Errorf("set secret of shop %s: %w", shop, errEmptySecret)
	}
	return t.later(ctx, "set secret of shop "+shop, `
		INSERT INTO shop_secrets (shop, secret, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (shop) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at`,
		shop, secret, t.now)
}

// ShopSecret returns a shop's secret; ErrNotFound when none is set.
func (t *Tx) ShopSecret(ctx context.Context, shop string) ([]byte, error) {
	var secret []byte
	if err := t.queryRow(ctx, `SELECT secret FROM shop_secrets WHERE shop = $1`, []any{shop}, &secret); err != nil {
		return nil, wrap(err, "secret of shop %s", shop)
	}
	return secret, nil
}

// UseLoginLink records a used login link; ErrConflict when it was used before.
func (t *Tx) UseLoginLink(ctx context.Context, sigHash []byte, expires time.Time) error {
	if err := t.later(ctx, "drop expired login links", `DELETE FROM used_login_links WHERE expires_at <= $1`, t.now); err != nil {
		return err
	}
	n, err := t.exec(ctx, `INSERT INTO used_login_links (sig_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, sigHash, expires)
	if err != nil {
		return wrap(err, "use login link")
	}
	if n == 0 {
		return fmt.Errorf("login link used before: %w", store.ErrConflict)
	}
	return nil
}
