package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
)

// Carrier events (SPEC §7): a parcel's timeline is the carriers' events in the order of
// their own times, each kept once; its status never moves backwards; a delivered return
// takes the case's delivery action once, and the merchant's inspection clock starts.

// event is a carrier event of SF Express at minutes after base.
func sfEvent(tracking, id, status string, at time.Time) app.ShipmentEventInput {
	return app.ShipmentEventInput{Carrier: "SF", TrackingNo: tracking, EventID: id, Status: status, At: at, Location: "深圳 / Shenzhen"}
}

func postEvents(t *testing.T, env *apitest.Env, token string, body any) *apitest.Response {
	t.Helper()
	return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/shipments/events", Token: token, JSON: body})
}

func mustPostEvents(t *testing.T, env *apitest.Env, token string, body any) app.ShipmentEventsReply {
	t.Helper()
	res := postEvents(t, env, token, body)
	if res.Status != http.StatusOK {
		t.Fatalf("POST /api/v1/shipments/events: %d %s", res.Status, res.Body)
	}
	var v app.ShipmentEventsReply
	res.JSON(t, &v)
	return v
}

func getParcel(t *testing.T, env *apitest.Env, token, carrier, tracking string) app.ParcelView {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/shipments/" + carrier + "/" + tracking, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET shipment %s %s: %d %s", carrier, tracking, res.Status, res.Body)
	}
	var v app.ParcelView
	res.JSON(t, &v)
	return v
}

// shippedBack is a return-and-refund case whose customer has shipped the parcel back.
func shippedBack(t *testing.T, w *world, tracking string) app.CaseView {
	t.Helper()
	o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
	c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
	return w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: tracking})
}

func countActions(c app.CaseView, a aftersale.Action) int {
	n := 0
	for _, e := range c.History {
		if e.Action == a {
			n++
		}
	}
	return n
}

func TestCarrierEventsPlaceAndDeliverOnce(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := shippedBack(t, w, "SF1000000001")
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)

		// Out of order, and one twice: the second in_transit is a duplicate and changes nothing.
		r := mustPostEvents(t, env, w.shop, []app.ShipmentEventInput{
			sfEvent("SF1000000001", "e2", "in_transit", base.Add(60*time.Minute)),
			sfEvent("sf1000000001", "e1", "picked_up", base),
			sfEvent("SF1000000001", "e2", "in_transit", base.Add(60*time.Minute)),
		})
		if got := []bool{r.Events[0].Duplicate, r.Events[1].Duplicate, r.Events[2].Duplicate}; !slices.Equal(got, []bool{false, false, true}) {
			t.Fatalf("duplicates %v, want the third only", got)
		}
		if r.Events[0].Status != "in_transit" || !r.Events[0].Matched {
			t.Fatalf("after the batch: %+v, want a matched parcel in transit", r.Events[0])
		}
		// The same event again in a later request: still a duplicate.
		if r := mustPostEvents(t, env, w.shop, sfEvent("SF1000000001", "e1", "picked_up", base)); !r.Events[0].Duplicate {
			t.Fatal("an event received before is a duplicate")
		}

		// Delivered: the case's delivery action, once, by the system for the carrier.
		mustPostEvents(t, env, w.shop, sfEvent("SF1000000001", "e4", "delivered", base.Add(150*time.Minute)))
		got := w.getCase(t, w.merchantA, c.ID)
		if got.State != aftersale.ReturnDelivered || countActions(got, aftersale.Deliver) != 1 {
			t.Fatalf("after delivered: %s with %d deliveries, want return_delivered once", got.State, countActions(got, aftersale.Deliver))
		}
		if last := got.History[len(got.History)-1]; last.Actor.Role != aftersale.System {
			t.Errorf("the delivery was taken by %s, want the system", last.Actor.Role)
		}
		if !slices.ContainsFunc(got.Deadlines, func(d app.DeadlineView) bool { return d.Kind == aftersale.MerchantInspection }) {
			t.Errorf("deadlines %+v: the merchant's inspection clock should run", got.Deadlines)
		}
		// A second delivery scan and a late transit scan from before it: the case does not
		// move again, the parcel stays delivered, the timeline has both in their places.
		mustPostEvents(t, env, w.shop, []app.ShipmentEventInput{
			sfEvent("SF1000000001", "e5", "delivered", base.Add(155*time.Minute)),
			sfEvent("SF1000000001", "e3", "out_for_delivery", base.Add(120*time.Minute)),
		})
		if again := w.getCase(t, w.merchantA, c.ID); again.Version != got.Version || countActions(again, aftersale.Deliver) != 1 {
			t.Errorf("a second delivery moved the case: version %d → %d", got.Version, again.Version)
		}
		p := getParcel(t, env, w.customer1, "sf", "sf1000000001")
		var ids []string
		for _, e := range p.Events {
			ids = append(ids, e.EventID)
		}
		if p.Status != "delivered" || !slices.Equal(ids, []string{"e1", "e2", "e3", "e4", "e5"}) || p.Direction != "return" || p.CaseID != c.ID {
			t.Errorf("parcel %s %s of %s, timeline %v; want delivered return of the case, e1…e5 in order", p.Status, p.Direction, p.CaseID, ids)
		}
		// A transit scan dated after the delivery never moves it back.
		mustPostEvents(t, env, w.shop, sfEvent("SF1000000001", "e6", "in_transit", base.Add(170*time.Minute)))
		if p := getParcel(t, env, w.merchantA, "SF", "SF1000000001"); p.Status != "delivered" || len(p.Events) != 6 {
			t.Errorf("after a later transit scan: %s with %d events, want delivered with 6", p.Status, len(p.Events))
		}
		// Someone else's parcel is not found; so is one nobody shipped.
		for _, tok := range []string{w.merchantB, w.customer2} {
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/shipments/SF/SF1000000001", Token: tok})
			wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		}
	})
}

