package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// Early warning (issue 16, item 2): the return rate of a SKU above its own baseline
// raises an alert to the merchant and the platform, with the figures and the top
// reasons, once per episode.

// addSKUDay writes one day's report cells of shop's SKU-1 (category shoes): items sold
// and cases (by reason: quality defect for all but two, which are size or fit), and the category's and
// merchant's, in which the SKU is a tenth of the volume (their rates stay near their own).
func addSKUDay(t *testing.T, env *apitest.Env, merchant, day string, items, cases int64) {
	t.Helper()
	c := func(dim, k1, k2, metric string, n int64) store.Cell {
		return store.Cell{Merchant: merchant, Dim: dim, K1: k1, K2: k2, Day: day, Metric: metric, N: n}
	}
	cells := []store.Cell{
		c(analytics.DimSKU, "SKU-1", "shoes", analytics.MItems, items),
		c(analytics.DimSKU, "SKU-1", "shoes", analytics.MCases, cases),
		c(analytics.DimSKUReason, "SKU-1", "quality_defect", analytics.MCases, cases-2),
		c(analytics.DimSKUReason, "SKU-1", "size_fit", analytics.MCases, 2),
		c(analytics.DimCategory, "shoes", "", analytics.MItems, 10*items),
		c(analytics.DimCategory, "shoes", "", analytics.MCases, 45+cases),
		c(analytics.DimAll, "", "", analytics.MItems, 10*items),
		c(analytics.DimAll, "", "", analytics.MCases, 45+cases),
	}
	if err := env.Store.Update(context.Background(), func(tx store.Tx) error { return tx.AddCells(context.Background(), cells) }); err != nil {
		t.Fatal(err)
	}
}

type alertsDoc struct {
	Alerts []app.AlertView `json:"alerts"`
}

func getAlerts(t *testing.T, env *apitest.Env, token, query string, want int) alertsDoc {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/alerts" + query, Token: token})
	if res.Status != want {
		t.Fatalf("GET /api/v1/alerts%s: %d %s, want %d", query, res.Status, res.Body, want)
	}
	var d alertsDoc
	if want == http.StatusOK {
		res.JSON(t, &d)
	}
	return d
}

