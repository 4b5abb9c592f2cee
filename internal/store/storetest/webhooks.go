package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Webhooks (store.Webhooks): merchant systems' subscriptions, deleted by a mark that keeps
// their deliveries, and the log of deliveries, one per webhook and event.
var webhookTests = []test{
	{name: "EveryFieldReadsBack", clocked: testWebhookRoundTrip},
	{name: "TakenIDConflicts", run: testWebhookTaken},
	{name: "MalformedRefused", run: testWebhookMalformed},
	{name: "ListAndDelete", clocked: testWebhookListDelete},
	{name: "DeliveryEveryFieldReadsBack", clocked: testDeliveryRoundTrip},
	{name: "DeliveryInsertIsIdempotentPerEvent", run: testDeliveryIdempotent},
	{name: "DeliveryRefusals", run: testDeliveryRefusals},
	{name: "DeliveryUpdate", clocked: testDeliveryUpdate},
	{name: "DeliveriesNewestFirstAndLimits", run: testDeliveriesList},
	{name: "PruneDeliveriesDeletesOnlyLongEndedOnesOldestFirst", run: testPruneDeliveries},
}

// newWebhook is a webhook of merchant ("" the platform's) made at at.
func newWebhook(id, merchant string, at time.Time) store.Webhook {
	return store.Webhook{ID: id, Merchant: merchant, URL: "https://erp.example.com/hooks/" + id,
		Events: []string{"case.approve", "dispute.ruled"}, Secret: "whsec_" + id, CreatedBy: "user:u-1", CreatedAt: at}
}

// insertWebhooks runs InsertWebhook for each of ws in one transaction.
func insertWebhooks(t *testing.T, s store.Store, ws ...store.Webhook) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, w := range ws {
			if err := tx.InsertWebhook(t.Context(), w); err != nil {
				return err
			}
		}
		return nil
	})
}

// readWebhook returns a webhook by id.
func readWebhook(t *testing.T, s store.Store, id string) store.Webhook {
	t.Helper()
	var w store.Webhook
	mustView(t, s, func(tx store.Tx) error {
		var err error
		w, err = tx.Webhook(t.Context(), id)
		return err
	})
	return w
}

// listWebhooks returns the ids of ListWebhooks.
func listWebhooks(t *testing.T, s store.Store, merchant string) []string {
	t.Helper()
	ids := []string{}
	mustView(t, s, func(tx store.Tx) error {
		ws, err := tx.ListWebhooks(t.Context(), merchant)
		for _, w := range ws {
			ids = append(ids, w.ID)
		}
		return err
	})
	return ids
}

func testWebhookRoundTrip(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(time.Hour))
	full := newWebhook("wh-1", "M-1", base.Add(999).In(shanghai))
	full.Events = []string{"shipment.exception", "case.approve", "*"}         // kept in the order given
	bare := store.Webhook{ID: "wh-2", URL: "https://platform.example.com/in"} // the platform's, every event
	insertWebhooks(t, s, full, bare)
	want := full
	want.CreatedAt = base
	wantEqual(t, "Webhook", readWebhook(t, s, "wh-1"), want)
	bare.CreatedAt = base.Add(time.Hour) // a zero CreatedAt is the transaction's Now
	wantEqual(t, "Webhook without events", readWebhook(t, s, "wh-2"), bare)
	if full.CreatedAt.Location() != shanghai {
		t.Fatal("InsertWebhook changed the caller's webhook")
	}
	// An empty event list reads back nil, like none.
	empty := newWebhook("wh-3", "M-1", base)
	empty.Events = []string{}
	insertWebhooks(t, s, empty)
	empty.Events = nil
	wantEqual(t, "Webhook with an empty event list", readWebhook(t, s, "wh-3"), empty)
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Webhook(t.Context(), "wh-none")
		return err
	})
	wantErr(t, "Webhook of an unknown id", err, store.ErrNotFound)
}

// A taken id is refused by the call itself, writes nothing and leaves the transaction
// usable.
func testWebhookTaken(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWebhook("wh-1", "M-1", base)
	insertWebhooks(t, s, w)
	same := newWebhook("wh-1", "M-2", base.Add(time.Minute))
	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		refused = tx.InsertWebhook(ctx, same)
		return refused
	})
	wantErr(t, "InsertWebhook of a taken id", refused, store.ErrConflict)
	wantErr(t, "Update", err, store.ErrConflict)
	w2 := newWebhook("wh-2", "M-2", base.Add(time.Minute))
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "a taken id", tx.InsertWebhook(ctx, same), store.ErrConflict)
		return tx.InsertWebhook(ctx, w2)
	})
	wantEqual(t, "wh-1", readWebhook(t, s, "wh-1"), w)
	wantEqual(t, "webhooks", listWebhooks(t, s, ""), []string{"wh-1", "wh-2"})
}

