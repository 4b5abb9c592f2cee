package httpapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// pngOf is a PNG (by its signature, which is what the type is judged from) of n bytes.
func pngOf(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	return b
}

// rawMultipart is a multipart body whose file name is sent as it is, byte for byte (only
// quotes and backslashes escaped): apitest.Multipart quotes names the Go way, which turns
// invisible characters into escapes a server reads as letters.
func rawMultipart(filename string, content []byte) (body []byte, contentType string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(filename)
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+esc+`"`)
	h.Set("Content-Type", "application/octet-stream")
	part, _ := w.CreatePart(h)
	_, _ = part.Write(content)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// upload sends a file as token's principal.
func upload(t *testing.T, env *apitest.Env, token, name string, content []byte) *apitest.Response {
	t.Helper()
	body, ct := rawMultipart(name, content)
	return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/attachments", Token: token, Body: body, ContentType: ct})
}

func mustUpload(t *testing.T, env *apitest.Env, token, name string, content []byte) app.AttachmentView {
	t.Helper()
	res := upload(t, env, token, name, content)
	if res.Status != http.StatusCreated {
		t.Fatalf("upload %q: %d %s", name, res.Status, res.Body)
	}
	var v app.AttachmentView
	res.JSON(t, &v)
	return v
}

// wantRetryAfter checks a 429's Retry-After: about want, never more.
func wantRetryAfter(t *testing.T, res *apitest.Response, want time.Duration) {
	t.Helper()
	s, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || time.Duration(s)*time.Second > want+time.Second || time.Duration(s)*time.Second < want-time.Minute {
		t.Errorf("Retry-After %q, want about %v", res.Header.Get("Retry-After"), want)
	}
}

// Issue 17, item 3: one customer token stored 433 MB in 2 s. An uploader may store so many
// files in any 24 hours; the next is 429 until the oldest of them is a day old, and is
// refused before its bytes are kept. Another uploader is not affected.
func TestUploadQuotaCountsFilesPerUploaderAndDay(t *testing.T) {
	quota := func(c *app.Config) { c.UploadQuota = app.UploadQuota{Files: 3} }
	apitest.RunWithApp(t, quota, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		for i := range 3 {
			mustUpload(t, env, w.customer1, fmt.Sprintf("p%d.png", i), pngOf(300))
			env.Clock.Advance(time.Hour)
		}
		res := upload(t, env, w.customer1, "p3.png", pngOf(300))
		p := wantProblem(t, res, http.StatusTooManyRequests, app.CodeQuota)
		if !strings.Contains(p.Detail, "3 files") || !strings.Contains(p.DetailZH, "3 个文件") {
			t.Errorf("the quota's message does not say the quota: %s", res.Body)
		}
		wantRetryAfter(t, res, 21*time.Hour) // the first upload leaves the window at start+24h
		if rows, blobs := env.Rows(t, "attachments"), env.Blobs(t); rows != 3 || blobs != 3 {
			t.Errorf("after a refused upload: %d rows, %d blobs, want 3 and 3", rows, blobs)
		}
		// Another customer, and the same customer's merchant side, have their own quotas.
		mustUpload(t, env, w.customer2, "other.png", pngOf(300))
		mustUpload(t, env, w.merchantA, "shop.png", pngOf(300))

		// A day after the first upload, one more fits.
		env.Clock.Set(start.Add(24*time.Hour + time.Second))
		mustUpload(t, env, w.customer1, "p3.png", pngOf(300))
		wantProblem(t, upload(t, env, w.customer1, "p4.png", pngOf(300)), http.StatusTooManyRequests, app.CodeQuota)
	})
}

