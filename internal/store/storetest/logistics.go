package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/task"
)

// Logistics (store.Logistics, package logistics): a row per parcel keyed by its carrier and
// tracking number with its whole value and next check, optimistic updates, the exception
// rules' clock, and carriers' events idempotent by (carrier, event id) read in the
// carriers' order. Shipments name their case without a foreign key: a parcel may be known
// before any case ships it.
var logisticsTests = []test{
	{name: "EveryFieldReadsBack", run: testShipmentRoundTrip},
	{name: "ZeroTimesAreNow", clocked: testShipmentDefaults},
	{name: "MalformedRefused", run: testShipmentMalformed},
	{name: "TakenKeyConflicts", run: testShipmentTaken},
	{name: "UpdateIsOptimistic", run: testShipmentUpdate},
	{name: "CaseShipmentsOldestFirst", run: testCaseShipments},
	{name: "DueByTheClock", clocked: testShipmentsDue},
	{name: "EventsInCarrierOrder", clocked: testShipmentEvents},
	{name: "EventReceivedTwiceConflicts", run: testShipmentEventDuplicate},
	{name: "MalformedEventRefused", run: testShipmentEventMalformed},
}

// newShipment is a shipment (version 1) of a case's return, made and updated at at; caseID
// "" for a parcel no case has shipped yet.
func newShipment(carrier, trackingNo, caseID string, at time.Time) logistics.Shipment {
	s := logistics.Shipment{Carrier: carrier, TrackingNo: trackingNo, CaseID: caseID, Status: logistics.Created,
		Version: 1, CreatedAt: at, UpdatedAt: at}
	if caseID != "" {
		s.Direction, s.Merchant, s.Customer, s.ShippedAt = logistics.Return, "M-1", "C-1", at
	}
	return s
}

// insertShipments runs InsertShipment for each of ss, without a next check, in one
// transaction.
func insertShipments(t *testing.T, s store.Store, ss ...logistics.Shipment) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for i := range ss {
			if err := tx.InsertShipment(t.Context(), &ss[i], time.Time{}); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustInsertShipments is insertShipments that must succeed.
func mustInsertShipments(t *testing.T, s store.Store, ss ...logistics.Shipment) {
	t.Helper()
	if err := insertShipments(t, s, ss...); err != nil {
		t.Fatalf("InsertShipment: %v", err)
	}
}

// updateShipment runs UpdateShipment in its own transaction.
func updateShipment(t *testing.T, s store.Store, sh logistics.Shipment, checkAt time.Time) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateShipment(t.Context(), &sh, checkAt) })
}

// readShipment returns a shipment by its key.
func readShipment(t *testing.T, s store.Store, carrier, trackingNo string) logistics.Shipment {
	t.Helper()
	var sh logistics.Shipment
	mustView(t, s, func(tx store.Tx) error {
		var err error
		sh, err = tx.Shipment(t.Context(), carrier, trackingNo)
		return err
	})
	return sh
}

// caseShipments returns a case's shipments.
func caseShipments(t *testing.T, s store.Store, caseID string) []logistics.Shipment {
	t.Helper()
	var ss []logistics.Shipment
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ss, err = tx.CaseShipments(t.Context(), caseID)
		return err
	})
	return ss
}

// trackingNos are the tracking numbers of ss, in order.
func trackingNos(ss []logistics.Shipment) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.TrackingNo
	}
	return out
}

func testShipmentRoundTrip(t *testing.T, s store.Store) {
	// Every field set, times in another zone and finer than the store keeps.
	at := func(m int) time.Time { return base.Add(time.Duration(m)*time.Minute + 999).In(shanghai) }
	utc := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	full := logistics.Shipment{Carrier: "sf", TrackingNo: "SF1234567890", CaseID: "case-1", Direction: logistics.Outbound,
		Merchant: "M-1", Customer: "C-1", Status: logistics.Delivered, LastEventAt: at(30), DeliveredAt: at(30),
		ShippedAt: at(0), Fired: []logistics.Rule{logistics.Stale, logistics.NotReceived}, NotReceived: at(40),
		Applied: at(35), Version: 1, CreatedAt: at(0), UpdatedAt: at(40)}
	bare := newShipment("zto", "ZT0000001", "", utc(1)) // unmatched: no case, merchant or customer
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertShipment(t.Context(), &full, at(60)); err != nil {
			return err
		}
		return tx.InsertShipment(t.Context(), &bare, time.Time{})
	})
	want := full
	want.LastEventAt, want.DeliveredAt, want.ShippedAt, want.NotReceived = utc(30), utc(30), utc(0), utc(40)
	want.Applied, want.CreatedAt, want.UpdatedAt = utc(35), utc(0), utc(40)
	if full.ShippedAt.Location() != shanghai {
		t.Fatal("InsertShipment changed the caller's shipment")
	}
	wantEqual(t, "Shipment", readShipment(t, s, "sf", "SF1234567890"), want)
	wantEqual(t, "Shipment without case", readShipment(t, s, "zto", "ZT0000001"), bare)
	wantEqual(t, "CaseShipments", caseShipments(t, s, "case-1"), []logistics.Shipment{want})

	// An update stores the whole value again: what it drops is gone.
	upd := want
	upd.Version, upd.Status, upd.Fired, upd.NotReceived, upd.DeliveredAt, upd.UpdatedAt =
		2, logistics.Lost, nil, time.Time{}, time.Time{}, utc(50)
	if err := updateShipment(t, s, upd, time.Time{}); err != nil {
		t.Fatalf("UpdateShipment: %v", err)
	}
	wantEqual(t, "Shipment after UpdateShipment", readShipment(t, s, "sf", "SF1234567890"), upd)

	// The key is matched exactly, as given (callers normalise).
	for _, key := range [][2]string{{"SF", "SF1234567890"}, {"sf", "sf1234567890"}, {"zto", "SF1234567890"}, {"sf", "none"}} {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, err := tx.Shipment(t.Context(), key[0], key[1])
			return err
		})
		wantErr(t, fmt.Sprintf("Shipment %s/%s", key[0], key[1]), err, store.ErrNotFound)
	}
	if ss := caseShipments(t, s, "case-none"); len(ss) != 0 {
		t.Fatalf("CaseShipments of an unknown case = %s", show(ss))
	}
}

