package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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

// UploadUsage counts an owner's uploads since a time, from the attachments_owner index.
func (tx *Tx) UploadUsage(ctx context.Context, ownerRole, ownerID string, since time.Time) (store.UploadUsage, error) {
	const q = `
SELECT count(*), coalesce(sum(size), 0), min(created_at) FROM attachments
WHERE owner_role = ? AND owner_id = ? AND created_at >= ?`
	var (
		u      store.UploadUsage
		oldest sql.NullInt64
	)
	if err := tx.queryRow(ctx, q, ownerRole, ownerID, micros(since)).Scan(&u.Count, &u.Bytes, &oldest); err != nil {
		return store.UploadUsage{}, fmt.Errorf("upload usage of %s %s: %w", ownerRole, ownerID, dbErr(err))
	}
	u.Oldest = fromNullMicros(oldest)
	return u, nil
}

// DeleteUnlinkedAttachments deletes the oldest attachments no case claimed. SQLite has one
// writer at a time: a transaction that links an attachment runs wholly before or after this
// one, and the condition is read on the row as that transaction left it. The partial index
// is named: without statistics SQLite would take attachments_case (every unlinked row, then
// a sort).
func (tx *Tx) DeleteUnlinkedAttachments(ctx context.Context, before time.Time, limit int) ([]store.Attachment, error) {
	if limit <= 0 {
		return nil, nil
	}
	const q = `
DELETE FROM attachments
WHERE id IN (SELECT id FROM attachments INDEXED BY attachments_unlinked
             WHERE case_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?)
RETURNING id, owner_role, owner_id, content_type, size, original_name, created_at`
	rows, err := tx.query(ctx, q, micros(before), limit)
	if err != nil {
		return nil, fmt.Errorf("delete unlinked attachments: %w", dbErr(err))
	}
	defer rows.Close()
	var out []store.Attachment
	for rows.Next() {
		var (
			a       store.Attachment
			created int64
		)
		if err := rows.Scan(&a.ID, &a.OwnerRole, &a.OwnerID, &a.ContentType, &a.Size, &a.OriginalName, &created); err != nil {
			return nil, fmt.Errorf("delete unlinked attachments: %w", dbErr(err))
		}
		a.CreatedAt = fromMicros(created)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("delete unlinked attachments: %w", dbErr(err))
	}
	return out, nil
}

// AttachmentTotals counts every attachment and the unlinked ones.
func (tx *Tx) AttachmentTotals(ctx context.Context) (store.AttachmentTotals, error) {
	const q = `
SELECT count(*), coalesce(sum(size), 0),
       coalesce(sum(CASE WHEN case_id IS NULL THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN case_id IS NULL THEN size ELSE 0 END), 0)
FROM attachments`
	var t store.AttachmentTotals
	if err := tx.queryRow(ctx, q).Scan(&t.Count, &t.Bytes, &t.UnlinkedCount, &t.UnlinkedBytes); err != nil {
		return store.AttachmentTotals{}, fmt.Errorf("attachment totals: %w", dbErr(err))
	}
	return t, nil
}
