package web

import (
	"crypto/rand"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// IdempotencyField is the hidden field of every form that writes: a random key made when the
// form is shown, so that a form sent twice (a double click, a reload of the answer) acts once.
const IdempotencyField = "idempotency_key"

// newFormKey is a fresh idempotency key for a form.
func newFormKey() string { return rand.Text() }

// formIdempotency is the idempotency of a posted form: its key, and the hash of its fields
// (a key sent again with other fields is refused, as in the API).
func formIdempotency(r *http.Request, v *Visit) *app.Idempotency {
	key := strings.TrimSpace(r.PostForm.Get(IdempotencyField))
	if key == "" || len(key) > 200 {
		return nil
	}
	names := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		if k != "csrf_token" && k != "lang" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	parts := [][]byte{[]byte(r.Method), []byte(r.URL.Path)}
	for _, k := range names {
		parts = append(parts, []byte(k), []byte(strings.Join(r.PostForm[k], "\x00")))
	}
	return &app.Idempotency{Key: "form:" + key, RequestHash: app.RequestHash(parts...)}
}

// uploadEvidence stores the files of the form's evidence field as the visitor's uploads and
// returns their ids. A file the application refuses (its type, its size, the day's quota) is
// noted on problem; the files stored before it stay the visitor's unlinked uploads, which the
// sweeper removes.
func (pg *Pages) uploadEvidence(r *http.Request, v *Visit, problem *FormProblem) ([]string, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var files []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File["evidence"] {
		if fh.Size > 0 || fh.Filename != "" {
			files = append(files, fh)
		}
	}
	if len(files) > maxEvidenceFiles {
		problem.Fields["evidence"], _ = pg.cat.Message(v.Lang, "form.too_many_files", maxEvidenceFiles)
		return nil, nil
	}
	var ids []string
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("open uploaded file: %w", err)
		}
		reply, err := pg.app.Upload(r.Context(), v.Principal, fh.Filename, fh.Header.Get("Content-Type"), f)
		f.Close()
		if err != nil {
			if pg.formProblem(v.Lang, err, problem) {
				if problem.Fields["evidence"] == "" {
					problem.Fields["evidence"] = fh.Filename + ": " + problem.Message
				}
				return nil, nil
			}
			return nil, err
		}
		ids = append(ids, reply.Value.ID)
	}
	return ids, nil
}