func testShipmentDefaults(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(time.Hour))
	sh := newShipment("sf", "SF0000001", "case-1", base)
	sh.CreatedAt, sh.UpdatedAt = time.Time{}, time.Time{}
	mustInsertShipments(t, s, sh)
	sh.CreatedAt, sh.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	wantEqual(t, "shipment inserted without times", readShipment(t, s, "sf", "SF0000001"), sh)

	clk.Advance(time.Minute)
	sh.Version, sh.Status, sh.UpdatedAt = 2, logistics.InTransit, time.Time{}
	if err := updateShipment(t, s, sh, time.Time{}); err != nil {
		t.Fatal(err)
	}
	sh.UpdatedAt = base.Add(time.Hour + time.Minute)
	wantEqual(t, "shipment updated without UpdatedAt", readShipment(t, s, "sf", "SF0000001"), sh)
}

func testShipmentMalformed(t *testing.T, s store.Store) {
	for _, m := range []struct {
		name   string
		change func(*logistics.Shipment)
	}{
		{"NotVersion1", func(sh *logistics.Shipment) { sh.Version = 2 }},
		{"UnknownStatus", func(sh *logistics.Shipment) { sh.Status = "teleported" }},
		{"NoStatus", func(sh *logistics.Shipment) { sh.Status = "" }},
		{"NoCarrier", func(sh *logistics.Shipment) { sh.Carrier = "" }},
		{"NoTrackingNo", func(sh *logistics.Shipment) { sh.TrackingNo = "" }},
	} {
		sh := newShipment("sf", "SF0000001", "case-1", base)
		m.change(&sh)
		err := insertShipments(t, s, sh)
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: InsertShipment = %v; want an error that is none of the sentinels", m.name, err)
		}
	}
	if ss := caseShipments(t, s, "case-1"); len(ss) != 0 {
		t.Fatalf("malformed shipments were stored: %s", show(ss))
	}
}

// A taken (carrier, tracking number) is refused by the call itself, writes nothing and
// leaves the transaction usable. The same tracking number with another carrier is another
// parcel.
func testShipmentTaken(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newShipment("sf", "SF0000001", "case-1", minute(0))
	mustInsertShipments(t, s, first)
	same := newShipment("sf", "SF0000001", "case-2", minute(1))
	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		refused = tx.InsertShipment(ctx, &same, time.Time{})
		return refused
	})
	wantErr(t, "InsertShipment of a taken key", refused, store.ErrConflict)
	wantErr(t, "Update", err, store.ErrConflict)

	other := newShipment("yto", "SF0000001", "case-2", minute(2))
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "a taken key", tx.InsertShipment(ctx, &same, minute(5)), store.ErrConflict)
		if got, err := tx.Shipment(ctx, "sf", "SF0000001"); err != nil || got.CaseID != "case-1" {
			t.Fatalf("Shipment after the refusal = %s, %v", show(got), err)
		}
		return tx.InsertShipment(ctx, &other, time.Time{})
	})
	wantEqual(t, "sf/SF0000001", readShipment(t, s, "sf", "SF0000001"), first)
	wantEqual(t, "yto/SF0000001", readShipment(t, s, "yto", "SF0000001"), other)
}

func testShipmentUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	sh := newShipment("sf", "SF0000001", "", minute(0))
	mustInsertShipments(t, s, sh)
	// Matched to a case: every column moves.
	v2 := sh
	v2.Version, v2.CaseID, v2.Direction, v2.Merchant, v2.Customer, v2.ShippedAt, v2.UpdatedAt =
		2, "case-1", logistics.Outbound, "M-2", "C-2", minute(1), minute(1)
	if err := updateShipment(t, s, v2, minute(60)); err != nil {
		t.Fatalf("UpdateShipment to version 2: %v", err)
	}
	again := sh
	again.Version, again.Status = 2, logistics.PickedUp
	wantErr(t, "UpdateShipment to version 2 again", updateShipment(t, s, again, time.Time{}), store.ErrConflict)
	ahead := v2
	ahead.Version = 4
	wantErr(t, "UpdateShipment to version 4", updateShipment(t, s, ahead, time.Time{}), store.ErrConflict)
	unknown := v2
	unknown.TrackingNo = "SF-none"
	wantErr(t, "UpdateShipment of an unknown key", updateShipment(t, s, unknown, time.Time{}), store.ErrNotFound)
	wantEqual(t, "sf/SF0000001", readShipment(t, s, "sf", "SF0000001"), v2)
	wantEqual(t, "shipments of case-1", caseShipments(t, s, "case-1"), []logistics.Shipment{v2})

	// Refusals leave the transaction usable.
	v3 := v2
	v3.Version, v3.Status, v3.UpdatedAt = 3, logistics.InTransit, minute(2)
	mustUpdate(t, s, func(tx store.Tx) error {
		stale := v2
		wantErr(t, "a stale version", tx.UpdateShipment(ctx, &stale, time.Time{}), store.ErrConflict)
		wantErr(t, "an unknown key", tx.UpdateShipment(ctx, &unknown, time.Time{}), store.ErrNotFound)
		return tx.UpdateShipment(ctx, &v3, time.Time{})
	})
	wantEqual(t, "sf/SF0000001 at version 3", readShipment(t, s, "sf", "SF0000001"), v3)
}

func testCaseShipments(t *testing.T, s store.Store) {
	ret := newShipment("sf", "SF0000002", "case-1", minute(2))
	out := newShipment("zto", "ZT0000001", "case-1", minute(5))
	out.Direction = logistics.Outbound
	tie := newShipment("jd", "JD0000001", "case-1", minute(2)) // ties go by carrier, then tracking number
	other := newShipment("sf", "SF0000003", "case-2", minute(1))
	loose := newShipment("sf", "SF0000004", "", minute(0))
	mustInsertShipments(t, s, out, ret, other, loose, tie)
	wantEqual(t, "shipments of case-1", caseShipments(t, s, "case-1"), []logistics.Shipment{tie, ret, out})
	wantEqual(t, "shipments of case-2", caseShipments(t, s, "case-2"), []logistics.Shipment{other})
	if ss := caseShipments(t, s, ""); len(ss) != 0 {
		t.Fatalf("CaseShipments of no case = %s; unmatched shipments belong to none", show(ss))
	}

	// A parcel matched later joins its case's list.
	loose.Version, loose.CaseID, loose.UpdatedAt = 2, "case-2", minute(9)
	if err := updateShipment(t, s, loose, time.Time{}); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "shipments of case-2 after matching", trackingNos(caseShipments(t, s, "case-2")),
		[]string{"SF0000004", "SF0000003"})
}

// The exception rules' clock: shipments whose next check is at or before the store's Now(),
// soonest first; those without a check never.
func testShipmentsDue(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	due := func(limit int) []string {
		var ss []logistics.Shipment
		mustView(t, s, func(tx store.Tx) error {
			var err error
			ss, err = tx.DueShipments(t.Context(), limit)
			return err
		})
		return trackingNos(ss)
	}
	wantEqual(t, "due without shipments", due(10), []string{})
	sh := func(no string) logistics.Shipment { return newShipment("sf", no, "case-1", base.Add(-72*time.Hour)) }
	checks := []struct {
		s  logistics.Shipment
		at time.Time
	}{
		{sh("SF-C"), base.Add(-time.Hour)},
		{sh("SF-B"), base}, // due at Now() exactly
		{sh("SF-A"), base.Add(-2 * time.Hour).In(shanghai)},
		{sh("SF-D"), base.Add(time.Hour + 999).In(shanghai)}, // kept to the microsecond: due at base+1h
		{sh("SF-E"), time.Time{}},                            // never checked
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range checks {
			if err := tx.InsertShipment(t.Context(), &checks[i].s, checks[i].at); err != nil {
				return err
			}
		}
		return nil
	})
	wantEqual(t, "due at base", due(10), []string{"SF-A", "SF-C", "SF-B"})
	wantEqual(t, "due at base, 2 of them", due(2), []string{"SF-A", "SF-C"})
	wantEqual(t, "due with a limit of 0", due(0), []string{})

	// SF-A's check is done with (none left); SF-C's moves past SF-B's; SF-E gets one.
	a := checks[2].s
	a.Version = 2
	c := checks[0].s
	c.Version = 2
	e := checks[4].s
	e.Version = 2
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.UpdateShipment(t.Context(), &a, time.Time{}); err != nil {
			return err
		}
		if err := tx.UpdateShipment(t.Context(), &c, base.Add(-time.Minute)); err != nil {
			return err
		}
		return tx.UpdateShipment(t.Context(), &e, base.Add(-30*time.Minute))
	})
	wantEqual(t, "due at base after the updates", due(10), []string{"SF-E", "SF-C", "SF-B"})

	clk.Advance(time.Hour - time.Microsecond)
	wantEqual(t, "due a microsecond before base+1h", due(10), []string{"SF-E", "SF-C", "SF-B"})
	clk.Advance(time.Microsecond)
	wantEqual(t, "due at base+1h", due(10), []string{"SF-E", "SF-C", "SF-B", "SF-D"})
}

