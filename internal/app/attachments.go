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
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// Upload limits by kind of evidence.
const (
	MaxImageSize = 10 << 20
	MaxVideoSize = 100 << 20
	MaxPDFSize   = 10 << 20
)

// accepted are the content types evidence may have, judged from the bytes, not the name.
var accepted = map[string]struct {
	kind  string
	limit int64
}{
	"image/jpeg":      {"photo", MaxImageSize},
	"image/png":       {"photo", MaxImageSize},
	"image/gif":       {"photo", MaxImageSize},
	"image/webp":      {"photo", MaxImageSize},
	"video/mp4":       {"video", MaxVideoSize},
	"video/webm":      {"video", MaxVideoSize},
	"application/pdf": {"document", MaxPDFSize},
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

func attachmentView(at *store.Attachment) *AttachmentView {
	return &AttachmentView{ID: at.ID, ContentType: at.ContentType, Kind: accepted[at.ContentType].kind, Size: at.Size,
		SHA256: fmt.Sprintf("%x", at.SHA256), Name: at.OriginalName, CaseID: at.CaseID, CreatedAt: at.CreatedAt}
}

// countingHash counts and hashes what passes through and fails past a limit.
type countingHash struct {
	r     io.Reader
	h     hash.Hash
	n     int64
	limit int64
}

var errTooLarge = errors.New("too large")

func (c *countingHash) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	if c.n > c.limit {
		return n, errTooLarge
	}
	return n, err
}

// Upload stores evidence: its type is judged from its first bytes (a declared type that
// disagrees is refused), its size is limited by type, its SHA-256 kept. It belongs to the
// uploader until an application or action links it to a case; then only the parties of that
// case may read it.
func (a *App) Upload(ctx context.Context, p Principal, name, declared string, r io.Reader) (Reply[AttachmentView], error) {
	if err := authorize(p, opUpload, nil, ""); err != nil {
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
	ch := &countingHash{r: br, h: sha256.New(), limit: kind.limit}
	if err := a.blobs.Put(ctx, id, ch); err != nil {
		_ = a.blobs.Delete(ctx, id)
		if errors.Is(err, errTooLarge) {
			return Reply[AttachmentView]{}, &Error{Code: CodeTooLarge, Message: Text{
				ZH: fmt.Sprintf("文件超过 %d MB 的上限", kind.limit>>20),
				EN: fmt.Sprintf("the file is larger than the %d MB limit for a %s", kind.limit>>20, kind.kind),
			}}
		}
		return Reply[AttachmentView]{}, errInternal(err)
	}
	at := store.Attachment{
		ID: id, OwnerRole: string(p.Role), OwnerID: principalOwner(p), ContentType: sniffed, Size: ch.n,
		SHA256: ch.h.Sum(nil), OriginalName: filepath.Base(name),
	}
	reply, err := write(ctx, a, p, nil, auditTarget{"attachment.upload", "attachment", id}, func(tx *txn) (*AttachmentView, int, error) {
		at.CreatedAt = tx.Now()
		if err := tx.InsertAttachment(ctx, at); err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "attachment.upload", "attachment", id, map[string]any{"type": at.ContentType, "size": at.Size}); err != nil {
			return nil, 0, err
		}
		return attachmentView(&at), http.StatusCreated, nil
	})
	if err != nil {
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