func TestBadCarrierEventsChangeNothing(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		shippedBack(t, w, "SF1000000002")
		at := time.Now().UTC().Add(-time.Hour)
		res := postEvents(t, env, w.shop, []app.ShipmentEventInput{
			sfEvent("SF1000000002", "b1", "picked_up", at),
			sfEvent("SF1000000002", "b2", "teleported", at),
		})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "events[1].status")
		res = postEvents(t, env, w.shop, map[string]any{"carrier": "SF", "tracking_no": "SF1000000002", "event_id": "b3", "status": "delivered", "at": "yesterday"})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "at")
		res = postEvents(t, env, w.shop, []map[string]any{{"carrier": "SF", "tracking_no": "SF1000000002", "event_id": "b4", "status": "delivered", "at": at, "colour": "red"}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "events[0].colour")
		if p := getParcel(t, env, w.shop, "SF", "SF1000000002"); len(p.Events) != 0 || p.Status != "created" {
			t.Errorf("after refused batches: %s with %d events, want nothing stored", p.Status, len(p.Events))
		}
		// Only carriers and the shop system report events.
		res = postEvents(t, env, w.merchantA, sfEvent("SF1000000002", "b5", "delivered", at))
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		// A merchant's own integration reports only for its parcels.
		other := env.Token(t, app.RoleIntegration, "shop-b")
		res = postEvents(t, env, other, sfEvent("SF1000000002", "b6", "delivered", at))
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
	})
}

// Events of a tracking number nobody has entered yet are kept; when the customer ships
// that parcel, the case follows them.
func TestEventsBeforeTheParcelAreMatchedLater(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		at := time.Now().UTC().Add(-2 * time.Hour)
		r := mustPostEvents(t, env, w.shop, []app.ShipmentEventInput{
			sfEvent("SF1000000003", "u1", "picked_up", at),
			sfEvent("SF1000000003", "u2", "delivered", at.Add(time.Hour)),
		})
		if r.Events[1].Matched || r.Events[1].Status != "delivered" {
			t.Fatalf("an unknown parcel: %+v, want kept unmatched and delivered", r.Events[1])
		}
		// Nobody but admins and platform integrations sees a parcel of no case.
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/shipments/SF/SF1000000003", Token: w.customer1})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		c := shippedBack(t, w, "SF1000000003")
		if c.State != aftersale.Returning {
			t.Fatalf("shipped back: %s", c.State)
		}
		env.DrainOutbox(t)
		if got := w.getCase(t, w.customer1, c.ID); got.State != aftersale.ReturnDelivered || countActions(got, aftersale.Deliver) != 1 {
			t.Errorf("after the relay: %s, want return_delivered once", got.State)
		}
		env.DrainOutbox(t)
		if got := w.getCase(t, w.customer1, c.ID); countActions(got, aftersale.Deliver) != 1 {
			t.Error("relayed again, the delivery was taken twice")
		}
	})
}

func listTasks(t *testing.T, env *apitest.Env, token, query string) []app.TaskView {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/tasks" + query, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET tasks%s: %d %s", query, res.Status, res.Body)
	}
	var v app.TaskList
	res.JSON(t, &v)
	return v.Tasks
}

