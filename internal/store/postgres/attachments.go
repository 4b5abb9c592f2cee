package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

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

// UploadUsage counts an owner's uploads since a time, from the attachments_owner index.
func (t *Tx) UploadUsage(ctx context.Context, ownerRole, ownerID string, since time.Time) (store.UploadUsage, error) {
	var u store.UploadUsage
	var oldest *time.Time
	err := t.queryRow(ctx, `
		SELECT count(*), coalesce(sum(size), 0)::bigint, min(created_at) FROM attachments
		WHERE owner_role = $1 AND owner_id = $2 AND created_at >= $3`,
		[]any{ownerRole, ownerID, since}, &u.Count, &u.Bytes, &oldest)
	if err != nil {
		return store.UploadUsage{}, wrap(err, "upload usage of %s %s", ownerRole, ownerID)
	}
	u.Oldest = timeOf(oldest)
	return u, nil
}

// DeleteUnlinkedAttachments deletes the oldest attachments no case claimed. The rows are
// locked as they are chosen, skipping those another transaction holds (a LinkAttachments
// in progress, or another replica's sweep): a locked row is left alone, and a row linked
// meanwhile fails the condition, which PostgreSQL checks again on the row's newest version.
// The choice is a CTE, run once: as "id IN (subquery)" the planner may run the locking
// subquery again for each row, and the rows this statement has deleted are then skipped,
// so that LIMIT takes the next ones (limit 2 deleted 3 in the conformance test).
func (t *Tx) DeleteUnlinkedAttachments(ctx context.Context, before time.Time, limit int) ([]store.Attachment, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []store.Attachment
	err := t.query(ctx, `
		WITH doomed AS (
		    SELECT id FROM attachments WHERE case_id IS NULL AND created_at < $1
		    ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		DELETE FROM attachments a USING doomed
		WHERE a.id = doomed.id AND a.case_id IS NULL
		RETURNING a.id, a.owner_role, a.owner_id, a.content_type, a.size, a.original_name, a.created_at`,
		[]any{before, limit}, func(rows pgx.Rows) error {
			var a store.Attachment
			err := rows.Scan(&a.ID, &a.OwnerRole, &a.OwnerID, &a.ContentType, &a.Size, &a.OriginalName, &a.CreatedAt)
			out = append(out, a)
			return err
		})
	if err != nil {
		return nil, wrap(err, "delete unlinked attachments")
	}
	return out, nil
}

// AttachmentTotals counts every attachment and the unlinked ones.
func (t *Tx) AttachmentTotals(ctx context.Context) (store.AttachmentTotals, error) {
	var a store.AttachmentTotals
	err := t.queryRow(ctx, `
		SELECT count(*), coalesce(sum(size), 0)::bigint,
		    count(*) FILTER (WHERE case_id IS NULL), coalesce(sum(size) FILTER (WHERE case_id IS NULL), 0)::bigint
		FROM attachments`, nil, &a.Count, &a.Bytes, &a.UnlinkedCount, &a.UnlinkedBytes)
	return a, wrap(err, "attachment totals")
}