// shipmentEvents returns a shipment's timeline.
func shipmentEvents(t *testing.T, s store.Store, carrier, trackingNo string) []logistics.Event {
	t.Helper()
	var evs []logistics.Event
	mustView(t, s, func(tx store.Tx) error {
		var err error
		evs, err = tx.ShipmentEvents(t.Context(), carrier, trackingNo)
		return err
	})
	return evs
}

// carrierEvent is an event of sf/SF0000001 at base plus m minutes, received an hour later.
func carrierEvent(id string, status logistics.Status, m int) logistics.Event {
	at := base.Add(time.Duration(m) * time.Minute)
	return logistics.Event{Carrier: "sf", TrackingNo: "SF0000001", EventID: id, Status: status, At: at,
		ReceivedAt: at.Add(time.Hour)}
}

// Events are read in the carriers' order (their times, ties by event id), whatever order
// they arrived in; a zero ReceivedAt is the transaction's Now.
func testShipmentEvents(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(24 * time.Hour))
	full := logistics.Event{Carrier: "sf", TrackingNo: "SF0000001", EventID: "ev-3", Status: logistics.Exception,
		At: base.Add(30*time.Minute + 999).In(shanghai), Location: "上海转运中心 Shanghai hub", Detail: "地址不详 address unknown",
		Reason: "wrong_address", ReceivedAt: base.Add(2*time.Hour + 999).In(shanghai)}
	picked := carrierEvent("ev-1", logistics.PickedUp, 0)
	tieB := carrierEvent("ev-b", logistics.InTransit, 10)
	tieA := carrierEvent("ev-a", logistics.InTransit, 10)
	late := carrierEvent("ev-0", logistics.Delivered, 60) // a smaller id, the latest time
	late.ReceivedAt = time.Time{}
	other := carrierEvent("ev-1", logistics.PickedUp, 5) // the same event id at another carrier
	other.Carrier = "zto"
	otherParcel := carrierEvent("ev-9", logistics.PickedUp, 5)
	otherParcel.TrackingNo = "SF0000002"
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, ev := range []logistics.Event{late, full, tieB, otherParcel, picked, other} {
			if err := tx.AddShipmentEvent(t.Context(), ev); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AddShipmentEvent(t.Context(), tieA) })
	wantFull := full
	wantFull.At, wantFull.ReceivedAt = base.Add(30*time.Minute), base.Add(2*time.Hour)
	wantLate := late
	wantLate.ReceivedAt = base.Add(24 * time.Hour)
	wantEqual(t, "timeline of sf/SF0000001", shipmentEvents(t, s, "sf", "SF0000001"),
		[]logistics.Event{picked, tieA, tieB, wantFull, wantLate})
	wantEqual(t, "timeline of zto/SF0000001", shipmentEvents(t, s, "zto", "SF0000001"), []logistics.Event{other})
	wantEqual(t, "timeline of sf/SF0000002", shipmentEvents(t, s, "sf", "SF0000002"), []logistics.Event{otherParcel})
	if evs := shipmentEvents(t, s, "sf", "SF-none"); len(evs) != 0 {
		t.Fatalf("events of an unknown parcel: %s", show(evs))
	}
}

// An event received before (its carrier and event id) is refused by the call itself and
// leaves the transaction usable, so that a webhook delivered twice changes nothing.
func testShipmentEventDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := carrierEvent("ev-1", logistics.PickedUp, 0)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AddShipmentEvent(ctx, first) })
	again := carrierEvent("ev-1", logistics.Delivered, 30) // the same id, other content
	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		refused = tx.AddShipmentEvent(ctx, again)
		return refused
	})
	wantErr(t, "AddShipmentEvent received before", refused, store.ErrConflict)
	wantErr(t, "Update", err, store.ErrConflict)

	next := carrierEvent("ev-2", logistics.InTransit, 10)
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "an event received before", tx.AddShipmentEvent(ctx, first), store.ErrConflict)
		wantErr(t, "an event id received before", tx.AddShipmentEvent(ctx, again), store.ErrConflict)
		return tx.AddShipmentEvent(ctx, next)
	})
	wantEqual(t, "timeline after the refusals", shipmentEvents(t, s, "sf", "SF0000001"), []logistics.Event{first, next})
}

