package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/notify/smtptest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/webhook"
)

// The reports (SPEC §9) on known data: every figure checked, on both stores, from the
// aggregates the writes keep; the aggregates equal a rebuild from scratch.

type reportDoc struct {
	Rows    []map[string]any `json:"rows"`
	Totals  map[string]any   `json:"totals"`
	Compare *struct {
		From   string         `json:"from"`
		To     string         `json:"to"`
		Totals map[string]any `json:"totals"`
		Change map[string]any `json:"change"`
	} `json:"compare"`
}

func (w *world) report(t *testing.T, token, name, query string) reportDoc {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/" + name + "?" + query, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET report %s?%s: %d %s", name, query, res.Status, res.Body)
	}
	var d reportDoc
	res.JSON(t, &d)
	return d
}

// want checks fields of a row or totals: numbers compared as numbers, nil as null.
func wantFields(t *testing.T, what string, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no field %q in %v", what, k, got)
			continue
		}
		switch v := v.(type) {
		case nil:
			if g != nil {
				t.Errorf("%s.%s = %v, want null", what, k, g)
			}
		case int:
			if f, ok := g.(float64); !ok || f != float64(v) {
				t.Errorf("%s.%s = %v, want %d", what, k, g, v)
			}
		case float64:
			if f, ok := g.(float64); !ok || math.Abs(f-v) > 1e-9 {
				t.Errorf("%s.%s = %v, want %v", what, k, g, v)
			}
		default:
			if g != v {
				t.Errorf("%s.%s = %v, want %v", what, k, g, v)
			}
		}
	}
}

func rowBy(t *testing.T, d reportDoc, field, key string) map[string]any {
	t.Helper()
	for _, r := range d.Rows {
		if r[field] == key {
			return r
		}
	}
	t.Fatalf("no row with %s=%s in %v", field, key, d.Rows)
	return nil
}

