package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// SavePolicy stores a policy document version (LoadedAt defaults to Now). Saving the same
// id and version again with the same content changes nothing; with other content it is
// ErrConflict, since a published version never changes.
func (tx *Tx) SavePolicy(ctx context.Context, p store.PolicyRecord) error {
	const q = `
INSERT INTO policy_versions (id, version, layer, merchant, category, document, loaded_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id, version) DO NOTHING`
	res, err := tx.exec(ctx, q, p.ID, p.Version, p.Layer, p.Merchant, p.Category,
		nonNil(p.Document), micros(orNow(p.LoadedAt, tx.now)))
	if err != nil {
		return fmt.Errorf("save policy %s v%d: %w", p.ID, p.Version, dbErr(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var stored store.PolicyRecord
	const load = `SELECT layer, merchant, category, document FROM policy_versions WHERE id = ? AND version = ?`
	err = tx.queryRow(ctx, load, p.ID, p.Version).Scan(&stored.Layer, &stored.Merchant,
		&stored.Category, &stored.Document)
	if err != nil {
		return fmt.Errorf("save policy %s v%d: %w", p.ID, p.Version, dbErr(err))
	}
	if stored.Layer != p.Layer || stored.Merchant != p.Merchant || stored.Category != p.Category ||
		!bytes.Equal(stored.Document, p.Document) {
		return fmt.Errorf("save policy %s v%d: that version exists with other content: %w",
			p.ID, p.Version, store.ErrConflict)
	}
	return nil
}

// Policies lists every stored policy version, oldest first.
func (tx *Tx) Policies(ctx context.Context) ([]store.PolicyRecord, error) {
	const q = `
SELECT id, version, layer, merchant, category, document, loaded_at
FROM policy_versions ORDER BY loaded_at, id, version`
	rows, err := tx.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	defer rows.Close()
	var ps []store.PolicyRecord
	for rows.Next() {
		var (
			p      store.PolicyRecord
			loaded int64
		)
		if err := rows.Scan(&p.ID, &p.Version, &p.Layer, &p.Merchant, &p.Category, &p.Document, &loaded); err != nil {
			return nil, fmt.Errorf("load policies: %w", err)
		}
		p.LoadedAt = fromMicros(loaded)
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	return ps, nil
}

// PolicyMark counts the stored policy versions and reads the latest loaded_at.
func (tx *Tx) PolicyMark(ctx context.Context) (store.PolicyMark, error) {
	var (
		m    store.PolicyMark
		last sql.NullInt64
	)
	if err := tx.queryRow(ctx, `SELECT count(*), max(loaded_at) FROM policy_versions`).Scan(&m.Versions, &last); err != nil {
		return m, fmt.Errorf("policy mark: %w", dbErr(err))
	}
	m.LastLoaded = fromNullMicros(last)
	return m, nil
}