// Each exception rule opens one task per parcel however often its cause is reported.
func TestExceptionRulesOpenOneTaskEach(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		at := time.Now().UTC().Add(-time.Hour)
		shippedBack(t, w, "SF1000000004")
		for i := range 3 {
			mustPostEvents(t, env, w.shop, sfEvent("SF1000000004", fmt.Sprintf("l%d", i), "lost", at.Add(time.Duration(i)*time.Minute)))
		}
		shippedBack(t, w, "SF1000000005")
		for i := range 2 {
			ev := sfEvent("SF1000000005", fmt.Sprintf("a%d", i), "exception", at.Add(time.Duration(i)*time.Minute))
			ev.Reason, ev.Detail = "wrong_address", "地址不详 / address unknown"
			mustPostEvents(t, env, w.shop, ev)
		}
		lost := listTasks(t, env, w.agent, "?kind=lost")
		wrong := listTasks(t, env, w.agent, "?kind=wrong_address&state=open")
		if len(lost) != 1 || lost[0].TrackingNo != "SF1000000004" || lost[0].Kind != "shipment_exception" || lost[0].State != "open" {
			t.Fatalf("lost tasks %+v, want one open for SF1000000004", lost)
		}
		if len(wrong) != 1 || wrong[0].TrackingNo != "SF1000000005" {
			t.Fatalf("wrong-address tasks %+v, want one for SF1000000005", wrong)
		}
		if p := getParcel(t, env, w.agent, "SF", "SF1000000004"); len(p.Exceptions) != 1 || p.Exceptions[0].Rule != "lost" {
			t.Errorf("the lost parcel's exceptions: %+v", p.Exceptions)
		}
		// An agent takes the task and finishes it; merchants and customers may not see tasks.
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks/" + lost[0].ID + "/actions", Token: w.agent,
			JSON: app.TaskActInput{Action: "done", Note: "已联系快递理赔 / claim filed", Version: lost[0].Version}})
		if res.Status != http.StatusOK {
			t.Fatalf("done: %d %s", res.Status, res.Body)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks/" + lost[0].ID + "/actions", Token: w.agent,
			JSON: app.TaskActInput{Action: "done"}})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict)
		if open := listTasks(t, env, w.agent, "?kind=shipment_exception&state=open"); len(open) != 1 {
			t.Errorf("open exception tasks %d, want 1 (wrong address)", len(open))
		}
		for _, tok := range []string{w.merchantA, w.customer1} {
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/tasks", Token: tok})
			wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		}
		env.Merchant(t, "shop-b")
		scoped := env.Login(t, "agent.b", env.User(t, "agent.b", app.RoleAgent, "", "shop-b"))
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/tasks", Session: scoped})
		var page app.TaskList
		if res.JSON(t, &page); res.Status != http.StatusOK || len(page.Tasks) != 0 {
			t.Errorf("an agent of shop-b: %d, %d of shop-a's tasks", res.Status, len(page.Tasks))
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks/" + wrong[0].ID + "/actions", Session: scoped,
			JSON: app.TaskActInput{Action: "assign", Assignee: "me"}})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
	})
}

// No carrier update for 48 hours: the stale rule fires once, also with three replicas
// looking at the same moment.
func TestStaleParcelFiresOnceWithThreeReplicas(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		shippedBack(t, w, "SF1000000006")
		// A parcel the merchant confirmed without a carrier's word: nobody waits for it.
		done := shippedBack(t, w, "SF1000000009")
		w.mustAct(t, w.merchantA, done.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: done.Version, Inspection: aftersale.InspectionPass})
		replicas := []*app.App{env.App, replica(t, env), replica(t, env)}
		ctx := t.Context()
		if n, err := env.App.CheckShipments(ctx); err != nil || n != 0 {
			t.Fatalf("before 48 hours: %d checked, %v", n, err)
		}
		env.Clock.Set(time.Now().Add(49 * time.Hour))
		var wg sync.WaitGroup
		for _, a := range replicas {
			wg.Go(func() {
				if _, err := a.CheckShipments(ctx); err != nil {
					t.Errorf("check: %v", err)
				}
			})
		}
		wg.Wait()
		if ts := listTasks(t, env, w.agent, "?kind=stale"); len(ts) != 1 || ts[0].TrackingNo != "SF1000000006" {
			t.Fatalf("stale tasks %+v, want 1, of the parcel still awaited", ts)
		}
		env.Clock.Set(time.Now().Add(100 * time.Hour))
		for _, a := range replicas {
			if _, err := a.CheckShipments(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if ts := listTasks(t, env, w.agent, "?kind=stale"); len(ts) != 1 {
			t.Fatalf("stale tasks after more time %d, want still 1", len(ts))
		}
	})
}

// replica is a second application on the test's store, as another replica of the service.
func replica(t *testing.T, env *apitest.Env) *app.App {
	t.Helper()
	engine, err := policy.New(calendar.Default())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Config{Store: env.Store, Engine: engine, Now: env.Clock.Now})
	if err := a.LoadPolicies(t.Context()); err != nil {
		t.Fatal(err)
	}
	return a
}

