package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// QuotaWindow is the period an upload quota counts: the last 24 hours, rolling, so that
// there is no midnight at which twice the quota can be stored within minutes.
const QuotaWindow = 24 * time.Hour

// UploadQuota bounds what one uploader — a customer (all their tokens and sessions), or a
// token or staff account — stores in any QuotaWindow: uploads and bytes. A zero field takes
// the default (DefaultUploadQuota); a negative one means no limit.
type UploadQuota struct {
	Files int
	Bytes int64
}

// DefaultUploadQuota is 200 files and 1 GiB a day: ten full-size videos, or a photo every
// few minutes all day — more than any customer's evidence, far less than a disk.
var DefaultUploadQuota = UploadQuota{Files: 200, Bytes: 1 << 30}

func (q UploadQuota) withDefaults() UploadQuota {
	if q.Files == 0 {
		q.Files = DefaultUploadQuota.Files
	}
	if q.Bytes == 0 {
		q.Bytes = DefaultUploadQuota.Bytes
	}
	return q
}

// left is how many more bytes the uploader may store now, -1 for no limit.
func (q UploadQuota) left(u store.UploadUsage) int64 {
	if q.Bytes < 0 {
		return -1
	}
	return max(q.Bytes-u.Bytes, 0)
}

// check refuses one more upload of size bytes (at least 1: before the upload, its size is
// not known) on top of the usage u measured at now.
//
// A used-up quota is 429 with Retry-After, not 413 or 422: the request is fine and will
// succeed unchanged once the oldest upload of the window has left it, which is when
// Retry-After says (for files exactly; for bytes it is the earliest time anything frees
// up). Only a file larger than the whole quota, with nothing uploaded to wait for, is 413:
// no wait will make it fit.
func (q UploadQuota) check(u store.UploadUsage, size int64, now time.Time) error {
	size = max(size, 1)
	wait := max(u.Oldest.Add(QuotaWindow).Sub(now), time.Second)
	switch {
	case q.Files >= 0 && u.Count+1 > q.Files:
		return &Error{Code: CodeQuota, RetryAfter: wait, Message: Text{
			ZH: fmt.Sprintf("24 小时内最多上传 %d 个文件,已达上限;请%s后再试", q.Files, waitZH(wait)),
			EN: fmt.Sprintf("you have uploaded %d files in the last 24 hours, the most allowed; try again in %s", u.Count, waitEN(wait)),
		}}
	case q.Bytes >= 0 && u.Bytes+size > q.Bytes && u.Count == 0:
		return &Error{Code: CodeTooLarge, Message: Text{
			ZH: fmt.Sprintf("文件超过 24 小时内可上传的 %s 上限", sizeText(q.Bytes)),
			EN: fmt.Sprintf("the file is larger than the %s you may upload in 24 hours", sizeText(q.Bytes)),
		}}
	case q.Bytes >= 0 && u.Bytes+size > q.Bytes:
		return &Error{Code: CodeQuota, RetryAfter: wait, Message: Text{
			ZH: fmt.Sprintf("24 小时内上传的文件最多 %s,已用 %s;请%s后再试", sizeText(q.Bytes), sizeText(u.Bytes), waitZH(wait)),
			EN: fmt.Sprintf("your uploads of the last 24 hours may total %s and already take %s; try again in %s", sizeText(q.Bytes), sizeText(u.Bytes), waitEN(wait)),
		}}
	}
	return nil
}

// uploadUsage is what p uploaded in the window that ends now, and now (the store's time).
func (a *App) uploadUsage(ctx context.Context, p Principal) (u store.UploadUsage, now time.Time, err error) {
	err = a.store.View(ctx, func(tx store.Tx) error {
		now = tx.Now()
		u, err = tx.UploadUsage(ctx, string(p.Role), principalOwner(p), now.Add(-QuotaWindow))
		return err
	})
	return u, now, err
}

func sizeText(b int64) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%d GB", b>>30)
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (b+1023)>>10)
}

// waitEN and waitZH say a wait in hours and minutes, rounded up to the minute.
func waitEN(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m >= 60 {
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	return fmt.Sprintf("%d min", m)
}

func waitZH(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m >= 60 {
		return fmt.Sprintf(" %d 小时 %d 分钟", m/60, m%60)
	}
	return fmt.Sprintf(" %d 分钟", m)
}

// DefaultUploadGrace is how long an upload that no application or action has used is kept
// before SweepUploads deletes it: a day, for someone who takes photos in the evening and
// applies the next morning.
const DefaultUploadGrace = 24 * time.Hour

// sweepBatch is how many unclaimed uploads one sweep transaction deletes.
const sweepBatch = 500

// UploadSweep is what a sweep of unclaimed uploads did, and what is stored after it.
type UploadSweep struct {
	Swept      int   // uploads deleted, with their bytes
	SweptBytes int64 // their size
	Stored     store.AttachmentTotals
}

// SweepUploads deletes the uploads that no application or action claimed within grace of
// being uploaded: the rows, a batch per transaction, each deletion in the audit log, then
// the blobs. Every replica may sweep at once: each row is deleted, and counted, by one of
// them, and a row that a transaction is linking to a case right now is left alone (the
// row's state decides, in the database). It reports to the Observer what it deleted and
// what is stored after it.
//
// The row goes first and the blob after the commit. A crash between the two leaves a blob
// file that no row names: no one can download it and no quota counts it, it only takes
// disk until someone removes the files no row names. The other order would leave rows whose
// bytes are gone, and a failed blob deletion is only logged for the same reason.
func (a *App) SweepUploads(ctx context.Context, grace time.Duration) (UploadSweep, error) {
	var out UploadSweep
	if grace <= 0 {
		return out, fmt.Errorf("sweep uploads: the grace period %v must be positive", grace)
	}
	sys := Principal{Role: RoleIntegration, ID: "sweeper"}
	for {
		var batch []store.Attachment
		_, err := write(ctx, a, sys, nil, auditTarget{}, func(tx *txn) (*struct{}, int, error) {
			var err error
			batch, err = tx.DeleteUnlinkedAttachments(ctx, tx.Now().Add(-grace), sweepBatch)
			for _, at := range batch {
				if err != nil {
					break
				}
				err = tx.audit(ctx, "attachment.sweep", "attachment", at.ID, map[string]any{
					"type": at.ContentType, "size": at.Size, "uploaded_at": at.CreatedAt, "grace": grace.String()})
			}
			return &struct{}{}, 0, err
		})
		if err != nil {
			return out, fmt.Errorf("sweep uploads: %w", err)
		}
		for _, at := range batch {
			if err := a.blobs.Delete(ctx, at.ID); err != nil {
				a.log.Warn("sweep uploads: the blob of a deleted upload is left behind", "attachment", at.ID, "err", err)
			}
			out.Swept++
			out.SweptBytes += at.Size
		}
		if len(batch) < sweepBatch {
			break
		}
	}
	err := a.store.View(ctx, func(tx store.Tx) (err error) {
		out.Stored, err = tx.AttachmentTotals(ctx)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("sweep uploads: %w", err)
	}
	if out.Swept > 0 {
		a.log.Info("unclaimed uploads swept", "uploads", out.Swept, "bytes", out.SweptBytes, "grace", grace)
	}
	a.obs.Uploads(out)
	return out, nil
}