func TestReportsFiguresAreExact(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		cst := time.FixedZone("CST", 8*3600)
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, cst)
		env.Clock.Set(t0)
		paid, shipped, delivered := t0.AddDate(0, 0, -6), t0.AddDate(0, 0, -5), t0.AddDate(0, 0, -2)
		item := func(sku, category string, price int64) app.OrderItemInput {
			return app.OrderItemInput{SKU: sku, Title: "Item " + sku, Category: category, Quantity: 1, UnitPrice: price, PaidAmount: price}
		}
		order := func(no, merchant string, sent bool, items ...app.OrderItemInput) {
			in := app.OrderInput{OrderNo: no, Merchant: merchant, Customer: "cust-1", Currency: "CNY", PaymentMethod: "online",
				PaidAt: paid, Items: items}
			if sent {
				in.ShippedAt, in.DeliveredAt = &shipped, &delivered
			}
			w.mustOrder(t, in)
		}
		// Six order items paid on 11-25: five of shop-a's, one of shop-b's.
		order("R-1", "shop-a", true, item("A", "shoes", 29900), item("B", "bags", 19900))
		order("R-2", "shop-a", true, item("A", "shoes", 29900))
		order("R-3", "shop-a", true, item("C", "shoes", 9900))
		order("R-4", "shop-b", true, item("D", "apparel", 39900))
		order("R-5", "shop-a", false, item("J", "apparel", 29900))

		// Four cases on 12-01 10:00–11:00.
		c1 := w.mustApply(t, w.customer1, returnRefund("R-1", "A", 1))
		c2 := w.mustApply(t, w.customer1, returnRefund("R-2", "A", 1))
		c3 := w.mustApply(t, w.customer1, returnRefund("R-4", "D", 1))
		env.Clock.Set(t0.Add(time.Hour))
		c4 := w.mustApply(t, w.customer1, app.ApplyInput{OrderNo: "R-5", Type: aftersale.RefundOnly, Reason: aftersale.OutOfStock,
			Items: []policy.RequestItem{{SKU: "J", Quantity: 1}}, Description: "缺货 / out of stock"})
		_ = c3
		// Answers: shop-a approves c1 after 2 h, the desk refunds c4 after 2 h, shop-a
		// rejects c2 after 4 h.
		env.Clock.Set(t0.Add(2 * time.Hour))
		w.mustAct(t, w.merchantA, c1.ID, app.ActInput{Action: aftersale.Approve, Version: c1.Version})
		env.Clock.Set(t0.Add(3 * time.Hour))
		w.mustAct(t, w.agent, c4.ID, app.ActInput{Action: aftersale.Refund, Version: c4.Version})
		env.Clock.Set(t0.Add(4 * time.Hour))
		w.mustAct(t, w.merchantA, c2.ID, app.ActInput{Action: aftersale.Reject, Version: c2.Version, Note: "已穿过 / worn"})
		// The refund reaches the customer at 15:00; the case ends.
		env.Clock.Set(t0.Add(5 * time.Hour))
		env.SettlePayments(t)
		done := w.getCase(t, w.customer1, c4.ID)
		if done.State == aftersale.Resolved {
			env.Clock.Set(t0.Add(5*time.Hour + 30*time.Minute))
			done = w.mustAct(t, w.customer1, c4.ID, app.ActInput{Action: aftersale.Confirm, Version: done.Version})
		}
		if done.State != aftersale.Completed {
			t.Fatalf("case 4 is %s, want completed", done.State)
		}
		endedAt := done.History[len(done.History)-1].At
		var paidBack int64
		var refunds int
		var settled time.Time // the gateway's time of payment
		for _, e := range w.caseLedger(t, w.admin, c4.ID).Entries {
			if e.Payee == ledger.Customer && e.State == ledger.Succeeded {
				paidBack += e.Amount
				refunds++
				settled = *e.SettledAt
			}
		}
		// The customer rates it 5/4/3 and complains about a parcel on another case.
		env.Clock.Set(t0.Add(6 * time.Hour))
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c4.ID + "/survey", Token: w.customer1,
			JSON: desk.Survey{Attitude: 5, Speed: 4, Result: 3}}); res.Status != http.StatusCreated && res.Status != http.StatusOK {
			t.Fatalf("survey: %d %s", res.Status, res.Body)
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: w.customer1,
			JSON: app.ComplaintInput{Subject: "物流太慢", About: complaint.AboutMerchant, CaseID: c1.ID, Description: "快递三天了还没收到，物流一直不更新"}}); res.Status != http.StatusCreated {
			t.Fatalf("complaint: %d %s", res.Status, res.Body)
		}

		week := "from=2026-11-25&to=2026-12-01"
		// 售后率: cases per order item, by type.
		d := w.report(t, w.admin, "return_rate", week)
		if len(d.Rows) != 7 {
			t.Fatalf("%d day rows, want 7", len(d.Rows))
		}
		wantFields(t, "11-25", rowBy(t, d, "day", "2026-11-25"), map[string]any{"items": 6, "cases": 0, "rate": 0})
		wantFields(t, "12-01", rowBy(t, d, "day", "2026-12-01"), map[string]any{"items": 0, "cases": 4, "rate": nil, "return_refund": 3, "refund_only": 1})
		wantFields(t, "11-28", rowBy(t, d, "day", "2026-11-28"), map[string]any{"items": 0, "cases": 0, "rate": nil})
		wantFields(t, "totals", d.Totals, map[string]any{"items": 6, "cases": 4, "rate": 0.6667, "return_refund": 3, "refund_only": 1, "exchange": 0})
		d = w.report(t, w.admin, "return_rate", week+"&group_by=merchant")
		wantFields(t, "shop-a", rowBy(t, d, "merchant", "shop-a"), map[string]any{"items": 5, "cases": 3, "rate": 0.6})
		wantFields(t, "shop-b", rowBy(t, d, "merchant", "shop-b"), map[string]any{"items": 1, "cases": 1, "rate": 1})
		d = w.report(t, w.admin, "return_rate", week+"&group_by=category&merchant=shop-a")
		wantFields(t, "shoes", rowBy(t, d, "category", "shoes"), map[string]any{"items": 3, "cases": 2, "rate": 0.6667})
		wantFields(t, "bags", rowBy(t, d, "category", "bags"), map[string]any{"items": 1, "cases": 0, "rate": 0})
		wantFields(t, "apparel", rowBy(t, d, "category", "apparel"), map[string]any{"items": 1, "cases": 1, "rate": 1})
		d = w.report(t, w.admin, "return_rate", week+"&sku=A&group_by=month")
		wantFields(t, "sku A in November", rowBy(t, d, "month", "2026-11"), map[string]any{"items": 2, "cases": 0})
		wantFields(t, "sku A in December", rowBy(t, d, "month", "2026-12"), map[string]any{"items": 0, "cases": 2})
		wantFields(t, "sku A", d.Totals, map[string]any{"items": 2, "cases": 2, "rate": 1})

		// Reasons, with their shares.
		d = w.report(t, w.admin, "reasons", week)
		wantFields(t, "no_reason", rowBy(t, d, "reason", "no_reason"), map[string]any{"cases": 3, "share": 0.75})
		wantFields(t, "out_of_stock", rowBy(t, d, "reason", "out_of_stock"), map[string]any{"cases": 1, "share": 0.25})
		d = w.report(t, w.admin, "return_rate", week+"&group_by=reason&category=shoes")
		wantFields(t, "shoes for no reason", rowBy(t, d, "reason", "no_reason"), map[string]any{"cases": 2, "items": 3, "rate": 0.6667})

		// First answers: 2 h, 2 h and 4 h; one case ended.
		d = w.report(t, w.admin, "handling_time", week)
		wantFields(t, "handling", d.Totals, map[string]any{"first_responses": 3, "avg_first_response_hours": 2.67, "resolved": 1,
			"avg_handling_hours": math.Round(endedAt.Sub(t0.Add(time.Hour)).Hours()*100) / 100})
		d = w.report(t, w.admin, "sla", week+"&group_by=merchant")
		wantFields(t, "sla shop-a", rowBy(t, d, "merchant", "shop-a"), map[string]any{"first_responses": 3, "avg_first_response_hours": 2.67})
		// Satisfaction: one rating.
		d = w.report(t, w.admin, "csat", week)
		wantFields(t, "csat", d.Totals, map[string]any{"surveys": 1, "avg_score": 4, "avg_attitude": 5, "avg_speed": 4, "avg_result": 3, "low": 0, "low_share": 0})
		// Money: what reached the customer, and how long after the application.
		d = w.report(t, w.admin, "refunds", "from=2026-12-01&to="+settled.In(cst).Format("2006-01-02"))
		wantFields(t, "refunds", d.Totals, map[string]any{"refunds": refunds, "amount": yuanOf(paidBack),
			// The facts count whole seconds (the simulated gateway settles on the real clock, to
			// the nanosecond): so does the expected figure, or it rounds the other way now and then.
			"avg_hours_to_money": math.Round(settled.Sub(t0.Add(time.Hour)).Truncate(time.Second).Hours()*100) / 100})
		// Disputes: none yet, out of four cases.
		d = w.report(t, w.admin, "disputes", week)
		wantFields(t, "disputes", d.Totals, map[string]any{"cases": 4, "disputes": 0, "rate": 0})
		// Themes of complaints.
		d = w.report(t, w.admin, "themes", week)
		wantFields(t, "logistics", rowBy(t, d, "theme", "logistics"), map[string]any{"complaints": 1, "share": 1})

		// The previous period, and the change.
		d = w.report(t, w.admin, "return_rate", "from=2026-11-28&to=2026-12-01&compare=previous")
		if d.Compare == nil || d.Compare.From != "2026-11-24" || d.Compare.To != "2026-11-27" {
			t.Fatalf("compare %+v", d.Compare)
		}
		wantFields(t, "previous", d.Compare.Totals, map[string]any{"items": 6, "cases": 0})
		wantFields(t, "change", d.Compare.Change, map[string]any{"items": -1, "cases": nil})

		// A merchant reads its own figures only; another merchant's are not found.
		d = w.report(t, w.merchantB, "return_rate", week)
		wantFields(t, "shop-b's own", d.Totals, map[string]any{"items": 1, "cases": 1})
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/return_rate?merchant=shop-a", Token: w.merchantB})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/return_rate?merchant=shop-a&format=csv", Token: w.merchantB})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/agents", Token: w.merchantA})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/return_rate", Token: w.customer1})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/return_rate?group_by=agent", Token: w.admin})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid)

		// Exports read back: CSV for machines, XLSX for people.
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/return_rate?" + week + "&group_by=merchant&format=csv", Token: w.admin})
		if res.Status != http.StatusOK {
			t.Fatalf("csv: %d %s", res.Status, res.Body)
		}
		recs, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0][:4], ",") != "merchant,items,cases,rate" || strings.Join(recs[1][:4], ",") != "shop-a,5,3,0.6" || len(recs) != 3 {
			t.Errorf("csv %q", recs)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/return_rate?" + week + "&group_by=merchant&format=xlsx&lang=en", Token: w.merchantA})
		if res.Status != http.StatusOK {
			t.Fatalf("xlsx: %d %s", res.Status, res.Body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		xrows, err := f.GetRows("Return rate")
		if err != nil {
			t.Fatal(err)
		}
		if len(xrows) != 3 || xrows[0][0] != "Merchant" || xrows[0][1] != "Order items" || xrows[1][0] != "shop-a" || xrows[1][2] != "3" || xrows[2][0] != "Total" {
			t.Errorf("xlsx %q", xrows)
		}

		// The aggregates equal what the records give from scratch, and a rebuild gives the
		// same report.
		if diffs, err := env.App.VerifyReports(t.Context()); err != nil || len(diffs) != 0 {
			t.Fatalf("verify: %v %q", err, diffs)
		}
		before, _ := json.Marshal(w.report(t, w.admin, "return_rate", week+"&group_by=category"))
		if _, err := env.App.RebuildReports(t.Context()); err != nil {
			t.Fatal(err)
		}
		after, _ := json.Marshal(w.report(t, w.admin, "return_rate", week+"&group_by=category"))
		if !bytes.Equal(before, after) {
			t.Errorf("after a rebuild:\n%s\nbefore:\n%s", after, before)
		}
	})
}

