package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/web"
)

// importHeader is the header row of an order file (the command line's columns).
const importHeader = "order_no,merchant,customer,currency,payment_method,shipping_fee,freight_insurance,paid_at,shipped_at,delivered_at,completed_at,sku,title,category,quantity,unit_price,paid_amount,tags\n"

// importRow is a line of an order of merchant paid at paid (yuan).
func importRow(no, merchant, sku, paid string) string {
	return no + "," + merchant + ",cust-1,,online,,,2025-06-18 20:30:00,,,,S" + sku + ",,,1,10," + paid + ",\n"
}

// An order file with a bad row is imported in the background: its page shows progress
// until done, then the summary and the bad row with why; the good orders are stored, the
// order of the bad row is not. An import is its starter's alone, and a file whose header
// cannot be read is refused beside the field.
func TestAdminImportsAnOrderFile(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		a := newAdmin(t, env, "root")
		csv := importHeader +
			importRow("IMP-1", "shop-a", "1", "10") + importRow("IMP-1", "shop-a", "2", "10") +
			importRow("IMP-2", "shop-a", "1", "x") + // row 4: the whole order is skipped
			importRow("IMP-3", "shop-b", "1", "10") // another merchant: refused when importing as shop-a
		form := map[string]string{"merchant": "shop-a", "lang": "en", "idempotency_key": "form-1"}
		res := a.upload(t, "/admin/import", form, "file", "orders.csv", []byte(csv))
		wantStatus(t, "start", res, http.StatusSeeOther)
		page := res.Header.Get("Location")
		if !strings.HasPrefix(page, "/admin/import/") {
			t.Fatalf("to %q", page)
		}
		id := strings.TrimPrefix(strings.Split(page, "?")[0], "/admin/import/")
		// The same form sent again is the same import.
		if again := a.upload(t, "/admin/import", form, "file", "orders.csv", []byte(csv)); again.Header.Get("Location") != page {
			t.Errorf("the form sent twice: to %q and %q", page, again.Header.Get("Location"))
		}

		var p web.ImportProgress
		for deadline := time.Now().Add(20 * time.Second); ; {
			res := a.get(t, "/admin/import/"+id+"/progress")
			wantStatus(t, "progress", res, http.StatusOK)
			res.JSON(t, &p)
			if p.Finished || time.Now().After(deadline) {
				break
			}
			if p.Total != 0 && p.Total != 100 || p.Done > p.Total {
				t.Errorf("progress %+v", p)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !p.Finished || p.Done != 100 || p.Total != 100 || p.Rows != 4 {
			t.Fatalf("progress at the end: %+v", p)
		}
		res = a.get(t, page)
		wantStatus(t, "the import's page", res, http.StatusOK)
		wantBody(t, "the summary", res, "Imported, with rows skipped", "<dd>4</dd>", "<dd>1 (1 new, 0 updated)</dd>", "<dd>2 (2 rows)</dd>",
			"<code>IMP-2</code></td><td>4</td>", `<li>row 4 · <code>paid_amount</code>: &#34;x&#34; is not an amount`,
			"<code>IMP-3</code></td><td>5</td>", "<li>row 5: you may only push orders of your own merchant</li>")
		if strings.Contains(string(res.Body), "data-poll") {
			t.Error("a finished import still polls")
		}
		w := newWorld(t, env)
		if got := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/IMP-1", Token: w.admin}); got.Status != http.StatusOK {
			t.Errorf("IMP-1 was not stored: %d", got.Status)
		}
		for _, no := range []string{"IMP-2", "IMP-3"} {
			if got := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + no, Token: w.admin}); got.Status != http.StatusNotFound {
				t.Errorf("%s: %d", no, got.Status)
			}
		}
		wantBody(t, "the imports", a.get(t, "/admin/import?lang=en"), `<a href="/admin/import/`+id+`?lang=en">orders.csv</a> · shop-a`)

		other := newAdmin(t, env, "other.root")
		wantStatus(t, "another admin's import", other.get(t, page), http.StatusNotFound)
		wantStatus(t, "another admin's progress", other.get(t, "/admin/import/"+id+"/progress"), http.StatusNotFound)
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: page, Session: staff}); res.Status != http.StatusForbidden {
			t.Errorf("merchant staff on an import: %d", res.Status)
		}

		res = a.upload(t, "/admin/import", map[string]string{"lang": "en"}, "file", "orders.csv", []byte("colour,size\nred,9\n"))
		wantStatus(t, "a file without the columns", res, http.StatusUnprocessableEntity)
		wantBody(t, "a file without the columns", res, `aria-invalid="true"><span class="field-error" role="alert">row 1 (header)`)
		res = a.upload(t, "/admin/import", map[string]string{"lang": "en"}, "", "", nil)
		wantStatus(t, "no file", res, http.StatusUnprocessableEntity)
		wantBody(t, "no file", res, "Choose a CSV or XLSX file.")
	})
}
