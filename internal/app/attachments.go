package app

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// Upload limits by kind of evidence.
const (
	MaxImageSize = 10 << 20
	MaxVideoSize = 100 << 20
	MaxPDFSize   = 10 << 20
)

// accepted are the content types evidence may have, judged from the bytes, not the name,
// with the extension a download of each is named with.
var accepted = map[string]struct {
	kind  string
	limit int64
	ext   string
}{
	"image/jpeg":      {"photo", MaxImageSize, ".jpg"},
	"image/png":       {"photo", MaxImageSize, ".png"},
	"image/gif":       {"photo", MaxImageSize, ".gif"},
	"image/webp":      {"photo", MaxImageSize, ".webp"},
	"video/mp4":       {"video", MaxVideoSize, ".mp4"},
	"video/webm":      {"video", MaxVideoSize, ".webm"},
	"application/pdf": {"document", MaxPDFSize, ".pdf"},
}

// AttachmentView is an uploaded piece of evidence.
type AttachmentView struct {
	ID          string    `json:"id"`
	ContentType string    `json:"content_type"`
	Kind        string    `json:"kind" jsonschema:"enum=photo,enum=video,enum=document"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Name        string    `json:"name"`
	CaseID      string    `json:"case_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// attachmentView shows an attachment; its name is cleaned again on the way out, for names
// stored before uploads were cleaned.
func attachmentView(at *store.Attachment) *AttachmentView {
	return &AttachmentView{ID: at.ID, ContentType: at.ContentType, Kind: accepted[at.ContentType].kind, Size: at.Size,
		SHA256: fmt.Sprintf("%x", at.SHA256), Name: text.FileName(at.OriginalName), CaseID: at.CaseID, CreatedAt: at.CreatedAt}
}

// DownloadName is the name the attachment's bytes are offered under: its name without its
// extension, with the extension of the type judged from its content, so that a PNG
// uploaded as "x.html" downloads as "x.png" and opens as the picture it is. Leading dots
// go (no hidden file: ".html" downloads as "html.png").
func (v *AttachmentView) DownloadName() string {
	stem := strings.TrimSpace(strings.TrimLeft(strings.TrimSuffix(v.Name, text.Extension(v.Name)), "."))
	if stem == "" {
		stem = "attachment"
	}
	ext := accepted[v.ContentType].ext
	return text.FileName(stem + ext) // at most 255 bytes, the extension kept
}

// countingHash counts and hashes what passes through and fails past the size limit of
// its type, or past what is left of the uploader's quota (quota < 0: no quota).
type countingHash struct {
	r     io.Reader
	h     hash.Hash
	n     int64
	limit int64
	quota int64
}

var (
	errTooLarge  = errors.New("too large")
	errOverQuota = errors.New("over quota")
)

func (c *countingHash) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	if c.n > c.limit {
		return n, errTooLarge
	}
	if c.quota >= 0 && c.n > c.quota {
		return n, errOverQuota
	}
	return n, err
}

// Upload stores evidence: its type is judged from its first bytes (a declared type that
// disagrees is refused), its size is limited by type and by what is left of the uploader's
// quota for the day, its SHA-256 kept, its file name cleaned (text.FileName). It belongs to
// the uploader until an application or action links it to a case; then only the parties of
// that case may read it. An upload no case claims is swept after a grace period
// (SweepUploads).
func (a *App) Upload(ctx context.Context, p Principal, name, declared string, r io.Reader) (Reply[AttachmentView], error) {
	return a.UploadOnce(ctx, p, name, declared, r, "")
}