func yuanOf(minor int64) string { return fmt.Sprintf("%d.%02d", minor/100, minor%100) }

// A merchant scored 待改进 (improve) last month answers new cases sooner: the policy reads
// its tier (order.merchant_tier) and the case keeps it.
func TestScorecardTierShortensTheMerchantsDeadline(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		cst := time.FixedZone("CST", 8*3600)
		nov := time.Date(2026, 11, 10, 10, 0, 0, 0, cst)
		env.Clock.Set(nov)
		n := 0
		apply := func(merchant string) app.CaseView {
			n++
			now := env.Clock.Now()
			paid, shipped, signed := now.AddDate(0, 0, -6), now.AddDate(0, 0, -5), now.AddDate(0, 0, -2)
			no := fmt.Sprintf("T-%d", n)
			w.mustOrder(t, app.OrderInput{OrderNo: no, Merchant: merchant, Customer: "cust-1", PaymentMethod: "online",
				PaidAt: paid, ShippedAt: &shipped, DeliveredAt: &signed, Items: []app.OrderItemInput{
					{SKU: "JACKET", Title: "羽绒服", Category: "apparel", Quantity: 1, UnitPrice: 29900, PaidAmount: 29900}}})
			return w.mustApply(t, w.customer1, returnRefund(no, "JACKET", 1))
		}
		// November: shop-a answers five cases after 60 hours, each a refusal; shop-b
		// approves five within the hour.
		var slow, quick []app.CaseView
		for range 5 {
			slow = append(slow, apply("shop-a"))
			quick = append(quick, apply("shop-b"))
		}
		env.Clock.Set(nov.Add(time.Hour))
		for _, c := range quick {
			w.mustAct(t, w.merchantB, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
		}
		env.Clock.Set(nov.Add(60 * time.Hour))
		for _, c := range slow {
			w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: "不支持 / refused"})
		}
		// December: shop-a's policy gives a merchant rated improve 12 hours to answer.
		dec := time.Date(2026, 12, 2, 10, 0, 0, 0, cst)
		env.Clock.Set(dec)
		if _, err := env.App.InstallPolicy(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "admin"}, []byte(`schema: aftersales.policy/v1
id: shop-a-tiers
version: 1
layer: merchant
merchant: shop-a
name: {zh: 甲店按评分的答复时限, en: Shop A answers by its rating}
deadlines:
  merchant_response:
    - when: 'order.merchant_tier == "improve"'
      span: 12h
    - span: 1wd
`)); err != nil {
			t.Fatal(err)
		}
		due := func(c app.CaseView) time.Time {
			for _, d := range c.Deadlines {
				if d.Kind == aftersale.DeadlineKind("merchant_response") {
					return d.DueAt
				}
			}
			t.Fatalf("case %s has no merchant_response deadline: %+v", c.Number, c.Deadlines)
			return time.Time{}
		}
		if got := due(apply("shop-a")); got.Sub(dec) < 20*time.Hour {
			t.Errorf("before November is scored, shop-a's answer is due %s, want one working day", got.In(cst))
		}
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/scorecards", Token: w.admin, JSON: httpapi.ScoreMonthBody{Month: "2026-11"}})
		if res.Status != http.StatusOK {
			t.Fatalf("score November: %d %s", res.Status, res.Body)
		}
		var list httpapi.ScorecardList
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/scorecards?month=2026-11", Token: w.admin})
		res.JSON(t, &list)
		tiers := map[string]string{}
		for _, c := range list.Items {
			tiers[c.Merchant] = c.Tier
		}
		if tiers["shop-a"] != "improve" || tiers["shop-b"] == "improve" || tiers["shop-b"] == "" {
			t.Fatalf("November's tiers %v, want shop-a improve and shop-b better", tiers)
		}
		// The merchant sees its own card, with the figures behind it.
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/scorecards?month=2026-11", Token: w.merchantA})
		list = httpapi.ScorecardList{}
		res.JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Merchant != "shop-a" || list.Items[0].TierName == nil || list.Items[0].TierName.ZH != "待改进" {
			t.Fatalf("shop-a's scorecards %+v", list.Items)
		}
		for _, f := range list.Items[0].Figures {
			if f.Code == "response_hours" && (f.Value == nil || *f.Value != 60 || f.Points != 0) {
				t.Errorf("response figure %+v, want 60 hours for 0 points", f)
			}
			if f.Code == "approval_rate" && (f.Value == nil || *f.Value != 0) {
				t.Errorf("approval figure %+v, want 0", f)
			}
		}
		if c := apply("shop-a"); !due(c).Equal(dec.Add(12 * time.Hour)) {
			t.Errorf("rated improve, shop-a's answer is due %s, want 12 hours after application", due(c).In(cst))
		}
	})
}