// An outbound parcel (the exchange going to the customer): its delivery restarts the
// customer's confirmation clock; the customer says it never came, and the not-received
// rule opens one task and offers a reship or a refund.
func TestOutboundDeliveredAndNotReceived(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		in := returnRefund(o.OrderNo, "JACKET", 1)
		in.Type, in.Reason = aftersale.Exchange, aftersale.SizeFit
		c := w.mustApply(t, w.customer1, in)
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
		c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: "SF2000000001"})
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: c.Version, Inspection: aftersale.InspectionPass})
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ShipExchange, Version: c.Version, Carrier: "ZTO", TrackingNo: "ZT2000000002"})
		if c.State != aftersale.Resolved {
			t.Fatalf("after shipping the exchange: %s", c.State)
		}
		before := c.Deadlines
		// Delivered three days later (the clock counts in days).
		later := time.Now().Add(72 * time.Hour)
		env.Clock.Set(later)
		res := postEvents(t, env, w.shop, app.ShipmentEventInput{Carrier: "ZTO", TrackingNo: "ZT2000000002", EventID: "z1", Status: "delivered", At: later.UTC()})
		if res.Status != http.StatusOK {
			t.Fatalf("delivered: %d %s", res.Status, res.Body)
		}
		got := w.getCase(t, w.customer1, c.ID)
		if got.State != aftersale.Resolved || countActions(got, aftersale.OutboundDelivered) != 1 || got.OutboundShipment.DeliveredAt == nil {
			t.Fatalf("after the outbound delivery: %s, %d outbound_delivered", got.State, countActions(got, aftersale.OutboundDelivered))
		}
		if len(before) != 1 || len(got.Deadlines) != 1 || !got.Deadlines[0].DueAt.After(before[0].DueAt) {
			t.Errorf("the confirmation clock: %+v before, %+v after; want it started again later", before, got.Deadlines)
		}
		// Not received: the customer's word opens one task, however often said.
		for range 2 {
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/shipments/ZTO/ZT2000000002/not-received", Token: w.customer1})
			if res.Status != http.StatusOK {
				t.Fatalf("not received: %d %s", res.Status, res.Body)
			}
		}
		if ts := listTasks(t, env, w.agent, "?kind=not_received"); len(ts) != 1 || ts[0].CaseID != c.ID {
			t.Fatalf("not-received tasks %+v, want one of the case", ts)
		}
		if p := getParcel(t, env, w.customer1, "ZTO", "ZT2000000002"); !p.Remedy || p.Direction != "outbound" {
			t.Errorf("the customer is offered a remedy: %v (%s)", p.Remedy, p.Direction)
		}
		// Another customer may not say it for them; the return parcel is no such parcel.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/shipments/ZTO/ZT2000000002/not-received", Token: w.customer2})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/shipments/SF/SF2000000001/not-received", Token: w.customer1})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict)
	})
}

// Three replicas receive the same parcel's events at once (a carrier retrying on every
// node): the delivery moves the case once, and the lost rule opens one task.
func TestConcurrentEventsOnThreeReplicas(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := shippedBack(t, w, "SF1000000007")
		shippedBack(t, w, "SF1000000008")
		replicas := []*app.App{env.App, replica(t, env), replica(t, env)}
		carrier := app.Principal{Role: app.RoleIntegration, ID: "carrier"}
		at := time.Now().UTC().Add(-time.Hour)
		var wg sync.WaitGroup
		for i, a := range replicas {
			wg.Go(func() {
				_, err := a.RecordShipmentEvents(t.Context(), carrier, []app.ShipmentEventInput{
					sfEvent("SF1000000007", fmt.Sprintf("d%d", i), "delivered", at.Add(time.Duration(i)*time.Minute)),
					sfEvent("SF1000000008", fmt.Sprintf("x%d", i), "lost", at.Add(time.Duration(i)*time.Minute)),
				}, nil)
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if got := w.getCase(t, w.merchantA, c.ID); got.State != aftersale.ReturnDelivered || countActions(got, aftersale.Deliver) != 1 {
			t.Errorf("after three replicas' deliveries: %s with %d deliveries, want return_delivered once", got.State, countActions(got, aftersale.Deliver))
		}
		if ts := listTasks(t, env, w.agent, "?kind=lost"); len(ts) != 1 {
			t.Errorf("lost tasks %d, want 1", len(ts))
		}
		if p := getParcel(t, env, w.shop, "SF", "SF1000000008"); len(p.Events) != 3 {
			t.Errorf("the lost parcel's timeline has %d events, want all 3", len(p.Events))
		}
	})
}