func testWebhookMalformed(t *testing.T, s store.Store) {
	for _, w := range []store.Webhook{{URL: "https://x.example.com"}, {ID: "wh-1"}} {
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertWebhook(t.Context(), w) })
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("InsertWebhook %s = %v; want an error that is none of the sentinels", show(w), err)
		}
	}
	wantEqual(t, "webhooks after refusals", listWebhooks(t, s, ""), []string{})
}

// ListWebhooks lists active webhooks oldest first (ties by id), a merchant's or all;
// DeleteWebhook marks one deleted at Now(), once.
func testWebhookListDelete(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(24 * time.Hour))
	ctx := t.Context()
	insertWebhooks(t, s,
		newWebhook("wh-c", "M-1", minute(2)),
		newWebhook("wh-a", "", minute(1)),
		newWebhook("wh-d", "M-2", minute(0)),
		newWebhook("wh-b", "M-1", minute(2)),
		newWebhook("wh-e", "M-1", minute(3)),
	)
	wantEqual(t, "all webhooks", listWebhooks(t, s, ""), []string{"wh-d", "wh-a", "wh-b", "wh-c", "wh-e"})
	wantEqual(t, "M-1's webhooks", listWebhooks(t, s, "M-1"), []string{"wh-b", "wh-c", "wh-e"})
	wantEqual(t, "M-9's webhooks", listWebhooks(t, s, "M-9"), []string{})

	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.DeleteWebhook(ctx, "wh-c"); err != nil {
			return err
		}
		return tx.DeleteWebhook(ctx, "wh-a")
	})
	wantEqual(t, "all webhooks after deletes", listWebhooks(t, s, ""), []string{"wh-d", "wh-b", "wh-e"})
	wantEqual(t, "M-1's webhooks after deletes", listWebhooks(t, s, "M-1"), []string{"wh-b", "wh-e"})
	deleted := newWebhook("wh-c", "M-1", minute(2))
	deleted.DeletedAt = base.Add(24 * time.Hour)
	wantEqual(t, "a deleted webhook", readWebhook(t, s, "wh-c"), deleted)

	clk.Advance(time.Hour)
	for _, id := range []string{"wh-c", "wh-none"} {
		var refused error
		err := s.Update(ctx, func(tx store.Tx) error {
			refused = tx.DeleteWebhook(ctx, id)
			return refused
		})
		wantErr(t, "DeleteWebhook "+id, refused, store.ErrNotFound)
		wantErr(t, "Update", err, store.ErrNotFound)
	}
	wantEqual(t, "a webhook deleted twice keeps the first time", readWebhook(t, s, "wh-c").DeletedAt, base.Add(24*time.Hour))
}

// newDelivery is a pending delivery of an event to a webhook.
func newDelivery(webhookID, eventID string) store.WebhookDelivery {
	return store.WebhookDelivery{WebhookID: webhookID, EventID: eventID, Event: "case.approve",
		Payload: json.RawMessage(`{"event":"case.approve","id":"` + eventID + `"}`), State: store.DeliveryPending}
}

// insertDelivery runs InsertDelivery in its own transaction.
func insertDelivery(t *testing.T, s store.Store, d store.WebhookDelivery) (store.WebhookDelivery, bool) {
	t.Helper()
	var (
		stored   store.WebhookDelivery
		inserted bool
	)
	mustUpdate(t, s, func(tx store.Tx) error {
		var err error
		stored, inserted, err = tx.InsertDelivery(t.Context(), d)
		return err
	})
	return stored, inserted
}

// readDelivery returns a delivery by id.
func readDelivery(t *testing.T, s store.Store, id int64) store.WebhookDelivery {
	t.Helper()
	var d store.WebhookDelivery
	mustView(t, s, func(tx store.Tx) error {
		var err error
		d, err = tx.Delivery(t.Context(), id)
		return err
	})
	return d
}

// deliveries returns a webhook's deliveries.
func deliveries(t *testing.T, s store.Store, webhookID string, limit int) []store.WebhookDelivery {
	t.Helper()
	var ds []store.WebhookDelivery
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ds, err = tx.Deliveries(t.Context(), webhookID, limit)
		return err
	})
	return ds
}