// 定时报表: a merchant's daily report arrives at 08:00 by email with the XLSX attached, and
// as a signed webhook; once per run, and with the merchant's own figures only.
func TestScheduledReportsArriveByEmailAndWebhook(t *testing.T) {
	var smtpServer *smtptest.Server
	configure := func(c *app.Config) {
		var url string
		smtpServer, url = smtptest.Start(t, nil)
		mailer, err := notify.NewSMTPMailer(url)
		if err != nil {
			t.Fatal(err)
		}
		c.Mailer, c.WebhooksAllowPrivate = mailer, true
	}
	apitest.RunWithApp(t, configure, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		hooks := make(chan *http.Request, 4)
		bodies := make(chan []byte, 4)
		receiver := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			hooks <- r
			bodies <- b
		}))
		defer receiver.Close()

		cst := time.FixedZone("CST", 8*3600)
		env.Clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, cst))
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		o = w.mustOrder(t, w.orderInput("shop-b", "cust-1", line("JACKET", 1, 29900)))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))

		env.Clock.Set(time.Date(2026, 12, 2, 7, 0, 0, 0, cst))
		create := func(token string, in app.ScheduleInput) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/report-schedules", Token: token, JSON: in})
		}
		res := create(w.merchantA, app.ScheduleInput{Report: "return_rate", GroupBy: "merchant", Frequency: "daily", Channel: "email",
			Target: "reports@shop-a.example", Format: "xlsx", Lang: "en"})
		if res.Status != http.StatusCreated {
			t.Fatalf("schedule by email: %d %s", res.Status, res.Body)
		}
		var mailed app.ScheduleView
		res.JSON(t, &mailed)
		if want := time.Date(2026, 12, 2, 8, 0, 0, 0, cst); !mailed.NextAt.Equal(want) || mailed.Input.Merchant != "shop-a" {
			t.Fatalf("schedule %+v, want shop-a's at %s", mailed, want)
		}
		res = create(w.merchantA, app.ScheduleInput{Report: "reasons", Frequency: "daily", Channel: "webhook", Target: receiver.URL + "/reports"})
		if res.Status != http.StatusCreated {
			t.Fatalf("schedule by webhook: %d %s", res.Status, res.Body)
		}
		var hooked app.ScheduleView
		res.JSON(t, &hooked)
		if hooked.Secret == "" {
			t.Fatal("the webhook's secret is not shown when it is made")
		}
		// Another merchant's figures, a bad address, a report a merchant may not read.
		wantProblem(t, create(w.merchantA, app.ScheduleInput{Report: "reasons", Merchant: "shop-b", Frequency: "daily", Channel: "email", Target: "a@shop-a.example"}),
			http.StatusNotFound, app.CodeNotFound)
		wantProblem(t, create(w.merchantA, app.ScheduleInput{Report: "reasons", Frequency: "daily", Channel: "email", Target: "not an address"}),
			http.StatusUnprocessableEntity, app.CodeInvalid)
		wantProblem(t, create(w.merchantA, app.ScheduleInput{Report: "reasons", Frequency: "hourly", Channel: "email", Target: "a@shop-a.example"}),
			http.StatusUnprocessableEntity, app.CodeInvalid)
		wantProblem(t, create(w.merchantA, app.ScheduleInput{Report: "agents", Frequency: "daily", Channel: "email", Target: "a@shop-a.example"}),
			http.StatusForbidden, app.CodeForbidden)
		wantProblem(t, create(w.customer1, app.ScheduleInput{Report: "reasons", Frequency: "daily", Channel: "email", Target: "a@shop-a.example"}),
			http.StatusForbidden, app.CodeForbidden)

		// Nothing is due before 08:00; at 08:01 both go, once.
		if n, err := env.App.SendDueReports(t.Context()); err != nil || n != 0 {
			t.Fatalf("at 07:00: %d sent, %v", n, err)
		}
		env.Clock.Set(time.Date(2026, 12, 2, 8, 1, 0, 0, cst))
		if n, err := env.App.SendDueReports(t.Context()); err != nil || n != 2 {
			t.Fatalf("at 08:01: %d sent, %v", n, err)
		}
		if n, err := env.App.SendDueReports(t.Context()); err != nil || n != 0 {
			t.Fatalf("again at 08:01: %d sent, %v", n, err)
		}
		msgs := smtpServer.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "reports@shop-a.example" {
			t.Fatalf("mails %+v", msgs)
		}
		m, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		if s := subject; !strings.Contains(s, "Return rate") || !strings.Contains(s, "2026-12-01") {
			t.Errorf("subject %q", s)
		}
		book := attachment(t, m, ".xlsx")
		f, err := excelize.OpenReader(bytes.NewReader(book))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("Return rate")
		if err != nil {
			t.Fatal(err)
		}
		// Yesterday's figures of shop-a only: its case, none of shop-b's.
		if len(rows) != 3 || rows[0][0] != "Merchant" || rows[1][0] != "shop-a" || rows[1][2] != "1" || rows[2][0] != "Total" || rows[2][2] != "1" {
			t.Errorf("attached workbook %q", rows)
		}
		r := <-hooks
		body := <-bodies
		if r.Header.Get("X-Aftersales-Event") != "report.scheduled" || !webhook.Verify(hooked.Secret, body, r.Header.Get("X-Aftersales-Signature")) {
			t.Errorf("webhook headers %v", r.Header)
		}
		var doc struct {
			Report reportDoc `json:"report"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		wantFields(t, "webhook report", rowBy(t, doc.Report, "reason", "no_reason"), map[string]any{"cases": 1, "share": 1})

		// Each merchant sees and stops its own.
		var list app.ScheduleList
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/report-schedules", Token: w.merchantB})
		res.JSON(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("shop-b sees %d of shop-a's schedules", len(list.Items))
		}
		res = env.Do(t, apitest.Request{Method: http.MethodDelete, Path: "/api/v1/report-schedules/" + mailed.ID, Token: w.merchantB})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/report-schedules", Token: w.merchantA})
		list = app.ScheduleList{}
		res.JSON(t, &list)
		if len(list.Items) != 2 || list.Items[0].LastAt == nil || list.Items[0].Secret != "" {
			t.Errorf("shop-a's schedules %+v", list.Items)
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodDelete, Path: "/api/v1/report-schedules/" + mailed.ID, Token: w.merchantA}); res.Status != http.StatusNoContent {
			t.Errorf("stop: %d %s", res.Status, res.Body)
		}
	})
}

// attachment returns the body of a mail's attachment whose name ends in suffix.
func attachment(t *testing.T, m *mail.Message, suffix string) []byte {
	t.Helper()
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no attachment *%s: %v", suffix, err)
		}
		if strings.HasSuffix(p.FileName(), suffix) {
			b, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			if p.Header.Get("Content-Transfer-Encoding") == "base64" {
				b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
				if err != nil {
					t.Fatal(err)
				}
			}
			return b
		}
	}
}

// The scorecard's weights and tiers are data an admin changes: checked field by field, at
// the version read.
func TestScorecardRulesAreData(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		var cur app.ScorecardRulesView
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/scorecards/rules", Token: w.merchantA})
		res.JSON(t, &cur)
		if cur.Version != 0 || len(cur.Rules.Measures) != 5 || cur.Rules.Tiers[0].Zh != "优秀" {
			t.Fatalf("default rules %+v", cur)
		}
		bad := cur.Rules
		bad.Measures = slices.Clone(cur.Rules.Measures)
		bad.Measures[0].Weight = 15
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/scorecards/rules", Token: w.admin, JSON: app.ScorecardRulesInput{Version: 0, Rules: bad}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid)
		if !strings.Contains(string(res.Body), `"measures"`) {
			t.Errorf("the problem does not name the field: %s", res.Body)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/scorecards/rules", Token: w.merchantA, JSON: app.ScorecardRulesInput{Version: 0, Rules: cur.Rules}})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		strict := cur.Rules
		strict.MinCases = 100
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/scorecards/rules", Token: w.admin, JSON: app.ScorecardRulesInput{Version: 0, Rules: strict}})
		if res.Status != http.StatusOK {
			t.Fatalf("save: %d %s", res.Status, res.Body)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/scorecards/rules", Token: w.admin, JSON: app.ScorecardRulesInput{Version: 0, Rules: strict}})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/scorecards/rules", Token: w.admin})
		res.JSON(t, &cur)
		if cur.Version != 1 || cur.Rules.MinCases != 100 {
			t.Fatalf("saved rules %+v", cur)
		}
	})
}
