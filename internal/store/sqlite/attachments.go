package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertAttachment stores an attachment's metadata (CreatedAt defaults to Now).
func (tx *Tx) InsertAttachment(ctx context.Context, a store.Attachment) error {
	const q = `
INSERT INTO attachments (id, case_id, owner_role, owner_id, merchant_code, customer_id,
                         content_type, size, sha256, original_name, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var caseID any
	if a.CaseID != "" {
		caseID = a.CaseID
	}
	_, err := tx.exec(ctx, q, a.ID, caseID, a.OwnerRole, a.OwnerID, a.Merchant, a.Customer,
		a.ContentType, a.Size, nonNil(a.SHA256), a.OriginalName, micros(orNow(a.CreatedAt, tx.now)))
	if err != nil {
		return fmt.Errorf("insert attachment %s: %w", a.ID, dbErr(err))
	}
	return nil
}

// Attachment returns an attachment's metadata.
func (tx *Tx) Attachment(ctx context.Context, id string) (store.Attachment, error) {
	const q = `
SELECT id, case_id, owner_role, owner_id, merchant_code, customer_id, content_type, size,
       sha256, original_name, created_at
FROM attachments WHERE id = ?`
	var (
		a       store.Attachment
		caseID  sql.NullString
		created int64
	)
	err := tx.queryRow(ctx, q, id).Scan(&a.ID, &caseID, &a.OwnerRole, &a.OwnerID, &a.Merchant,
		&a.Customer, &a.ContentType, &a.Size, &a.SHA256, &a.OriginalName, &created)
	if err != nil {
		return store.Attachment{}, fmt.Errorf("load attachment %s: %w", id, dbErr(err))
	}
	a.CaseID = caseID.String
	a.CreatedAt = fromMicros(created)
	return a, nil
}

// LinkAttachments attaches uploaded attachments to a case, which also gives them the
// case's merchant and customer. An attachment already linked to another case is not
// moved (ErrConflict); linking it again to the same case changes nothing.
func (tx *Tx) LinkAttachments(ctx context.Context, caseID string, ids []string) error {
	var merchant, customer string
	err := tx.queryRow(ctx, `SELECT merchant_code, customer_id FROM cases WHERE id = ?`, caseID).
		Scan(&merchant, &customer)
	if err != nil {
		return fmt.Errorf("link attachments to case %s: %w", caseID, dbErr(err))
	}
	const q = `
UPDATE attachments SET case_id = ?, merchant_code = ?, customer_id = ?
WHERE id = ? AND (case_id IS NULL OR case_id = ?)`
	for _, id := range ids {
		res, err := tx.exec(ctx, q, caseID, merchant, customer, id, caseID)
		err = mustChange(res, err)
		if errors.Is(err, store.ErrNotFound) {
			var other sql.NullString
			if e := tx.queryRow(ctx, `SELECT case_id FROM attachments WHERE id = ?`, id).Scan(&other); e == nil {
				err = fmt.Errorf("it belongs to case %s: %w", other.String, store.ErrConflict)
			}
		}
		if err != nil {
			return fmt.Errorf("link attachment %s to case %s: %w", id, caseID, err)
		}
	}
	return nil
}
