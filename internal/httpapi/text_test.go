package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// Issue 17, item 6: a message of one NUL byte was stored, and bidirectional overrides and
// zero-width characters stayed in descriptions, messages, notes and file names. What
// people type is cleaned where it enters (text.Clean); text that is empty once cleaned is
// refused as empty text is, and writes nothing.
func TestInvisibleCharactersNeverReachTheStore(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		photo := mustUpload(t, env, w.customer1, "photo\u202Egnp.html", pngOf(300))
		if photo.Name != "photognp.html" {
			t.Errorf("the upload's name: %q, want the override gone", photo.Name)
		}
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		in := returnRefund(o.OrderNo, "JACKET", 1)
		in.Description, in.Evidence = "\uFEFF领口\u202E开线\u200B了\x00\r\n第二行 ", []string{photo.ID}
		c := w.mustApply(t, w.customer1, in)
		if got := w.getCase(t, w.merchantA, c.ID).Description; got != "领口开线了\n第二行" {
			t.Errorf("the case's description: %q", got)
		}

		// A message of a NUL byte, or of invisible characters only, is an empty message.
		for _, body := range []string{"\x00", " \u200B\u202E\u2066 \x1b"} {
			wantProblem(t, w.postMessage(t, w.customer1, c.ID, app.MessageInput{Body: body}),
				http.StatusUnprocessableEntity, app.CodeInvalid, "body")
		}
		if got := w.messages(t, w.merchantA, c.ID); len(got) != 0 {
			t.Errorf("messages after refused ones: %q", got)
		}
		w.mustPost(t, w.customer1, c.ID, app.MessageInput{Body: "请\u2067尽快\u2069处理\x07"})
		if got := w.messages(t, w.merchantA, c.ID); !slices.Equal(got, []string{"请尽快处理"}) {
			t.Errorf("messages: %q", got)
		}

		// A rejection needs a note: one of invisible characters is none.
		wantProblem(t, w.act(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: "\x00\u200B"}),
			http.StatusUnprocessableEntity, app.CodeInvalid, "note")
		v := w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: "不符合\u202E退货条件"})
		if last := v.History[len(v.History)-1]; last.Action != aftersale.Reject || last.Note != "不符合退货条件" {
			t.Errorf("the rejection's note: %+v", last)
		}
	})
}

// Issue 17, item 6: a download kept an ".html" or ".exe" name over image content. It is
// named after the type judged from its bytes, as an attachment, with the name in plain
// ASCII and, when that is not the name, in UTF-8 too (RFC 6266, RFC 8187).
func TestDownloadsAreNamedAfterTheirContent(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		cases := []struct{ uploaded, disposition string }{
			{"x.html", `attachment; filename="x.png"`},
			{"setup.exe", `attachment; filename="setup.png"`},
			{"photo\u202Egnp.exe", `attachment; filename="photognp.png"`},
			{"IMG_0001", `attachment; filename="IMG_0001.png"`},
			{"a \"quoted\" name.PNG", `attachment; filename="a _quoted_ name.png"; filename*=UTF-8''a%20%22quoted%22%20name.png`},
			{"破损.html", `attachment; filename="__.png"; filename*=UTF-8''%E7%A0%B4%E6%8D%9F.png`},
			{".html", `attachment; filename="html.png"`},
			{"...", `attachment; filename="attachment.png"`},
		}
		for _, tt := range cases {
			v := mustUpload(t, env, w.customer1, tt.uploaded, pngOf(300))
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/attachments/" + v.ID, Token: w.customer1})
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("download of %q: %d %s", tt.uploaded, res.Status, res.Header.Get("Content-Type"))
			}
			if got := res.Header.Get("Content-Disposition"); got != tt.disposition {
				t.Errorf("download of %q:\n Content-Disposition %s\n want               %s", tt.uploaded, got, tt.disposition)
			}
		}
	})
}
