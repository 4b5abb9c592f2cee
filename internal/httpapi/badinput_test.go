package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
)

// tables whose rows a refused request must not touch.
var writeTables = []string{"orders", "order_items", "cases", "case_items", "case_events", "timers", "outbox", "attachments", "idempotency_keys"}

func snapshot(t *testing.T, env *apitest.Env) map[string]int {
	t.Helper()
	s := map[string]int{"blobs": env.Blobs(t)}
	for _, table := range writeTables {
		s[table] = env.Rows(t, table)
	}
	return s
}

func wantUnchanged(t *testing.T, env *apitest.Env, before map[string]int) {
	t.Helper()
	after := snapshot(t, env)
	for k, n := range before {
		if after[k] != n {
			t.Errorf("%s: %d rows before, %d after a refused request", k, n, after[k])
		}
	}
}

// Bad requests get a clear problem and write nothing: no order, case, event, message,
// attachment or blob.
func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 2, 29900)))
		valid := returnRefund(order.OrderNo, "JACKET", 1)
		withItems := func(items ...policy.RequestItem) app.ApplyInput {
			in := valid
			in.Items = items
			return in
		}
		validJSON, _ := json.Marshal(valid)
		huge := append([]byte(`{"order_no":"`+order.OrderNo+`","description":"`), bytes.Repeat([]byte("x"), 1<<20)...)
		huge = append(huge, `"}`...)
		newOrder := w.orderInput("shop-a", "cust-1", line("HAT", 1, 5900))
		negative := newOrder
		negative.Items = []app.OrderItemInput{line("HAT", -1, 5900)}

		tests := []struct {
			name   string
			req    apitest.Request
			status int
			code   app.Code
			fields []string
		}{
			{"malformed JSON", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: []byte(`{"order_no": "` + order.OrderNo), ContentType: "application/json"},
				http.StatusBadRequest, app.CodeMalformed, nil},
			{"two JSON values", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: append(validJSON, validJSON...), ContentType: "application/json"},
				http.StatusBadRequest, app.CodeMalformed, nil},
			{"empty body", apitest.Request{Method: "POST", Path: "/api/v1/cases", ContentType: "application/json"},
				http.StatusBadRequest, app.CodeMalformed, nil},
			{"not an object", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: []byte(`[1,2]`), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, nil},
			{"unknown field", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: []byte(`{"order_no":"` + order.OrderNo + `","colour":"red"}`), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"colour"}},
			{"unknown field in an item", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: []byte(`{"order_no":"` + order.OrderNo + `","type":"return_refund","items":[{"sku":"JACKET","quantity":1,"size":"L"}]}`), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"items[0].size"}},
			{"wrong type", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: []byte(`{"order_no":"` + order.OrderNo + `","items":[{"sku":"JACKET","quantity":"one"}]}`), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"items[0].quantity"}},
			{"fractional quantity", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: []byte(`{"order_no":"` + order.OrderNo + `","items":[{"sku":"JACKET","quantity":1.5}]}`), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"items[0].quantity"}},
			{"negative quantity", apitest.Request{Method: "POST", Path: "/api/v1/cases", JSON: withItems(policy.RequestItem{SKU: "JACKET", Quantity: -1})},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"items[0].quantity"}},
			{"unknown SKU", apitest.Request{Method: "POST", Path: "/api/v1/cases", JSON: withItems(policy.RequestItem{SKU: "NOPE", Quantity: 1})},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"items[0].sku"}},
			{"more units than bought", apitest.Request{Method: "POST", Path: "/api/v1/cases", JSON: withItems(policy.RequestItem{SKU: "JACKET", Quantity: 3})},
				http.StatusUnprocessableEntity, app.CodeRefused, nil},
			{"quality claim without evidence", apitest.Request{Method: "POST", Path: "/api/v1/cases", JSON: app.ApplyInput{OrderNo: order.OrderNo, Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Items: valid.Items}},
				http.StatusUnprocessableEntity, app.CodeRefused, nil},
			{"unknown order", apitest.Request{Method: "POST", Path: "/api/v1/cases", JSON: app.ApplyInput{OrderNo: "ORD-NOPE", Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Items: valid.Items}},
				http.StatusNotFound, app.CodeNotFound, nil},
			{"unknown case type", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: bytes.Replace(validJSON, []byte(`"return_refund"`), []byte(`"teleport"`), 1), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"type"}},
			{"text/plain", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: validJSON, ContentType: "text/plain"},
				http.StatusUnsupportedMediaType, app.CodeUnsupported, nil},
			{"no Content-Type", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: validJSON},
				http.StatusUnsupportedMediaType, app.CodeUnsupported, nil},
			{"form-encoded", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: []byte("order_no=" + order.OrderNo), ContentType: "application/x-www-form-urlencoded"},
				http.StatusUnsupportedMediaType, app.CodeUnsupported, nil},
			{"body over 1 MiB", apitest.Request{Method: "POST", Path: "/api/v1/cases", Body: huge, ContentType: "application/json"},
				http.StatusRequestEntityTooLarge, app.CodeTooLarge, nil},
			{"order with a negative quantity", apitest.Request{Method: "POST", Path: "/api/v1/orders", JSON: negative},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"items[0].quantity"}},
			{"order with a bad time", apitest.Request{Method: "POST", Path: "/api/v1/orders", Body: []byte(`{"order_no":"X-1","merchant":"shop-a","customer":"cust-1","payment_method":"online","paid_at":"yesterday","items":[]}`), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"paid_at"}},
			{"order of another shop by a merchant", apitest.Request{Method: "POST", Path: "/api/v1/orders", JSON: w.orderInput("shop-b", "cust-1", line("HAT", 1, 5900))},
				http.StatusForbidden, app.CodeForbidden, nil},
			{"dry run at a bad time", apitest.Request{Method: "POST", Path: "/api/v1/policy/evaluate", Body: []byte(`{"order_no":"` + order.OrderNo + `","at":"soon"}`), ContentType: "application/json"},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"at"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := snapshot(t, env)
				tt.req.Token = w.customer1
				if strings.HasPrefix(tt.req.Path, "/api/v1/orders") {
					tt.req.Token = w.merchantA
				}
				res := env.Do(t, tt.req)
				p := wantProblem(t, res, tt.status, tt.code, tt.fields...)
				// A policy refusal shows the decision: which rules, and why, in both languages.
				if tt.code == app.CodeRefused {
					if p.Decision == nil || p.Decision.Eligible || len(p.Decision.Refusals) == 0 ||
						p.Decision.Explanation.ZH == "" || p.Decision.Explanation.EN == "" || len(p.Decision.Rules) == 0 {
						t.Errorf("a refusal without its decision: %s", res.Body)
					}
				}
				wantUnchanged(t, env, before)
			})
		}
	})
}