func testDeliveryRoundTrip(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(time.Hour))
	insertWebhooks(t, s, newWebhook("wh-1", "M-1", base))
	// The payload is kept byte for byte, spacing and key order included: it was signed.
	full := store.WebhookDelivery{WebhookID: "wh-1", EventID: "ev-1", Event: "dispute.ruled",
		Payload: json.RawMessage(`{"z": 1,  "a" : ["中文", 2.50]}`), State: store.DeliveryFailed, Attempts: 3,
		StatusCode: 502, LastError: "bad gateway", NextAt: base.Add(2*time.Hour + 999).In(shanghai),
		CreatedAt: base.Add(999).In(shanghai), UpdatedAt: base.Add(30 * time.Minute)}
	got, inserted := insertDelivery(t, s, full)
	if !inserted || got.ID <= 0 {
		t.Fatalf("InsertDelivery = %s, %v; want a new delivery with an id", show(got), inserted)
	}
	want := full
	want.ID, want.NextAt, want.CreatedAt = got.ID, base.Add(2*time.Hour), base
	wantEqual(t, "the delivery stored", got, want)
	wantEqual(t, "the payload stored", string(got.Payload), string(full.Payload))
	wantEqual(t, "Delivery", readDelivery(t, s, got.ID), want)
	wantEqual(t, "the payload read", string(readDelivery(t, s, got.ID).Payload), string(full.Payload))

	// A zero state is pending; zero times are the transaction's Now; no payload is null.
	bare := store.WebhookDelivery{WebhookID: "wh-1", EventID: "ev-2", Event: "case.approve"}
	got2, inserted := insertDelivery(t, s, bare)
	if !inserted || got2.ID <= got.ID {
		t.Fatalf("InsertDelivery = %s, %v; want a new delivery with a higher id than %d", show(got2), inserted, got.ID)
	}
	wantBare := bare
	wantBare.ID, wantBare.State, wantBare.Payload = got2.ID, store.DeliveryPending, json.RawMessage("null")
	wantBare.CreatedAt, wantBare.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	wantEqual(t, "a delivery without state, times or payload", readDelivery(t, s, got2.ID), wantBare)

	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Delivery(t.Context(), 999999)
		return err
	})
	wantErr(t, "Delivery of an unknown id", err, store.ErrNotFound)
}

// A webhook has one delivery per event: a second insert returns the first, unchanged, with
// inserted false. Another webhook gets its own delivery of the same event.
func testDeliveryIdempotent(t *testing.T, s store.Store) {
	ctx := t.Context()
	insertWebhooks(t, s, newWebhook("wh-1", "M-1", base), newWebhook("wh-2", "", base))
	first, inserted := insertDelivery(t, s, newDelivery("wh-1", "ev-1"))
	if !inserted {
		t.Fatal("the first InsertDelivery: inserted false")
	}
	again := newDelivery("wh-1", "ev-1")
	again.Payload, again.Attempts, again.State = json.RawMessage(`{"other":true}`), 2, store.DeliveryFailed
	got, inserted := insertDelivery(t, s, again)
	if inserted {
		t.Fatal("InsertDelivery of an event delivered before: inserted true")
	}
	wantEqual(t, "the delivery returned for a repeated event", got, first)
	other, inserted := insertDelivery(t, s, newDelivery("wh-2", "ev-1"))
	if !inserted || other.ID == first.ID {
		t.Fatalf("InsertDelivery of the event to another webhook = %s, %v", show(other), inserted)
	}
	// In one transaction, repeated and new events side by side.
	mustUpdate(t, s, func(tx store.Tx) error {
		got, inserted, err := tx.InsertDelivery(ctx, again)
		if err != nil || inserted || got.ID != first.ID {
			t.Fatalf("InsertDelivery of a repeated event in a transaction = %s, %v, %v", show(got), inserted, err)
		}
		got, inserted, err = tx.InsertDelivery(ctx, newDelivery("wh-1", "ev-2"))
		if err != nil || !inserted {
			t.Fatalf("InsertDelivery of a new event after a repeated one = %s, %v, %v", show(got), inserted, err)
		}
		got2, inserted, err := tx.InsertDelivery(ctx, newDelivery("wh-1", "ev-2"))
		if err != nil || inserted || got2.ID != got.ID {
			t.Fatalf("InsertDelivery of an event inserted earlier in the transaction = %s, %v, %v", show(got2), inserted, err)
		}
		return nil
	})
	wantEqual(t, "deliveries of wh-1", len(deliveries(t, s, "wh-1", 0)), 2)
	wantEqual(t, "deliveries of wh-2", len(deliveries(t, s, "wh-2", 0)), 1)
}