// The bytes of a day are bounded too: the upload that would cross the quota is refused
// (its bytes are read no further than the quota and not kept), smaller ones still fit, and
// a file larger than the whole quota is 413: no wait would make it fit.
func TestUploadQuotaBoundsBytesPerUploaderAndDay(t *testing.T) {
	quota := func(c *app.Config) { c.UploadQuota = app.UploadQuota{Files: 100, Bytes: 10_000} }
	apitest.RunWithApp(t, quota, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		mustUpload(t, env, w.customer1, "a.png", pngOf(6000))
		env.Clock.Advance(time.Hour)

		res := upload(t, env, w.customer1, "b.png", pngOf(6000))
		wantProblem(t, res, http.StatusTooManyRequests, app.CodeQuota)
		wantRetryAfter(t, res, 23*time.Hour)
		if rows, blobs := env.Rows(t, "attachments"), env.Blobs(t); rows != 1 || blobs != 1 {
			t.Errorf("after an upload over the quota: %d rows, %d blobs, want 1 and 1", rows, blobs)
		}
		mustUpload(t, env, w.customer1, "c.png", pngOf(3000)) // 9,000 of 10,000
		wantProblem(t, upload(t, env, w.customer1, "d.png", pngOf(2000)), http.StatusTooManyRequests, app.CodeQuota)
		mustUpload(t, env, w.customer1, "e.png", pngOf(1000)) // exactly 10,000
		wantProblem(t, upload(t, env, w.customer1, "f.png", pngOf(100)), http.StatusTooManyRequests, app.CodeQuota)

		wantProblem(t, upload(t, env, w.customer2, "huge.png", pngOf(12_000)), http.StatusRequestEntityTooLarge, app.CodeTooLarge)
		if rows, blobs := env.Rows(t, "attachments"), env.Blobs(t); rows != 3 || blobs != 3 {
			t.Errorf("at the end: %d rows, %d blobs, want 3 and 3", rows, blobs)
		}
	})
}

// Issue 17, item 3: uploads never linked to a case stayed forever. A sweep deletes those
// older than the grace period, rows and blobs, and leaves linked and fresh ones; it says so
// in the audit log and the metrics; a second sweep finds nothing.
func TestSweepDeletesUnclaimedUploadsWithTheirBlobs(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		ctx := t.Context()
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		old := mustUpload(t, env, w.customer1, "forgotten.png", pngOf(500))
		used := mustUpload(t, env, w.customer1, "evidence.png", pngOf(700))
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		in := returnRefund(o.OrderNo, "JACKET", 1)
		in.Evidence = []string{used.ID}
		w.mustApply(t, w.customer1, in)
		env.Clock.Advance(23 * time.Hour)
		fresh := mustUpload(t, env, w.customer1, "today.png", pngOf(900))
		env.Clock.Advance(2 * time.Hour)

		got, err := env.App.SweepUploads(ctx, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		want := app.UploadSweep{Swept: 1, SweptBytes: 500,
			Stored: store.AttachmentTotals{Count: 2, Bytes: 1600, UnlinkedCount: 1, UnlinkedBytes: 900}}
		if got != want {
			t.Errorf("sweep: %+v, want %+v", got, want)
		}
		read := func(id string) int {
			return env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/attachments/" + id, Token: w.customer1}).Status
		}
		if s := read(old.ID); s != http.StatusNotFound {
			t.Errorf("the swept upload: %d, want 404", s)
		}
		if _, err := os.Stat(filepath.Join(env.BlobDir, old.ID[:2], old.ID)); !os.IsNotExist(err) {
			t.Errorf("the swept upload's blob: %v, want it gone", err)
		}
		for _, id := range []string{used.ID, fresh.ID} {
			if s := read(id); s != http.StatusOK {
				t.Errorf("upload %s after the sweep: %d, want 200", id, s)
			}
		}
		if rows, blobs := env.Rows(t, "attachments"), env.Blobs(t); rows != 2 || blobs != 2 {
			t.Errorf("after the sweep: %d rows, %d blobs, want 2 and 2", rows, blobs)
		}
		if again, err := env.App.SweepUploads(ctx, 24*time.Hour); err != nil || again.Swept != 0 {
			t.Errorf("a second sweep: %+v, %v", again, err)
		}

		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?action=attachment.sweep", Token: w.admin})
		var audit app.AuditPage
		res.JSON(t, &audit)
		if len(audit.Items) != 1 || audit.Items[0].ResourceID != old.ID || audit.Items[0].ActorID != "sweeper" {
			t.Errorf("audit of the sweep: %s", res.Body)
		}

		metrics := map[string]float64{}
		families, err := env.Metrics.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				name := f.GetName()
				for _, l := range m.GetLabel() {
					name += "{" + l.GetName() + "=" + l.GetValue() + "}"
				}
				metrics[name] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
		for name, v := range map[string]float64{
			"aftersales_uploads_swept_total":               1,
			"aftersales_upload_bytes_swept_total":          500,
			"aftersales_uploads_stored{linked=true}":       1,
			"aftersales_uploads_stored{linked=false}":      1,
			"aftersales_upload_bytes_stored{linked=true}":  700,
			"aftersales_upload_bytes_stored{linked=false}": 900,
		} {
			if metrics[name] != v {
				t.Errorf("metric %s = %v, want %v", name, metrics[name], v)
			}
		}
	})
}
