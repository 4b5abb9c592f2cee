package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// MaxUploadBody caps an upload request: the largest evidence (a video) plus room for the
// multipart envelope. The app enforces each kind's own limit.
const MaxUploadBody = app.MaxVideoSize + 1<<20

// uploadAttachment streams the multipart part named "file" to the app, with the part's
// file name and declared Content-Type; the app judges the type from the bytes.
func uploadAttachment(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return errUnsupported("the upload must be multipart/form-data with the file in the field \"file\"",
			"上传请使用 multipart/form-data,文件放在 file 字段中")
	}
	body := &limitedBody{r: http.MaxBytesReader(w, r.Body, MaxUploadBody)}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return errInvalidField("file", "the field \"file\" with the file is missing", "缺少 file 字段(上传的文件)")
		}
		if err != nil {
			if body.tooLarge {
				return errBodyTooLarge()
			}
			return errMalformed("the multipart body cannot be read", "无法解析 multipart 请求内容")
		}
		if part.FormName() != "file" {
			_, _ = io.Copy(io.Discard, part)
			continue
		}
		rep, err := s.app.UploadOnce(r.Context(), p, part.FileName(), part.Header.Get("Content-Type"), part, r.Header.Get("Idempotency-Key"))
		if err != nil {
			if body.tooLarge {
				return errBodyTooLarge()
			}
			return err
		}
		return writeReply(w, rep)
	}
}

func errBodyTooLarge() error {
	return errTooLarge(fmt.Sprintf("the upload is larger than %d MB", MaxUploadBody>>20),
		fmt.Sprintf("上传内容超过 %d MB", MaxUploadBody>>20))
}

// limitedBody notes that the request body went over its cap, which the app would
// otherwise see as a failed read.
type limitedBody struct {
	r        io.Reader
	tooLarge bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.tooLarge = true
	}
	return n, err
}

// getAttachment sends an attachment's bytes with its stored (sniffed) content type, as a
// download that browsers will neither render inline nor sniff, named after that type
// (AttachmentView.DownloadName: a PNG uploaded as "x.html" downloads as "x.png").
func getAttachment(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, rc, err := s.app.Attachment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", v.ContentType)
	h.Set("Content-Length", strconv.FormatInt(v.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", contentDisposition(v.DownloadName()))
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		// The status is sent: all that is left is to note the broken download.
		s.log.LogAttrs(r.Context(), levelWarn, "attachment download broke off", attrRequestID(r), attrError(err))
	}
	return nil
}

// contentDisposition is an attachment's Content-Disposition (RFC 6266): the name as a
// quoted filename in plain ASCII (other characters, quotes and backslashes become "_"), and
// when that is not the name itself, also as filename* in UTF-8, percent-encoded (RFC 8187),
// which browsers prefer.
func contentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			r = '_'
		}
		ascii.WriteRune(r)
	}
	v := `attachment; filename="` + ascii.String() + `"`
	if ascii.String() == name {
		return v
	}
	for _, b := range []byte(name) {
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return v + "; filename*=UTF-8''" + ext.String()
}
