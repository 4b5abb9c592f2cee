package postgres

import (
	"bytes"
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// SavePolicy stores a policy document version. Saving the same version again with the
// same content is a no-op; with different content it is ErrConflict.
func (t *Tx) SavePolicy(ctx context.Context, p store.PolicyRecord) error {
	n, err := t.exec(ctx, `
		INSERT INTO policy_versions (id, version, layer, merchant, category, document, loaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id, version) DO NOTHING`,
		p.ID, int32(p.Version), p.Layer, p.Merchant, p.Category, orBytes(p.Document), orNow(p.LoadedAt, t.now))
	if err != nil || n == 1 {
		return wrap(err, "save policy %s v%d", p.ID, p.Version)
	}
	var old store.PolicyRecord
	err = t.queryRow(ctx, `
		SELECT layer, merchant, category, document FROM policy_versions WHERE id = $1 AND version = $2`,
		[]any{p.ID, int32(p.Version)}, &old.Layer, &old.Merchant, &old.Category, &old.Document)
	if err == nil && (old.Layer != p.Layer || old.Merchant != p.Merchant || old.Category != p.Category ||
		!bytes.Equal(old.Document, p.Document)) {
		err = store.ErrConflict
	}
	return wrap(err, "save policy %s v%d", p.ID, p.Version)
}

// Policies lists every stored policy version, oldest first.
func (t *Tx) Policies(ctx context.Context) ([]store.PolicyRecord, error) {
	var ps []store.PolicyRecord
	err := t.query(ctx, `
		SELECT id, version, layer, merchant, category, document, loaded_at
		FROM policy_versions ORDER BY loaded_at, id, version`, nil,
		func(rows pgx.Rows) error {
			var p store.PolicyRecord
			var version int32
			if err := rows.Scan(&p.ID, &version, &p.Layer, &p.Merchant, &p.Category, &p.Document, &p.LoadedAt); err != nil {
				return err
			}
			p.Version = int(version)
			ps = append(ps, p)
			return nil
		})
	if err != nil {
		return nil, wrap(err, "policies")
	}
	return ps, nil
}

// PolicyMark counts the stored policy versions and reads the latest loaded_at.
func (t *Tx) PolicyMark(ctx context.Context) (store.PolicyMark, error) {
	var m store.PolicyMark
	var last *time.Time
	err := t.queryRow(ctx, `SELECT count(*), max(loaded_at) FROM policy_versions`, nil, &m.Versions, &last)
	if last != nil {
		m.LastLoaded = *last
	}
	return m, wrap(err, "policy mark")
}