// An unknown webhook is ErrNotFound, reported by the call; malformed deliveries are refused
// with an error that is none of the sentinels; the transaction stays usable.
func testDeliveryRefusals(t *testing.T, s store.Store) {
	ctx := t.Context()
	insertWebhooks(t, s, newWebhook("wh-1", "M-1", base))
	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		_, _, refused = tx.InsertDelivery(ctx, newDelivery("wh-none", "ev-1"))
		return refused
	})
	wantErr(t, "InsertDelivery to an unknown webhook", refused, store.ErrNotFound)
	wantErr(t, "Update", err, store.ErrNotFound)
	for _, m := range []struct {
		name   string
		change func(*store.WebhookDelivery)
	}{
		{"NoWebhook", func(d *store.WebhookDelivery) { d.WebhookID = "" }},
		{"NoEventID", func(d *store.WebhookDelivery) { d.EventID = "" }},
		{"UnknownState", func(d *store.WebhookDelivery) { d.State = "lost" }},
		{"NegativeAttempts", func(d *store.WebhookDelivery) { d.Attempts = -1 }},
		{"PayloadNotJSON", func(d *store.WebhookDelivery) { d.Payload = json.RawMessage("{not json") }},
	} {
		d := newDelivery("wh-1", "ev-1")
		m.change(&d)
		err := s.Update(ctx, func(tx store.Tx) error {
			_, _, err := tx.InsertDelivery(ctx, d)
			return err
		})
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExceeded) {
			t.Fatalf("%s: InsertDelivery = %v; want an error that is none of the sentinels", m.name, err)
		}
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		_, _, err := tx.InsertDelivery(ctx, newDelivery("wh-none", "ev-1"))
		wantErr(t, "an unknown webhook", err, store.ErrNotFound)
		_, inserted, err := tx.InsertDelivery(ctx, newDelivery("wh-1", "ev-1"))
		if err != nil || !inserted {
			t.Fatalf("InsertDelivery after a refusal: %v, %v", inserted, err)
		}
		return nil
	})
	wantEqual(t, "deliveries of wh-1", len(deliveries(t, s, "wh-1", 0)), 1)
}

func testDeliveryUpdate(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	ctx := t.Context()
	insertWebhooks(t, s, newWebhook("wh-1", "M-1", base))
	d, _ := insertDelivery(t, s, newDelivery("wh-1", "ev-1"))
	other, _ := insertDelivery(t, s, newDelivery("wh-1", "ev-2"))

	clk.Set(base.Add(time.Minute))
	failed := d
	failed.State, failed.Attempts, failed.StatusCode, failed.LastError = store.DeliveryPending, 1, 503, "unavailable"
	failed.NextAt, failed.UpdatedAt = base.Add(5*time.Minute+999).In(shanghai), time.Time{}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateDelivery(ctx, failed) })
	want := failed
	want.NextAt, want.UpdatedAt = base.Add(5*time.Minute), base.Add(time.Minute) // a zero UpdatedAt is Now
	wantEqual(t, "a delivery after a failed attempt", readDelivery(t, s, d.ID), want)

	clk.Set(base.Add(5 * time.Minute))
	done := want
	done.State, done.Attempts, done.StatusCode, done.LastError, done.NextAt = store.DeliveryDelivered, 2, 200, "", time.Time{}
	done.UpdatedAt = base.Add(5*time.Minute + time.Second)
	// Only the delivery's execution changes: what was sent stays as it was.
	changed := done
	changed.WebhookID, changed.EventID, changed.Event, changed.Payload = "wh-x", "ev-x", "x", json.RawMessage(`{}`)
	changed.CreatedAt = base.Add(time.Hour)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateDelivery(ctx, changed) })
	wantEqual(t, "a delivered delivery", readDelivery(t, s, d.ID), done)
	wantEqual(t, "the other delivery", readDelivery(t, s, other.ID), other)

	unknown := done
	unknown.ID = 999999
	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		refused = tx.UpdateDelivery(ctx, unknown)
		return refused
	})
	wantErr(t, "UpdateDelivery of an unknown id", refused, store.ErrNotFound)
	wantErr(t, "Update", err, store.ErrNotFound)
	bad := done
	bad.State = "lost"
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateDelivery(ctx, bad) })
	if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExceeded) {
		t.Fatalf("UpdateDelivery to an unknown state = %v; want an error that is none of the sentinels", err)
	}
	wantEqual(t, "the delivery after refusals", readDelivery(t, s, d.ID), done)
}

