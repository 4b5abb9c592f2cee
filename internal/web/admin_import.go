package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/importer"
	"github.com/aftersales/aftersales/internal/text"
)

// The order import (/admin/import): a CSV or XLSX file read by the same importer as the
// command line (aftersales import orders), in the background on this replica, through the
// same command as POST /api/v1/orders; its page shows a progress bar the script polls and,
// once finished, the summary and the rows that were not imported, with why.

// ImportData is the import form's page: the form and the admin's jobs on this replica.
type ImportData struct {
	Jobs    []ImportView
	Form    map[string]string
	Errors  map[string]string
	Message string
	Key     string
}

// AdminImport shows the form and the admin's imports.
func (pg *Pages) AdminImport(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.MayImport(v.Principal); err != nil {
		return err
	}
	pg.renderImport(w, r, v, http.StatusOK, &ImportData{Form: map[string]string{}, Errors: map[string]string{}})
	return nil
}

func (pg *Pages) renderImport(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *ImportData) {
	d.Jobs, d.Key = pg.imports.list(v.Principal.ID), newFormKey()
	p := pg.page(r, v, "admin.import.title")
	p.Data = d
	pg.render(w, r, status, "admin_import", p)
}

// AdminImportStart starts an import of the posted file (field file; merchant: import as
// that merchant's shop system, so that other merchants' orders are refused; sheet: the
// XLSX sheet) and goes to its page. A file whose header cannot be read is refused at once.
func (pg *Pages) AdminImportStart(w http.ResponseWriter, r *http.Request, v *Visit) error {
	merchant := strings.TrimSpace(r.PostForm.Get("merchant"))
	as, err := pg.app.ImportAs(v.Principal, merchant)
	if err != nil {
		return err
	}
	refuse := func(msg string) error {
		d := &ImportData{Form: formValues(r), Errors: map[string]string{"file": msg}}
		d.Message = pg.say(v.Lang, "form.check_fields")
		pg.renderImport(w, r, v, http.StatusUnprocessableEntity, d)
		return nil
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Filename == "" {
		return refuse(pg.say(v.Lang, "admin.import.no_file"))
	}
	fh := r.MultipartForm.File["file"][0]
	name := text.FileName(fh.Filename)
	key := strings.TrimSpace(r.PostForm.Get(IdempotencyField))
	if j, ok := pg.imports.findKey(v.Principal.ID, key); ok {
		seeOther(w, "/admin/import/"+j.id+"?lang="+string(v.Lang))
		return nil
	}
	// The request's file is gone when the answer is sent: the job reads a copy of its own.
	path, err := keepUpload(fh, name)
	if err != nil {
		return err
	}
	rd, err := importer.Open(path, importer.Options{Sheet: strings.TrimSpace(r.PostForm.Get("sheet"))})
	if err != nil {
		os.Remove(path)
		return refuse(strings.TrimPrefix(err.Error(), path+": "))
	}
	job, fresh := pg.imports.add(v.Principal.ID, key, name, merchant, pg.now())
	if fresh {
		ctx := context.WithoutCancel(r.Context())
		go pg.runImport(ctx, job, rd, path, as)
	} else {
		rd.Close()
		os.Remove(path)
	}
	seeOther(w, "/admin/import/"+job.id+"?lang="+string(v.Lang))
	return nil
}

// findKey is owner's job started by the form with key.
func (js *importJobs) findKey(owner, key string) (*importJob, bool) {
	if key == "" {
		return nil, false
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	for _, j := range js.jobs {
		if j.owner == owner && j.key == key {
			return j, true
		}
	}
	return nil, false
}

// keepUpload copies an uploaded file to a temporary file named with its extension (which
// tells an empty or odd file's format) and returns its path.
func keepUpload(fh *multipart.FileHeader, name string) (string, error) {
	src, err := fh.Open()
	if err != nil {
		return "", fmt.Errorf("open the uploaded file: %w", err)
	}
	defer src.Close()
	ext := strings.ToLower(text.Extension(name))
	dst, err := os.CreateTemp("", "aftersales-import-*"+ext)
	if err != nil {
		return "", fmt.Errorf("keep the uploaded file: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", fmt.Errorf("keep the uploaded file: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(dst.Name())
		return "", fmt.Errorf("keep the uploaded file: %w", err)
	}
	return dst.Name(), nil
}

// runImport imports the file at path as principal as, reporting to job, and removes the
// file.
func (pg *Pages) runImport(ctx context.Context, job *importJob, r *importer.Reader, path string, as app.Principal) {
	defer os.Remove(path)
	defer r.Close()
	s, err := importer.Import(ctx, r, importer.AppSink(pg.app, as), importer.ImportOptions{Progress: job.report})
	if err != nil {
		pg.log.WarnContext(ctx, "order import stopped", slog.String("job", job.id), slog.String("error", err.Error()))
	}
	job.finish(s, err, pg.now())
}

// ImportJobData is an import's page.
type ImportJobData struct {
	Job ImportView
}

// AdminImportJob shows an import: its progress while it runs, then its summary and the
// rows that were not imported.
func (pg *Pages) AdminImportJob(w http.ResponseWriter, r *http.Request, v *Visit) error {
	job, err := pg.importJob(r, v)
	if err != nil {
		return err
	}
	d := &ImportJobData{Job: job.view()}
	p := pg.page(r, v, "admin.job.title", d.Job.File)
	p.Data = d
	pg.render(w, r, http.StatusOK, "admin_job", p)
	return nil
}

// AdminImportProgress is an import's progress as JSON, for the page's script.
func (pg *Pages) AdminImportProgress(w http.ResponseWriter, r *http.Request, v *Visit) error {
	job, err := pg.importJob(r, v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(job.view().progressJSON())
}

// importJob is the visitor's job of the address; another's, or one this replica does not
// run, is not found.
func (pg *Pages) importJob(r *http.Request, v *Visit) (*importJob, error) {
	if err := pg.app.MayImport(v.Principal); err != nil {
		return nil, err
	}
	job, ok := pg.imports.get(v.Principal.ID, r.PathValue("id"))
	if !ok {
		return nil, &app.Error{Code: app.CodeNotFound, Message: pg.cat.Text("admin.import.not_found")}
	}
	return job, nil
}