// Evidence is judged by its bytes, not by its name or label (SPEC: photos, videos and PDF
// only): a mislabelled, disguised or oversized upload is refused and leaves nothing behind.
func TestBadUploadsAreRefusedAndWriteNothing(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}, bytes.Repeat([]byte{0x11}, 600)...)
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0x22}, 600)...)
		zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), bytes.Repeat([]byte{0x33}, 600)...)
		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0x00}, 600)...)
		script := []byte("<html><script>alert(1)</script></html>")
		oversized := append(append([]byte(nil), jpeg...), bytes.Repeat([]byte{0x44}, app.MaxImageSize)...)

		upload := func(field, name, contentType string, content []byte) apitest.Request {
			body, ct := apitest.Multipart(field, name, contentType, content)
			return apitest.Request{Method: "POST", Path: "/api/v1/attachments", Token: w.customer1, Body: body, ContentType: ct}
		}
		tests := []struct {
			name   string
			req    apitest.Request
			status int
			code   app.Code
		}{
			{"ZIP labelled image/jpeg", upload("file", "photo.jpg", "image/jpeg", zip), http.StatusUnsupportedMediaType, app.CodeUnsupported},
			{"EXE labelled image/jpeg", upload("file", "photo.jpg", "image/jpeg", exe), http.StatusUnsupportedMediaType, app.CodeUnsupported},
			{"HTML labelled image/png", upload("file", "photo.png", "image/png", script), http.StatusUnsupportedMediaType, app.CodeUnsupported},
			{"PNG labelled image/jpeg", upload("file", "photo.jpg", "image/jpeg", png), http.StatusUnsupportedMediaType, app.CodeUnsupported},
			{"JPEG over the photo limit", upload("file", "big.jpg", "image/jpeg", oversized), http.StatusRequestEntityTooLarge, app.CodeTooLarge},
			{"empty file", upload("file", "empty.jpg", "image/jpeg", nil), http.StatusUnprocessableEntity, app.CodeInvalid},
			{"no file field", upload("photo", "photo.jpg", "image/jpeg", jpeg), http.StatusUnprocessableEntity, app.CodeInvalid},
			{"not multipart", apitest.Request{Method: "POST", Path: "/api/v1/attachments", Token: w.customer1, Body: jpeg, ContentType: "image/jpeg"},
				http.StatusUnsupportedMediaType, app.CodeUnsupported},
			{"broken multipart", apitest.Request{Method: "POST", Path: "/api/v1/attachments", Token: w.customer1, Body: []byte("--x\r\nnonsense"), ContentType: "multipart/form-data; boundary=x"},
				http.StatusBadRequest, app.CodeMalformed},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := snapshot(t, env)
				res := env.Do(t, tt.req)
				wantProblem(t, res, tt.status, tt.code)
				wantUnchanged(t, env, before)
				if n := env.Blobs(t); n != 0 {
					t.Errorf("%d blobs left behind", n)
				}
			})
		}

		// And the real thing is accepted, judged from its bytes.
		res := env.Do(t, upload("file", "photo.jpg", "image/jpeg", jpeg))
		if res.Status != http.StatusCreated {
			t.Fatalf("a real JPEG: %d %s", res.Status, res.Body)
		}
		var at app.AttachmentView
		res.JSON(t, &at)
		if at.ContentType != "image/jpeg" || at.Kind != "photo" || at.Size != int64(len(jpeg)) || at.Name != "photo.jpg" {
			t.Errorf("stored %+v", at)
		}
		if n := env.Rows(t, "attachments"); n != 1 {
			t.Errorf("%d attachments, want 1", n)
		}
	})
}
