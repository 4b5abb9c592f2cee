package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// /healthz says the process is up, /readyz that the database answers and is migrated
// (503 once it is gone), /metrics exposes request durations, transitions and the outbox
// backlog after some traffic; none of them needs a token. With the database gone, an API
// call is a 500 that names the request id and nothing of the cause.
func TestHealthReadinessAndMetrics(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		get := func(path string, h ...string) *apitest.Response {
			header := http.Header{}
			for i := 0; i+1 < len(h); i += 2 {
				header.Set(h[i], h[i+1])
			}
			return env.Do(t, apitest.Request{Method: http.MethodGet, Path: path, Header: header})
		}
		var health httpapi.Health
		res := get("/healthz")
		res.JSON(t, &health)
		if res.Status != http.StatusOK || health.Status != "ok" || health.Version != "test" {
			t.Errorf("/healthz: %d %s", res.Status, res.Body)
		}
		res = get("/readyz")
		res.JSON(t, &health)
		if res.Status != http.StatusOK || health.Status != "ready" {
			t.Errorf("/readyz: %d %s", res.Status, res.Body)
		}

		// A client's request id is kept; a bad one is replaced.
		if res := get("/healthz", "X-Request-Id", "trace-42"); res.Header.Get("X-Request-Id") != "trace-42" {
			t.Errorf("X-Request-Id %q, want the client's", res.Header.Get("X-Request-Id"))
		}
		if res := get("/healthz", "X-Request-Id", `forged" level=ERROR msg="x`); strings.ContainsAny(res.Header.Get("X-Request-Id"), ` "=`) {
			t.Errorf("X-Request-Id %q was kept", res.Header.Get("X-Request-Id"))
		}

		// Some traffic: an order, an application, an approval.
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))
		w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
		wantProblem(t, w.act(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version}), http.StatusConflict, app.CodeConflict)

		res = get("/metrics")
		if res.Status != http.StatusOK {
			t.Fatalf("/metrics: %d", res.Status)
		}
		metrics := string(res.Body)
		for _, want := range []string{
			`http_request_duration_seconds_bucket{method="POST",route="/api/v1/cases",status="201",le="+Inf"} 1`,
			`http_request_duration_seconds_count{method="POST",route="/api/v1/cases/{id}/actions",status="409"} 1`,
			`http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 3`,
			`aftersales_transitions_total{action="apply",type="return_refund"} 1`,
			`aftersales_transitions_total{action="approve",type="return_refund"} 1`,
			`# TYPE aftersales_outbox_backlog gauge`,
			`# TYPE go_goroutines gauge`,
			`# TYPE process_cpu_seconds_total counter`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		backlog := regexp.MustCompile(`(?m)^aftersales_outbox_backlog (\d+)$`).FindStringSubmatch(metrics)
		if backlog == nil || backlog[1] == "0" {
			t.Errorf("outbox backlog %v, want the messages of two transitions", backlog)
		}
		// Paths with ids are one route, not one series per case.
		if strings.Contains(metrics, c.ID) {
			t.Error("a case id became a metric label")
		}

		// The database goes away.
		if err := env.Store.Close(); err != nil {
			t.Fatal(err)
		}
		res = get("/readyz")
		p := res.Problem(t)
		if res.Status != http.StatusServiceUnavailable || p.Code != "unavailable" || p.Detail == "" || p.DetailZH == "" {
			t.Errorf("/readyz with the database closed: %d %s", res.Status, res.Body)
		}
		if res := get("/healthz"); res.Status != http.StatusOK {
			t.Errorf("/healthz with the database closed: %d (the process is still up)", res.Status)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID, Token: w.merchantA})
		p = wantProblem(t, res, http.StatusInternalServerError, app.CodeInternal)
		for _, leak := range []string{"sql", "closed", "pool", "database"} {
			if strings.Contains(strings.ToLower(p.Detail), leak) {
				t.Errorf("the 500 leaks its cause: %s", res.Body)
			}
		}
		if !strings.Contains(env.Logs(), "internal error") || !strings.Contains(env.Logs(), p.RequestID) {
			t.Error("the internal error was not logged with its request id")
		}
	})
}