// UploadOnce is Upload with an idempotency key (the API's Idempotency-Key): the same file
// (its SHA-256), name and type sent again with the same key answers the first upload's
// attachment and keeps nothing more; another file with the key is a conflict. The bytes
// are read before the key can be judged, so a repeat is read and then dropped.
func (a *App) UploadOnce(ctx context.Context, p Principal, name, declared string, r io.Reader, key string) (Reply[AttachmentView], error) {
	if err := authorize(p, opUpload, nil, ""); err != nil {
		return Reply[AttachmentView]{}, err
	}
	// The quota is asked before a byte is stored, and the bytes read are cut off at what is
	// left of it; the insert asks again, for uploads that ran at the same time. (Two that
	// commit at the same moment on PostgreSQL can both pass: the overshoot is bounded by
	// the uploads one person runs at once, which the rate limits bound in turn.)
	usage, now, err := a.uploadUsage(ctx, p)
	if err != nil {
		return Reply[AttachmentView]{}, errInternal(err)
	}
	if err := a.quota.check(usage, 0, now); err != nil {
		return Reply[AttachmentView]{}, err
	}
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return Reply[AttachmentView]{}, errInternal(err)
	}
	if len(head) == 0 {
		return Reply[AttachmentView]{}, errInvalid("file", "文件为空", "the file is empty")
	}
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	kind, ok := accepted[sniffed]
	if !ok {
		return Reply[AttachmentView]{}, &Error{Code: CodeUnsupported, Message: Text{
			ZH: "只接受 JPEG、PNG、GIF、WebP 图片,MP4、WebM 视频和 PDF 文件",
			EN: fmt.Sprintf("the file's content is %s; only JPEG, PNG, GIF and WebP photos, MP4 and WebM videos and PDF documents are accepted", sniffed),
		}}
	}
	if d, _, err := mime.ParseMediaType(declared); declared != "" && d != "application/octet-stream" && (err != nil || d != sniffed) {
		return Reply[AttachmentView]{}, &Error{Code: CodeUnsupported, Message: Text{
			ZH: fmt.Sprintf("文件内容是 %s,但声明为 %s", sniffed, declared),
			EN: fmt.Sprintf("the file's content is %s but it was labelled %s", sniffed, declared),
		}}
	}
	id := uuid.New().String()
	ch := &countingHash{r: br, h: sha256.New(), limit: kind.limit, quota: a.quota.left(usage)}
	if err := a.blobs.Put(ctx, id, ch); err != nil {
		_ = a.blobs.Delete(ctx, id)
		switch {
		case errors.Is(err, errTooLarge):
			return Reply[AttachmentView]{}, &Error{Code: CodeTooLarge, Message: Text{
				ZH: fmt.Sprintf("文件超过 %d MB 的上限", kind.limit>>20),
				EN: fmt.Sprintf("the file is larger than the %d MB limit for a %s", kind.limit>>20, kind.kind),
			}}
		case errors.Is(err, errOverQuota):
			return Reply[AttachmentView]{}, a.quota.check(usage, ch.n, now)
		}
		return Reply[AttachmentView]{}, errInternal(err)
	}
	at := store.Attachment{
		ID: id, OwnerRole: string(p.Role), OwnerID: principalOwner(p), ContentType: sniffed, Size: ch.n,
		SHA256: ch.h.Sum(nil), OriginalName: text.FileName(name),
	}
	var idem *Idempotency
	if key != "" {
		idem = &Idempotency{Key: key, RequestHash: RequestHash([]byte("attachment.upload"), at.SHA256, []byte(at.OriginalName), []byte(declared))}
	}
	reply, err := write(ctx, a, p, idem, auditTarget{"attachment.upload", "attachment", id}, func(tx *txn) (*AttachmentView, int, error) {
		at.CreatedAt = tx.Now()
		u, err := tx.UploadUsage(ctx, at.OwnerRole, at.OwnerID, tx.Now().Add(-QuotaWindow))
		if err != nil {
			return nil, 0, err
		}
		if err := a.quota.check(u, at.Size, tx.Now()); err != nil {
			return nil, 0, err
		}
		if err := tx.InsertAttachment(ctx, at); err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "attachment.upload", "attachment", id, map[string]any{"type": at.ContentType, "size": at.Size}); err != nil {
			return nil, 0, err
		}
		return attachmentView(&at), http.StatusCreated, nil
	})
	if err != nil || reply.Replayed { // a replay answers the first upload: this copy is not kept
		_ = a.blobs.Delete(ctx, id)
	}
	return reply, err
}

// principalOwner is the identity that owns an upload: the customer, or the token/user.
func principalOwner(p Principal) string {
	if p.Role == RoleCustomer {
		return p.Customer
	}
	return p.ID
}

// ownEvidence checks that attachments named in a request are the principal's own uploads,
// not linked to another case, and returns them as evidence references.
func (a *App) ownEvidence(ctx context.Context, tx store.Tx, p Principal, caseID string, ids []string) ([]aftersale.Evidence, error) {
	var out []aftersale.Evidence
	for i, id := range ids {
		at, err := tx.Attachment(ctx, id)
		bad := errors.Is(err, store.ErrNotFound) || err == nil &&
			(at.OwnerRole != string(p.Role) || at.OwnerID != principalOwner(p) || at.CaseID != "" && at.CaseID != caseID)
		if bad {
			return nil, errInvalid(fmt.Sprintf("evidence[%d]", i), "找不到该凭证,或它不属于你", "no such upload of yours")
		} else if err != nil {
			return nil, err
		}
		out = append(out, aftersale.Evidence{ID: id, Kind: accepted[at.ContentType].kind})
	}
	return out, nil
}

// Attachment opens an attachment for reading: its uploader may read it, and once linked
// to a case, the parties of the case.
func (a *App) Attachment(ctx context.Context, p Principal, id string) (*AttachmentView, io.ReadCloser, error) {
	if err := authorize(p, opReadAttachment, nil, ""); err != nil {
		return nil, nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil, errNotFound("attachment")
	}
	var at store.Attachment
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		at, err = tx.Attachment(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("attachment")
		} else if err != nil {
			return err
		}
		// Until it is linked, only its uploader reads it; then its case decides, so that
		// a customer's session from one shop's link does not read what they gave another.
		if at.CaseID == "" {
			if at.OwnerRole == string(p.Role) && at.OwnerID == principalOwner(p) {
				return nil
			}
			return errNotFound("attachment")
		}
		_, err = a.loadCase(ctx, tx, p, opReadAttachment, at.CaseID)
		if ErrorCode(err) == CodeNotFound {
			return errNotFound("attachment")
		}
		return err
	})
	if err != nil {
		return nil, nil, fromCore(err)
	}
	rc, err := a.blobs.Open(ctx, id)
	if err != nil {
		return nil, nil, errInternal(err)
	}
	return attachmentView(&at), rc, nil
}