// inbox counts the alert notifications of each staff account.
func alertInbox(t *testing.T, env *apitest.Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := env.Store.View(context.Background(), func(tx store.Tx) error {
		users, err := tx.Users(context.Background())
		if err != nil {
			return err
		}
		for _, u := range users {
			ns, _, err := tx.ListNotifications(context.Background(), store.NotificationQuery{Recipient: "user:" + u.ID})
			if err != nil {
				return err
			}
			for _, n := range ns {
				if n.Event == "alert.opened" {
					out[u.Username]++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// An SKU whose returns triple raises one alert, not one per case (the test): 28
// days of 5 cases on 100 items, then a day of 15; more cases the next day change nothing.
func TestSKUWhoseReturnsTripleRaisesOneAlert(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		start := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC) // noon in China
		env.Clock.Set(start)
		env.Merchant(t, "shop-1")
		env.Merchant(t, "shop-2")
		env.User(t, "merchant1", app.RoleMerchant, "shop-1")
		env.User(t, "merchant2", app.RoleMerchant, "shop-2")
		env.User(t, "supervisor1", app.RoleSupervisor, "")
		env.User(t, "admin1", app.RoleAdmin, "")
		day := func(i int) string { return analytics.Day(start.AddDate(0, 0, i)) }
		for i := range 28 {
			addSKUDay(t, env, "shop-1", day(i), 100, 5)
			env.Clock.Set(start.AddDate(0, 0, i))
			if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 0 {
				t.Fatalf("steady day %d: opened %d, %v", i, opened, err)
			}
		}
		addSKUDay(t, env, "shop-1", day(28), 100, 15)
		env.Clock.Set(start.AddDate(0, 0, 28))
		if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 1 {
			t.Fatalf("the tripled day: opened %d, %v; want 1", opened, err)
		}
		// Checked again the same day (another replica, or the next sweep): nothing new.
		if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 0 {
			t.Fatalf("checked again: opened %d, %v", opened, err)
		}

		m1 := env.Token(t, app.RoleMerchant, "shop-1")
		d := getAlerts(t, env, m1, "?state=open", http.StatusOK)
		if len(d.Alerts) != 1 {
			t.Fatalf("open alerts %+v, want one", d.Alerts)
		}
		a := d.Alerts[0]
		if a.Kind != "sku" || a.Key != "SKU-1" || a.Merchant != "shop-1" || a.State != "open" ||
			a.Volume != 100 || a.Events != 15 || a.Rate != 0.15 || a.Baseline < 0.0499 || a.Baseline > 0.0501 {
			t.Errorf("alert %+v: want SKU-1 of shop-1 at 0.15 against 0.05 on 100 items", a)
		}
		if len(a.TopReasons) != 2 || a.TopReasons[0] != (app.AlertReason{Reason: "quality_defect", Cases: 13, ZH: "质量问题", EN: "Quality defect"}) ||
			a.TopReasons[1] != (app.AlertReason{Reason: "size_fit", Cases: 2, ZH: "尺码不合适", EN: "Size or fit"}) {
			t.Errorf("top reasons %+v, want quality defect 13, size or fit 2, named", a.TopReasons)
		}
		if got := alertInbox(t, env); got["merchant1"] != 1 || got["supervisor1"] != 1 || got["admin1"] != 1 || got["merchant2"] != 0 {
			t.Errorf("alert notifications %v: want one each to m1, sup and adm, none to m2", got)
		}

		// More cases the next day: the same episode, still one alert.
		addSKUDay(t, env, "shop-1", day(29), 100, 25)
		env.Clock.Set(start.AddDate(0, 0, 29))
		if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 0 {
			t.Fatalf("the next day: opened %d, %v; want none", opened, err)
		}
		if d := getAlerts(t, env, env.Token(t, app.RoleAdmin, ""), "", http.StatusOK); len(d.Alerts) != 1 {
			t.Fatalf("alerts after more cases: %+v, want still one", d.Alerts)
		}
		if got := alertInbox(t, env); got["merchant1"] != 1 {
			t.Errorf("notifications after more cases %v: want still one", got)
		}

		// Another merchant sees none, and naming shop-1 is not found; customers may not.
		m2 := env.Token(t, app.RoleMerchant, "shop-2")
		if d := getAlerts(t, env, m2, "", http.StatusOK); len(d.Alerts) != 0 {
			t.Errorf("shop-2 sees %+v", d.Alerts)
		}
		getAlerts(t, env, m2, "?merchant=shop-1", http.StatusNotFound)
		getAlerts(t, env, env.Token(t, app.RoleCustomer, "c-1"), "", http.StatusForbidden)
		getAlerts(t, env, m1, "?state=maybe", http.StatusUnprocessableEntity)

		// The page: the merchant's staff see it with its figures and reasons, in zh and en;
		// another merchant's staff naming shop-1 get the 404 page.
		staff := env.Login(t, "staff1", env.User(t, "staff1", app.RoleMerchant, "shop-1"))
		wantPage(t, getPageIn(t, env, staff, "/alerts", "en"), http.StatusOK, "Open alerts", "SKU SKU-1", "15.0%", "5.0%", "Quality defect (13), Size or fit (2)")
		wantPage(t, getPageIn(t, env, staff, "/alerts", "zh"), http.StatusOK, "进行中的预警", "主要原因", "质量问题 (13), 尺码不合适 (2)")
		other := env.Login(t, "staff2", env.User(t, "staff2", app.RoleMerchant, "shop-2"))
		if res := getPageIn(t, env, other, "/alerts?merchant=shop-1", "en"); res.Status != http.StatusNotFound {
			t.Errorf("another merchant's alerts page: %d, want 404", res.Status)
		}

		// Quiet days close the episode.
		for i := 30; i < 34; i++ {
			addSKUDay(t, env, "shop-1", day(i), 100, 5)
		}
		env.Clock.Set(start.AddDate(0, 0, 33))
		if _, closed, err := env.App.CheckAlerts(ctx); err != nil || closed != 1 {
			t.Fatalf("after quiet days: closed %d, %v; want 1", closed, err)
		}
		if d := getAlerts(t, env, m1, "?state=closed", http.StatusOK); len(d.Alerts) != 1 || d.Alerts[0].ClosedAt == nil {
			t.Fatalf("closed alerts %+v", d.Alerts)
		}
	})
}

// A recall plan's cases (reason recall) are the platform's own doing: a day on which they
// triple the SKU's returns raises no alert, while the same day of customers' cases would.
func TestARecallsCasesRaiseNoAlert(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		start := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
		env.Merchant(t, "shop-1")
		day := func(i int) string { return analytics.Day(start.AddDate(0, 0, i)) }
		for i := range 28 {
			addSKUDay(t, env, "shop-1", day(i), 100, 5)
		}
		addSKUDay(t, env, "shop-1", day(28), 100, 5)
		recall := func(dim, k1, k2 string) store.Cell {
			return store.Cell{Merchant: "shop-1", Dim: dim, K1: k1, K2: k2, Day: day(28), Metric: analytics.MCases, N: 10}
		}
		cells := []store.Cell{
			recall(analytics.DimSKU, "SKU-1", "shoes"), recall(analytics.DimSKUReason, "SKU-1", "recall"),
			recall(analytics.DimCategory, "shoes", ""), recall(analytics.DimCategoryReason, "shoes", "recall"),
			recall(analytics.DimAll, "", ""), recall(analytics.DimReason, "recall", ""),
		}
		if err := env.Store.Update(ctx, func(tx store.Tx) error { return tx.AddCells(ctx, cells) }); err != nil {
			t.Fatal(err)
		}
		env.Clock.Set(start.AddDate(0, 0, 28))
		if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 0 {
			t.Fatalf("a recall's day: opened %d, %v; want none", opened, err)
		}
		// The same ten cases from customers the next day: one alert, recall not among its reasons.
		addSKUDay(t, env, "shop-1", day(29), 100, 15)
		env.Clock.Set(start.AddDate(0, 0, 29))
		if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 1 {
			t.Fatalf("customers' cases: opened %d, %v; want 1", opened, err)
		}
		d := getAlerts(t, env, env.Token(t, app.RoleAdmin, ""), "", http.StatusOK)
		if len(d.Alerts) != 1 || d.Alerts[0].Events != 15 {
			t.Fatalf("alerts %+v, want one of 15 cases", d.Alerts)
		}
		for _, r := range d.Alerts[0].TopReasons {
			if r.Reason == "recall" {
				t.Errorf("the recall is among the top reasons: %+v", d.Alerts[0].TopReasons)
			}
		}
	})
}

// A shop whose complaints quadruple against its own baseline raises one complaint-rate
// alert (issue 16: "the return or complaint rate"), named by the complaints' themes; its
// return rate, steady, raises none.
func TestShopWhoseComplaintsRiseRaisesOneAlert(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		start := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
		env.Merchant(t, "shop-1")
		env.User(t, "merchant1", app.RoleMerchant, "shop-1")
		day := func(i int) string { return analytics.Day(start.AddDate(0, 0, i)) }
		add := func(i int, complaints, service int64) {
			c := func(dim, k1, metric string, n int64) store.Cell {
				return store.Cell{Merchant: "shop-1", Dim: dim, K1: k1, Day: day(i), Metric: metric, N: n}
			}
			cells := []store.Cell{
				c(analytics.DimAll, "", analytics.MItems, 200), c(analytics.DimAll, "", analytics.MCases, 10),
				c(analytics.DimAll, "", analytics.MComplaints, complaints),
				c(analytics.DimTheme, "service", analytics.MComplaints, service),
				c(analytics.DimTheme, "logistics", analytics.MComplaints, complaints-service),
			}
			if err := env.Store.Update(ctx, func(tx store.Tx) error { return tx.AddCells(ctx, cells) }); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 28 {
			add(i, 2, 1)
			env.Clock.Set(start.AddDate(0, 0, i))
			if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 0 {
				t.Fatalf("steady day %d: opened %d, %v", i, opened, err)
			}
		}
		add(28, 8, 6)
		env.Clock.Set(start.AddDate(0, 0, 28))
		if opened, _, err := env.App.CheckAlerts(ctx); err != nil || opened != 1 {
			t.Fatalf("the day complaints quadrupled: opened %d, %v; want 1", opened, err)
		}
		d := getAlerts(t, env, env.Token(t, app.RoleMerchant, "shop-1"), "?state=open", http.StatusOK)
		if len(d.Alerts) != 1 {
			t.Fatalf("open alerts %+v, want one", d.Alerts)
		}
		a := d.Alerts[0]
		if a.Kind != "merchant_complaints" || a.Key != "" || a.Volume != 200 || a.Events != 8 || a.Rate != 0.04 {
			t.Errorf("alert %+v: want shop-1's complaint rate 8 on 200 items", a)
		}
		if len(a.TopReasons) != 2 || a.TopReasons[0] != (app.AlertReason{Reason: "service", Cases: 6, ZH: "服务态度", EN: "Service and attitude"}) {
			t.Errorf("top themes %+v, want service 6 first, named", a.TopReasons)
		}
		if got := alertInbox(t, env); got["merchant1"] != 1 {
			t.Errorf("notifications %v: want one to merchant1", got)
		}
		staff := env.Login(t, "staff1", env.User(t, "staff1", app.RoleMerchant, "shop-1"))
		wantPage(t, getPageIn(t, env, staff, "/alerts", "en"), http.StatusOK, "Shop complaints", "4.0%", "Service and attitude (6)")
		wantPage(t, getPageIn(t, env, staff, "/alerts", "zh"), http.StatusOK, "店铺投诉", "服务态度 (6)")
	})
}