func testShipmentEventMalformed(t *testing.T, s store.Store) {
	for _, m := range []struct {
		name   string
		change func(*logistics.Event)
	}{
		{"NoCarrier", func(ev *logistics.Event) { ev.Carrier = "" }},
		{"NoTrackingNo", func(ev *logistics.Event) { ev.TrackingNo = "" }},
		{"NoEventID", func(ev *logistics.Event) { ev.EventID = "" }},
		{"NoTime", func(ev *logistics.Event) { ev.At = time.Time{} }},
	} {
		ev := carrierEvent("ev-1", logistics.PickedUp, 0)
		m.change(&ev)
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AddShipmentEvent(t.Context(), ev) })
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: AddShipmentEvent = %v; want an error that is none of the sentinels", m.name, err)
		}
	}
	if evs := shipmentEvents(t, s, "sf", "SF0000001"); len(evs) != 0 {
		t.Fatalf("malformed events were stored: %s", show(evs))
	}
}

// Tasks (store.Logistics, package task): a row per task with its whole value, unique by id
// and by key, optimistic updates and a list by keyset, newest first.
var taskTests = []test{
	{name: "EveryFieldReadsBack", run: testTaskRoundTrip},
	{name: "ZeroTimesAreNow", clocked: testTaskDefaults},
	{name: "MalformedRefused", run: testTaskMalformed},
	{name: "TakenIDOrKeyConflicts", run: testTaskTaken},
	{name: "UpdateIsOptimistic", run: testTaskUpdate},
	{name: "ListFilters", run: testTaskListFilters},
	{name: "ListPagesStableUnderTies", run: testTaskPages},
	{name: "ListDefaultAndMaximumLimit", run: testTaskLimits},
	{name: "ListBadCursor", run: testTaskBadCursor},
}

// newTask is an open shipment-exception task (version 1) of merchant's case, made and
// updated at at.
func newTask(id, caseID, merchant string, at time.Time) task.Task {
	return task.Task{ID: id, Kind: task.ShipmentException, Rule: string(logistics.Stale),
		Key: "shipment/sf/SF-" + id + "/stale", State: task.Open, CaseID: caseID, Merchant: merchant,
		Title: task.Text{ZH: "物流长时间未更新", EN: "No carrier update"}, Version: 1, CreatedAt: at, UpdatedAt: at}
}

// insertTasks runs InsertTask for each of ts in one transaction.
func insertTasks(t *testing.T, s store.Store, ts ...task.Task) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for i := range ts {
			if err := tx.InsertTask(t.Context(), &ts[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustInsertTasks is insertTasks that must succeed.
func mustInsertTasks(t *testing.T, s store.Store, ts ...task.Task) {
	t.Helper()
	if err := insertTasks(t, s, ts...); err != nil {
		t.Fatalf("InsertTask: %v", err)
	}
}

// updateTask runs UpdateTask in its own transaction.
func updateTask(t *testing.T, s store.Store, tk task.Task) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateTask(t.Context(), &tk) })
}

// readTask returns a task by id.
func readTask(t *testing.T, s store.Store, id string) task.Task {
	t.Helper()
	var tk task.Task
	mustView(t, s, func(tx store.Tx) error {
		var err error
		tk, err = tx.Task(t.Context(), id)
		return err
	})
	return tk
}

// taskPage runs one ListTasks.
func taskPage(t *testing.T, s store.Store, q store.TaskQuery) (ts []task.Task, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ts, next, err = tx.ListTasks(t.Context(), q)
		return err
	})
	return ts, next
}

// allTasks follows ListTasks's cursors to the end.
func allTasks(t *testing.T, s store.Store, q store.TaskQuery) []task.Task {
	t.Helper()
	all := []task.Task{}
	for page := 0; ; page++ {
		if page > 2000 {
			t.Fatal("ListTasks: more than 2000 pages; the cursor does not advance")
		}
		ts, next := taskPage(t, s, q)
		all = append(all, ts...)
		if next == "" {
			return all
		}
		if q.Limit > 0 && len(ts) != q.Limit {
			t.Fatalf("ListTasks: page %d has %d tasks and a next cursor; want %d", page, len(ts), q.Limit)
		}
		q.Cursor = next
	}
}

// taskIDs are the ids of ts, in order.
func taskIDs(ts []task.Task) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}