func testDeliveriesList(t *testing.T, s store.Store) {
	insertWebhooks(t, s, newWebhook("wh-1", "M-1", base), newWebhook("wh-2", "M-2", base))
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range 501 {
			for _, wh := range []string{"wh-1", "wh-2"} {
				if i >= 3 && wh == "wh-2" {
					continue
				}
				if _, _, err := tx.InsertDelivery(t.Context(), newDelivery(wh, fmt.Sprintf("ev-%03d", i))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	eventIDs := func(ds []store.WebhookDelivery) []string {
		out := []string{}
		for _, d := range ds {
			out = append(out, d.EventID)
		}
		return out
	}
	wantEqual(t, "deliveries of wh-2", eventIDs(deliveries(t, s, "wh-2", 0)), []string{"ev-002", "ev-001", "ev-000"})
	wantEqual(t, "deliveries of wh-1, 3 of them", eventIDs(deliveries(t, s, "wh-1", 3)), []string{"ev-500", "ev-499", "ev-498"})
	for _, l := range []struct{ limit, want int }{{0, 100}, {-1, 100}, {1, 1}, {500, 500}, {1000, 500}} {
		ds := deliveries(t, s, "wh-1", l.limit)
		if len(ds) != l.want {
			t.Fatalf("Deliveries with limit %d: %d, want %d", l.limit, len(ds), l.want)
		}
		for i := 1; i < len(ds); i++ {
			if ds[i].ID >= ds[i-1].ID {
				t.Fatalf("Deliveries with limit %d: ids %d then %d; want newest (highest) first", l.limit, ds[i-1].ID, ds[i].ID)
			}
		}
	}
	wantEqual(t, "deliveries of an unknown webhook", len(deliveries(t, s, "wh-none", 0)), 0)

	// A deleted webhook's deliveries are kept.
	mustUpdate(t, s, func(tx store.Tx) error { return tx.DeleteWebhook(t.Context(), "wh-2") })
	wantEqual(t, "deliveries of a deleted webhook", len(deliveries(t, s, "wh-2", 0)), 3)
}

// testPruneDeliveries: deliveries that ended an hour apart (delivered, failed) are pruned
// longest ended first up to the limit; a pending one (being retried) is kept however old.
func testPruneDeliveries(t *testing.T, s store.Store) {
	insertWebhooks(t, s, newWebhook("wh-1", "M-1", base))
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	for i, d := range []store.WebhookDelivery{
		{EventID: "ev-0", State: store.DeliveryDelivered, UpdatedAt: at(0)},
		{EventID: "ev-1", State: store.DeliveryFailed, UpdatedAt: at(1)},
		{EventID: "ev-2", State: store.DeliveryPending, NextAt: at(100), UpdatedAt: at(0)},
		{EventID: "ev-3", State: store.DeliveryDelivered, UpdatedAt: at(3)},
	} {
		d.WebhookID, d.Event, d.Payload, d.CreatedAt = "wh-1", "case.approve", json.RawMessage(`{}`), base.Add(time.Duration(i)*time.Minute)
		insertDelivery(t, s, d)
	}
	cut := at(2) // after ev-0 and ev-1 ended, before ev-3
	if n := prune(t, s, store.Tx.PruneDeliveries, cut, 0); n != 0 {
		t.Fatalf("a limit of 0 pruned %d", n)
	}
	if n := prune(t, s, store.Tx.PruneDeliveries, cut, 1); n != 1 {
		t.Fatalf("pruned %d with a limit of 1, want 1", n)
	}
	if got := deliveries(t, s, "wh-1", 10); len(got) != 3 || slices.ContainsFunc(got, func(d store.WebhookDelivery) bool { return d.EventID == "ev-0" }) {
		t.Fatalf("after pruning one: %d deliveries, want ev-0 (the longest ended) gone", len(got))
	}
	if n := prune(t, s, store.Tx.PruneDeliveries, cut, 10); n != 1 {
		t.Fatalf("pruned %d more ended before %v, want 1 (ev-1)", n, cut)
	}
	if n := prune(t, s, store.Tx.PruneDeliveries, at(1000), 10); n != 1 {
		t.Fatalf("pruned %d ended before %v, want 1 (ev-3; ev-2 is pending)", n, at(1000))
	}
	if got := deliveries(t, s, "wh-1", 10); len(got) != 1 || got[0].EventID != "ev-2" {
		t.Fatalf("after pruning: %v, want the pending ev-2", got)
	}
}