// The warning rules are the admins' and checked field by field.
func TestAlertRulesAreCheckedAndForAdmins(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		admin := env.Token(t, app.RoleAdmin, "")
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/alerts/rules", Token: admin})
		var v app.AlertRulesView
		res.JSON(t, &v)
		if res.Status != http.StatusOK || v.Version != 0 || v.Rules.Threshold != 2 {
			t.Fatalf("GET rules: %d %s", res.Status, res.Body)
		}
		bad := v.Rules
		bad.Threshold = 0.5
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/alerts/rules", Token: admin,
			JSON: app.AlertRulesInput{Version: 0, Rules: bad}})
		if p := res.Problem(t); res.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "rules.threshold" {
			t.Fatalf("threshold 0.5: %d %s, want 422 at rules.threshold", res.Status, res.Body)
		}
		good := v.Rules
		good.Threshold = 3
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/alerts/rules", Token: admin,
			JSON: app.AlertRulesInput{Version: 0, Rules: good}})
		if res.Status != http.StatusOK {
			t.Fatalf("PUT rules: %d %s", res.Status, res.Body)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/alerts/rules", Token: admin,
			JSON: app.AlertRulesInput{Version: 0, Rules: good}})
		if res.Status != http.StatusConflict {
			t.Fatalf("PUT at a stale version: %d, want 409", res.Status)
		}
		for _, tok := range []string{env.Token(t, app.RoleMerchant, "shop-1"), env.Token(t, app.RoleSupervisor, "")} {
			res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/alerts/rules", Token: tok,
				JSON: app.AlertRulesInput{Version: 1, Rules: good}})
			if res.Status != http.StatusForbidden {
				t.Errorf("PUT rules by a non-admin: %d, want 403", res.Status)
			}
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/alerts/rules", Token: env.Token(t, app.RoleMerchant, "shop-1")})
		if res.Status != http.StatusForbidden {
			t.Errorf("GET rules by a merchant: %d, want 403", res.Status)
		}
	})
}