// taskIDsOf sorts ts as ListTasks returns them and keeps the ids of those keep selects.
func taskIDsOf(ts []task.Task, keep func(task.Task) bool) []string {
	out := slices.Clone(ts)
	slices.SortFunc(out, func(a, b task.Task) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	ids := []string{}
	for _, tk := range out {
		if keep(tk) {
			ids = append(ids, tk.ID)
		}
	}
	return ids
}

func testTaskRoundTrip(t *testing.T, s store.Store) {
	at := func(m int) time.Time { return base.Add(time.Duration(m)*time.Minute + 999).In(shanghai) }
	utc := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	full := task.Task{ID: "t-1", Kind: task.ShipmentException, Rule: string(logistics.WrongAddress),
		Key: "shipment/sf/SF1234567890/wrong_address", State: task.Done, CaseID: "case-1", CaseNumber: "RMA-case-1",
		Merchant: "M-1", Customer: "C-1", Carrier: "sf", TrackingNo: "SF1234567890",
		Title: task.Text{ZH: "地址错误", EN: "Wrong address"}, Detail: "派送失败 — delivery failed", Assignee: "agent-7",
		DueAt: at(120), Note: "已联系买家 called the customer", DoneBy: "agent-7", DoneAt: at(90), Version: 1,
		CreatedAt: at(0), UpdatedAt: at(90)}
	bare := task.Task{ID: "t-2", Kind: task.FollowUp, Key: "follow-up/t-2", State: task.Open, Version: 1,
		CreatedAt: utc(1), UpdatedAt: utc(1)} // no case, merchant or assignee
	mustInsertTasks(t, s, full, bare)
	want := full
	want.DueAt, want.DoneAt, want.CreatedAt, want.UpdatedAt = utc(120), utc(90), utc(0), utc(90)
	if full.DueAt.Location() != shanghai {
		t.Fatal("InsertTask changed the caller's task")
	}
	wantEqual(t, "Task", readTask(t, s, "t-1"), want)
	wantEqual(t, "Task without case", readTask(t, s, "t-2"), bare)
	page, next := taskPage(t, s, store.TaskQuery{})
	wantEqual(t, "ListTasks", page, []task.Task{bare, want})
	if next != "" {
		t.Fatalf("ListTasks of two tasks: next %q", next)
	}

	// Reopened and reassigned: what the update drops is gone.
	upd := want
	upd.Version, upd.State, upd.Assignee, upd.Note, upd.DoneBy, upd.DoneAt, upd.UpdatedAt =
		2, task.Open, "agent-8", "", "", time.Time{}, utc(100)
	if err := updateTask(t, s, upd); err != nil {
		t.Fatalf("UpdateTask: %v", err)
	}
	wantEqual(t, "Task after UpdateTask", readTask(t, s, "t-1"), upd)
	wantEqual(t, "tasks of agent-8", taskIDs(allTasks(t, s, store.TaskQuery{Assignee: "agent-8"})), []string{"t-1"})

	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Task(t.Context(), "t-none")
		return err
	})
	wantErr(t, "Task of an unknown id", err, store.ErrNotFound)
}

func testTaskDefaults(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(time.Hour))
	tk := newTask("t-1", "case-1", "M-1", time.Time{})
	mustInsertTasks(t, s, tk)
	tk.CreatedAt, tk.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	wantEqual(t, "task inserted without times", readTask(t, s, "t-1"), tk)

	clk.Advance(time.Minute)
	tk.Version, tk.Assignee, tk.UpdatedAt = 2, "agent-7", time.Time{}
	if err := updateTask(t, s, tk); err != nil {
		t.Fatal(err)
	}
	tk.UpdatedAt = base.Add(time.Hour + time.Minute)
	wantEqual(t, "task updated without UpdatedAt", readTask(t, s, "t-1"), tk)
}

func testTaskMalformed(t *testing.T, s store.Store) {
	for _, m := range []struct {
		name   string
		change func(*task.Task)
	}{
		{"NotVersion1", func(tk *task.Task) { tk.Version = 2 }},
		{"UnknownState", func(tk *task.Task) { tk.State = "later" }},
		{"NoID", func(tk *task.Task) { tk.ID = "" }},
		{"NoKey", func(tk *task.Task) { tk.Key = "" }},
		{"NoKind", func(tk *task.Task) { tk.Kind = "" }},
	} {
		tk := newTask("t-1", "case-1", "M-1", base)
		m.change(&tk)
		err := insertTasks(t, s, tk)
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: InsertTask = %v; want an error that is none of the sentinels", m.name, err)
		}
	}
	if ts, _ := taskPage(t, s, store.TaskQuery{}); len(ts) != 0 {
		t.Fatalf("malformed tasks were stored: %s", show(ts))
	}
}

// A taken id or key is refused by the call itself, writes nothing and leaves the
// transaction usable: a rule that fires again opens no second task.
func testTaskTaken(t *testing.T, s store.Store) {
	ctx := t.Context()
	t1 := newTask("t-1", "case-1", "M-1", minute(0))
	mustInsertTasks(t, s, t1)
	sameID := newTask("t-1", "case-2", "M-2", minute(1))
	sameKey := newTask("t-2", "case-2", "M-2", minute(1))
	sameKey.Key = t1.Key
	for _, tk := range []task.Task{sameID, sameKey} {
		var refused error
		err := s.Update(ctx, func(tx store.Tx) error {
			refused = tx.InsertTask(ctx, &tk)
			return refused
		})
		wantErr(t, "InsertTask "+tk.ID+" "+tk.Key, refused, store.ErrConflict)
		wantErr(t, "Update", err, store.ErrConflict)
	}
	t3 := newTask("t-3", "case-3", "M-1", minute(2))
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "a taken id", tx.InsertTask(ctx, &sameID), store.ErrConflict)
		wantErr(t, "a taken key", tx.InsertTask(ctx, &sameKey), store.ErrConflict)
		if got, err := tx.Task(ctx, "t-1"); err != nil || got.CaseID != "case-1" {
			t.Fatalf("Task after the refusals = %s, %v", show(got), err)
		}
		return tx.InsertTask(ctx, &t3)
	})
	wantEqual(t, "tasks", taskIDs(allTasks(t, s, store.TaskQuery{})), []string{"t-3", "t-1"})
}

func testTaskUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	tk := newTask("t-1", "case-1", "M-1", minute(0))
	t2 := newTask("t-2", "case-2", "M-1", minute(0))
	mustInsertTasks(t, s, tk, t2)
	v2 := tk
	v2.Version, v2.Assignee, v2.UpdatedAt = 2, "agent-1", minute(1)
	if err := updateTask(t, s, v2); err != nil {
		t.Fatalf("UpdateTask to version 2: %v", err)
	}
	again := tk
	again.Version, again.State = 2, task.Done
	wantErr(t, "UpdateTask to version 2 again", updateTask(t, s, again), store.ErrConflict)
	ahead := v2
	ahead.Version = 4
	wantErr(t, "UpdateTask to version 4", updateTask(t, s, ahead), store.ErrConflict)
	unknown := v2
	unknown.ID = "t-none"
	wantErr(t, "UpdateTask of an unknown id", updateTask(t, s, unknown), store.ErrNotFound)
	wantEqual(t, "t-1", readTask(t, s, "t-1"), v2)

	// Refusals (the key of another task among them) leave the transaction usable.
	v3 := v2
	v3.Version, v3.State, v3.DoneBy, v3.DoneAt, v3.UpdatedAt = 3, task.Done, "agent-1", minute(2), minute(2)
	mustUpdate(t, s, func(tx store.Tx) error {
		stale := v2
		wantErr(t, "a stale version", tx.UpdateTask(ctx, &stale), store.ErrConflict)
		wantErr(t, "an unknown id", tx.UpdateTask(ctx, &unknown), store.ErrNotFound)
		taken := v3
		taken.Key = t2.Key
		wantErr(t, "the key of another task", tx.UpdateTask(ctx, &taken), store.ErrConflict)
		return tx.UpdateTask(ctx, &v3)
	})
	wantEqual(t, "t-1 at version 3", readTask(t, s, "t-1"), v3)
	wantEqual(t, "t-2", readTask(t, s, "t-2"), t2)
}

// taskWorld seeds tasks of two kinds, rules, states, assignees, cases and merchants, a
// minute or none apart.
func taskWorld(t *testing.T, s store.Store) []task.Task {
	t.Helper()
	rows := []struct {
		id       string
		kind     task.Kind
		rule     logistics.Rule
		state    task.State
		assignee string
		caseID   string
		merchant string
		at       int
	}{
		{"t-01", task.ShipmentException, logistics.Stale, task.Open, "", "case-1", "M-1", 0},
		{"t-02", task.ShipmentException, logistics.LostParcel, task.Done, "agent-1", "case-1", "M-1", 1},
		{"t-03", task.FollowUp, "", task.Open, "agent-1", "case-2", "M-2", 2},
		{"t-04", task.ShipmentException, logistics.WrongAddress, task.Open, "agent-2", "case-3", "M-2", 2},
		{"t-05", task.FollowUp, "", task.Done, "", "", "", 3},
		{"t-06", task.ShipmentException, logistics.Stale, task.Open, "agent-2", "case-4", "M-3", 4},
		{"t-07", task.ShipmentException, logistics.NotReceived, task.Open, "agent-1", "case-2", "M-2", 5},
		{"t-08", task.FollowUp, "", task.Open, "", "case-5", "M-1", 5},
	}
	ts := make([]task.Task, len(rows))
	for i, r := range rows {
		ts[i] = newTask(r.id, r.caseID, r.merchant, minute(r.at))
		ts[i].Kind, ts[i].Rule, ts[i].State, ts[i].Assignee = r.kind, string(r.rule), r.state, r.assignee
	}
	mustInsertTasks(t, s, ts...)
	return ts
}

