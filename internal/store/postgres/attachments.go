package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertAttachment stores an attachment's metadata; ErrConflict if the id is taken.
func (t *Tx) InsertAttachment(ctx context.Context, a store.Attachment) error {
	var caseID *string
	if a.CaseID != "" {
		caseID = &a.CaseID
	}
	n, err := t.exec(ctx, `
		INSERT INTO attachments (id, case_id, owner_role, owner_id, merchant_code, customer_id,
		    content_type, size, sha256, original_name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO NOTHING`,
		a.ID, caseID, a.OwnerRole, a.OwnerID, a.Merchant, a.Customer, a.ContentType, a.Size,
		orBytes(a.SHA256), a.OriginalName, orNow(a.CreatedAt, t.now))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	return wrap(err, "insert attachment %s", a.ID)
}

// Attachment returns an attachment's metadata.
func (t *Tx) Attachment(ctx context.Context, id string) (store.Attachment, error) {
	a := store.Attachment{ID: id}
	var caseID *string
	err := t.queryRow(ctx, `
		SELECT case_id, owner_role, owner_id, merchant_code, customer_id, content_type, size, sha256,
		    original_name, created_at
		FROM attachments WHERE id = $1`, []any{id},
		&caseID, &a.OwnerRole, &a.OwnerID, &a.Merchant, &a.Customer, &a.ContentType, &a.Size, &a.SHA256,
		&a.OriginalName, &a.CreatedAt)
	if err != nil {
		return store.Attachment{}, wrap(err, "attachment %s", id)
	}
	if caseID != nil {
		a.CaseID = *caseID
	}
	return a, nil
}

// Attachments take the case's merchant and customer when linked. An attachment linked to
// another case is not moved.
const linkAttachmentsSQL = `
UPDATE attachments a SET case_id = c.id, merchant_code = c.merchant_code, customer_id = c.customer_id
FROM cases c
WHERE c.id = $1 AND a.id = ANY ($2::text[]) AND (a.case_id IS NULL OR a.case_id = c.id)`

// LinkAttachments attaches uploaded attachments to a case: ErrNotFound if the case or an
// attachment does not exist, ErrConflict if an attachment belongs to another case.
func (t *Tx) LinkAttachments(ctx context.Context, caseID string, ids []string) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil
	}
	n, err := t.exec(ctx, linkAttachmentsSQL, caseID, ids)
	if err != nil {
		return wrap(err, "link attachments to case %s", caseID)
	}
	if n == int64(len(ids)) {
		return nil
	}
	// Say why: an unknown case or attachment, or one that belongs to another case.
	var caseExists bool
	var known, elsewhere int64
	err = t.queryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1),
		    (SELECT count(*) FROM attachments WHERE id = ANY ($2::text[])),
		    (SELECT count(*) FROM attachments WHERE id = ANY ($2::text[]) AND case_id <> $1)`,
		[]any{caseID, ids}, &caseExists, &known, &elsewhere)
	switch {
	case err != nil:
	case !caseExists || known < int64(len(ids)):
		err = store.ErrNotFound
	case elsewhere > 0:
		err = store.ErrConflict
	default:
		err = fmt.Errorf("%d of %d attachments linked", n, len(ids))
	}
	return wrap(err, "link attachments to case %s", caseID)
}
