package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// An upload sent again with its Idempotency-Key (a retry after a lost answer) answers the
// first attachment and keeps no second copy; another file under the same key is refused.
func TestUploadsHonourIdempotencyKey(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		send := func(content []byte) *apitest.Response {
			body, ct := apitest.Multipart("file", "photo.png", "image/png", content)
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/attachments", Token: w.customer1,
				Body: body, ContentType: ct, Header: http.Header{"Idempotency-Key": {"upload-1"}}})
		}
		first, again := send(pngBytes()), send(pngBytes())
		var a, b app.AttachmentView
		first.JSON(t, &a)
		again.JSON(t, &b)
		if first.Status != http.StatusCreated || again.Status != http.StatusCreated || a.ID == "" || a.ID != b.ID {
			t.Fatalf("the upload and its retry: %d %s, %d %s", first.Status, a.ID, again.Status, b.ID)
		}
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("the retry is not marked as replayed")
		}
		if n := env.Blobs(t); n != 1 {
			t.Errorf("%d files kept, want 1", n)
		}
		if n := env.Rows(t, "attachments"); n != 1 {
			t.Errorf("%d attachments, want 1", n)
		}
		other := append(pngBytes(), 1, 2, 3)
		res := send(other)
		if res.Status < 400 {
			t.Fatalf("another file under the same key: %d", res.Status)
		}
		if n := env.Blobs(t); n != 1 {
			t.Errorf("%d files kept after the refused reuse, want 1", n)
		}
	})
}