func testTaskListFilters(t *testing.T, s store.Store) {
	world := taskWorld(t, s)
	all := func(task.Task) bool { return true }
	wantEqual(t, "every task, newest first", taskIDs(allTasks(t, s, store.TaskQuery{Limit: 500})), taskIDsOf(world, all))
	for _, f := range []struct {
		name string
		q    store.TaskQuery
		keep func(task.Task) bool
	}{
		{"Kind", store.TaskQuery{Kind: task.FollowUp}, func(tk task.Task) bool { return tk.Kind == task.FollowUp }},
		{"Rule", store.TaskQuery{Rule: string(logistics.Stale)}, func(tk task.Task) bool { return tk.Rule == string(logistics.Stale) }},
		{"State", store.TaskQuery{State: task.Done}, func(tk task.Task) bool { return tk.State == task.Done }},
		{"Assignee", store.TaskQuery{Assignee: "agent-1"}, func(tk task.Task) bool { return tk.Assignee == "agent-1" }},
		{"Case", store.TaskQuery{CaseID: "case-2"}, func(tk task.Task) bool { return tk.CaseID == "case-2" }},
		{"Merchant", store.TaskQuery{Merchant: "M-2"}, func(tk task.Task) bool { return tk.Merchant == "M-2" }},
		{"Merchants", store.TaskQuery{Merchants: []string{"M-1", "M-3", "M-9"}},
			func(tk task.Task) bool { return tk.Merchant == "M-1" || tk.Merchant == "M-3" }},
		{"MerchantsNone", store.TaskQuery{Merchants: []string{}}, func(task.Task) bool { return false }},
		{"Combined", store.TaskQuery{Kind: task.ShipmentException, State: task.Open, Merchants: []string{"M-2", "M-3"}},
			func(tk task.Task) bool {
				return tk.Kind == task.ShipmentException && tk.State == task.Open && tk.Merchant != "M-1" && tk.Merchant != ""
			}},
	} {
		t.Run(f.name, func(t *testing.T) {
			want := taskIDsOf(world, f.keep)
			if len(want) == len(world) || len(want) == 0 && f.name != "MerchantsNone" {
				t.Fatalf("the filter selects %d of %d tasks: the test proves nothing", len(want), len(world))
			}
			q := f.q
			q.Limit = 500
			wantEqual(t, "tasks on one page", taskIDs(allTasks(t, s, q)), want)
			q.Limit = 2
			wantEqual(t, "tasks over pages of 2", taskIDs(allTasks(t, s, q)), want)
		})
	}
	wantEqual(t, "Merchants nil: every task", taskIDs(allTasks(t, s, store.TaskQuery{Merchants: nil})),
		taskIDsOf(world, all))
}

func testTaskPages(t *testing.T, s store.Store) {
	// 120 tasks at four times, ids scrambled against the times and the states.
	var ts []task.Task
	for i := range 120 {
		tk := newTask(fmt.Sprintf("p-%03d", i*37%120), "case-1", "M-1", minute(i%4))
		if i%3 == 0 {
			tk.State = task.Done
		}
		ts = append(ts, tk)
	}
	mustInsertTasks(t, s, ts...)
	want := taskIDsOf(ts, func(task.Task) bool { return true })
	for _, limit := range []int{1, 7, 50, 119, 120, 121, 500} {
		t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
			wantEqual(t, "tasks over all pages", taskIDs(allTasks(t, s, store.TaskQuery{Limit: limit})), want)
		})
	}
	open := taskIDsOf(ts, func(tk task.Task) bool { return tk.State == task.Open })
	wantEqual(t, "open tasks over pages of 7", taskIDs(allTasks(t, s, store.TaskQuery{State: task.Open, Limit: 7})), open)

	// An update changes neither the order nor the pages: tasks list by creation.
	moved := ts[0]
	moved.Version, moved.UpdatedAt = 2, minute(60)
	if err := updateTask(t, s, moved); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "tasks after an update", taskIDs(allTasks(t, s, store.TaskQuery{Limit: 7})), want)
}

func testTaskLimits(t *testing.T, s store.Store) {
	ts := make([]task.Task, 501)
	for i := range ts {
		ts[i] = newTask(fmt.Sprintf("t-%03d", i), "case-1", "M-1", base)
	}
	mustInsertTasks(t, s, ts...)
	for _, l := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {500, 500}, {1000, 500}} {
		page, next := taskPage(t, s, store.TaskQuery{Limit: l.limit})
		if len(page) != l.want || next == "" {
			t.Fatalf("Limit %d: %d tasks and next %q; want %d and a next page", l.limit, len(page), next, l.want)
		}
	}
	if got := allTasks(t, s, store.TaskQuery{Limit: 500}); len(got) != 501 {
		t.Fatalf("pages of 500 hold %d tasks, want 501", len(got))
	}
}

func testTaskBadCursor(t *testing.T, s store.Store) {
	taskWorld(t, s)
	disputeWorld(t, s)
	_, disputeCursor := disputePage(t, s, store.DisputeQuery{Limit: 1})
	for _, cursor := range append(slices.Clone(otherCursors),
		disputeCursor, // a ListDisputes cursor
		b64("complaints/1741599000123456/k-01"),
		b64("notifications/12"),
		b64("tasks/soon/t-01"),
		b64("tasks/1741599000123456/"),
	) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListTasks(t.Context(), store.TaskQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListTasks with cursor %q", cursor), err, store.ErrBadCursor)
	}
}
