package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

// openCase is what the application's Apply does in its transaction: replay check, lock the
// order, number the case, hold the lines, store case, event, timer and outbox messages,
// record the idempotency key.
func openCase(ctx context.Context, tx store.Tx, orderNo, id string) error {
	if _, err := tx.Idempotency(ctx, "tok-bench", id); err == nil {
		return fmt.Errorf("key %s reused", id)
	}
	o, err := tx.Order(ctx, orderNo, true)
	if err != nil {
		return err
	}
	n, err := tx.NextCaseNumber(ctx)
	if err != nil {
		return err
	}
	c := testCase(id, orderNo, tx.Now())
	c.Number = fmt.Sprintf("AS%08d", n)
	c.Items[0].SKU = o.Items[1].SKU
	c.Items[0].PaidAmount = money.Yuan(1)
	c.ItemsPaid, c.RefundAmount = money.Yuan(1), money.Yuan(1)
	hs, _ := aftersale.Holdings(c)
	if err := tx.AdjustHoldings(ctx, orderNo, hs, nil); err != nil {
		return err
	}
	if err := tx.InsertCase(ctx, c, json.RawMessage(`{"eligible":true,"explanation":["七天无理由退货"]}`)); err != nil {
		return err
	}
	ev := aftersale.Event{Seq: 1, Action: aftersale.Apply, Actor: aftersale.Actor{Role: aftersale.Customer, ID: "c1"},
		To: aftersale.Requested, At: tx.Now(), PolicyVersion: c.PolicyVersion}
	if err := tx.AppendEvent(ctx, id, ev); err != nil {
		return err
	}
	if err := tx.ScheduleTimers(ctx, id, nil, c.Deadlines); err != nil {
		return err
	}
	if err := tx.Enqueue(ctx,
		store.OutboxMessage{Topic: "case.apply", Key: id, Payload: json.RawMessage(`{"case":"` + id + `"}`)},
		store.OutboxMessage{Topic: "notify.merchant", Key: id, Payload: json.RawMessage(`{"template":"case.apply"}`)},
	); err != nil {
		return err
	}
	return tx.PutIdempotency(ctx, store.IdempotencyRecord{Principal: "tok-bench", Key: id,
		RequestHash: []byte("0123456789abcdef0123456789abcdef"), Status: 201, Response: []byte(`{"id":"` + id + `"}`)})
}

// BenchmarkOpenCase measures case creations per second through the store alone, from many
// concurrent requests on distinct orders.
func BenchmarkOpenCase(b *testing.B) {
	db := MustOpen(b, store.Options{})
	ctx := context.Background()
	const orders = 2000
	o := testOrder("")
	o.Items[1].Quantity = 100000
	o.Items[1].PaidAmount = money.Yuan(100000000)
	o.Items[1].UnitPrice = money.Yuan(100000000)
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(ctx, "m1"); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(ctx, "c1"); err != nil {
			return err
		}
		for i := range orders {
			o.No = fmt.Sprintf("B%05d", i)
			if _, err := tx.UpsertOrder(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	prefix := rand.Text()[:8]
	var seq atomic.Int64
	b.SetParallelism(8) // × GOMAXPROCS goroutines, like concurrent HTTP requests
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			id := fmt.Sprintf("%s-%08d", prefix, n)
			orderNo := fmt.Sprintf("B%05d", n%orders)
			if err := db.Update(ctx, func(tx store.Tx) error { return openCase(ctx, tx, orderNo, id) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cases/s")
}
