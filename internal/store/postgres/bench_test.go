package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/storetest"
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

// bigOrder is an order whose line B is enough for any number of cases.
func bigOrder(no string) order.Order {
	o := testOrder(no)
	o.Items[1].Quantity = 100000
	o.Items[1].PaidAmount = money.Yuan(100000000)
	o.Items[1].UnitPrice = money.Yuan(100000000)
	return o
}

// BenchmarkOpenCase measures case creations per second through the store alone, from many
// concurrent requests on distinct orders.
func BenchmarkOpenCase(b *testing.B) {
	db := MustOpen(b, store.Options{})
	ctx := context.Background()
	const orders = 2000
	o := bigOrder("")
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
	cpu := startCPU(b, db)
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
	cpu.report(b)
}

// cpuMeter measures the CPU time the benchmark spends in this process and in the
// database's server processes of its connections, which a machine shared with other work
// disturbs far less than throughput.
type cpuMeter struct {
	db        *DB
	goStart   time.Duration
	pgStart   time.Duration
	walStart  string
	available bool
}

func startCPU(b *testing.B, db *DB) *cpuMeter {
	m := &cpuMeter{db: db}
	m.goStart = processCPU()
	m.pgStart, m.available = m.serverCPU()
	m.walStart = m.wal()
	return m
}

// wal is the server's WAL position (the whole server's: only this benchmark should write).
func (m *cpuMeter) wal() string {
	var lsn string
	if err := m.db.pool.QueryRow(context.Background(), `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		return ""
	}
	return lsn
}

func (m *cpuMeter) report(b *testing.B) {
	goCPU := processCPU() - m.goStart
	b.ReportMetric(float64(goCPU.Microseconds())/float64(b.N), "µs-go-cpu/op")
	if pg, ok := m.serverCPU(); ok && m.available {
		b.ReportMetric(float64((pg-m.pgStart).Microseconds())/float64(b.N), "µs-pg-cpu/op")
	}
	var bytes float64
	if end := m.wal(); m.walStart != "" && end != "" &&
		m.db.pool.QueryRow(context.Background(), `SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)`, end, m.walStart).Scan(&bytes) == nil {
		b.ReportMetric(bytes/float64(b.N), "wal-B/op")
	}
}

// serverCPU sums the CPU time of the server processes behind the pool's connections (read
// from /proc: only when the server runs on this machine).
func (m *cpuMeter) serverCPU() (time.Duration, bool) {
	conns := m.db.pool.AcquireAllIdle(context.Background())
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	var total time.Duration
	for _, c := range conns {
		d, ok := procCPU(int(c.Conn().PgConn().PID()))
		if !ok {
			return 0, false
		}
		total += d
	}
	return total, true
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user and system time of process pid, from /proc/pid/stat.
func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * (time.Second / 100), true // USER_HZ
}

// roundTrips counts the statements and batches pgx sends: with every statement prepared
// already (after a first run), each is one round trip to the server.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// Opening a case is four round trips (and a fifth for every caseNumberBlock cases): the
// idempotency check with BEGIN, the order's locked lines, the holdings, and the case, its
// event, timers, outbox messages and idempotency record with COMMIT. An action is five,
// a View one per query.
func TestOpeningACaseTakesFourRoundTrips(t *testing.T) {
	rt := &roundTrips{}
	db := mustOpenConfig(t, store.Options{}, func(cfg *pgxpool.Config) { cfg.ConnConfig.Tracer = rt })
	o := bigOrder("O1")
	seed(t, db, o)
	ctx := context.Background()
	run := func(id string) int64 {
		before := rt.n.Load()
		if err := db.Update(ctx, func(tx store.Tx) error { return openCase(ctx, tx, o.No, id) }); err != nil {
			t.Fatal(err)
		}
		return rt.n.Load() - before
	}
	run("warm-up") // prepares the statements and takes a block of case numbers
	if n := run("k1"); n != 4 {
		t.Errorf("opening a case took %d round trips, want 4", n)
	}
	// An action on a case: check the key, lock the order, adjust holdings, update the
	// case, then event, timers, outbox and key with COMMIT.
	before := rt.n.Load()
	err := db.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Idempotency(ctx, "tok-bench", "act-1"); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		r, err := tx.Case(ctx, "k1")
		if err != nil {
			return err
		}
		if _, err := tx.Order(ctx, o.No, true); err != nil {
			return err
		}
		c := r.Case
		c.Version, c.State = 2, aftersale.Approved
		if err := tx.UpdateCase(ctx, &c); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, c.ID, aftersale.Event{Seq: 2, Action: aftersale.Approve, From: aftersale.Requested, To: aftersale.Approved, At: tx.Now()}); err != nil {
			return err
		}
		if err := tx.ScheduleTimers(ctx, c.ID, []aftersale.DeadlineKind{aftersale.MerchantResponse}, nil); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "case.approve", Key: c.ID, Payload: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		return tx.PutIdempotency(ctx, store.IdempotencyRecord{Principal: "tok-bench", Key: "act-1", RequestHash: []byte{1}, Status: 200, Response: []byte(`{}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := rt.n.Load() - before; n != 5 {
		t.Errorf("an action took %d round trips, want 5", n)
	}
	// A View of one query (a token lookup per request) is one round trip.
	before = rt.n.Load()
	err = db.View(ctx, func(tx store.Tx) error {
		_, err := tx.TokenByHash(ctx, []byte("no such token"))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := rt.n.Load() - before; n != 1 {
		t.Errorf("a View of one query took %d round trips, want 1", n)
	}
}

// BenchmarkUpdateCase is a life cycle's case updates, a transaction each (storetest).
//
//	AFTERSALES_TEST_DATABASE_URL=… go test ./internal/store/postgres -run '^$' -bench UpdateCase -count 5
func BenchmarkUpdateCase(b *testing.B) {
	db := MustOpen(b, store.Options{})
	storetest.BenchUpdateCase(b, db, 20_000, func() func() {
		cpu := startCPU(b, db)
		return func() { cpu.report(b) }
	})
}

// BenchmarkRiskFeatures is the risk score's read of a customer's history in every
// application (RiskFeatures, riskHistory = 100 recent orders and cases), for a customer of
// 10, 100 and 1,000 orders, a case on each and six events a case.
//
//	AFTERSALES_TEST_DATABASE_URL=… go test ./internal/store/postgres -run '^$' -bench RiskFeatures
func BenchmarkRiskFeatures(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("history=%d", n), func(b *testing.B) {
			db := MustOpen(b, store.Options{})
			ctx := context.Background()
			seedRiskHistory(b, db, n)
			since := time.Now().Add(-90 * 24 * time.Hour)
			var f risk.Features
			cpu := startCPU(b, db)
			for b.Loop() {
				err := db.View(ctx, func(tx store.Tx) error {
					var err error
					f, err = tx.RiskFeatures(ctx, "c1", since, 7, 100)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
			if want := min(n, 100); f.Orders != want || f.Cases != want {
				b.Fatalf("features %+v, want %d orders and cases", f, want)
			}
		})
	}
}

// seedRiskHistory stores customer c1 with n orders of two lines, a case on each (a third of
// them refund-only), six events a case, the fourth an inspection failure in one case of ten.
func seedRiskHistory(tb testing.TB, db *DB, n int) {
	tb.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO merchants (code, created_at) VALUES ('m1', now())`,
		`INSERT INTO customers (id, phone, phone_last4, address, created_at) VALUES ('c1', '13800000000', '0000', '上海市徐汇区漕溪北路1号', now())`,
		`INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee, freight_insurance, paid_at, created_at, updated_at)
		 SELECT 'O-' || lpad(g::text, 6, '0'), 'm1', 'c1', 'CNY', 'online', 0, false, now() - (g || ' hours')::interval, now(), now()
		 FROM generate_series(1, $1::int) g`,
		`INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount)
		 SELECT order_no, sku, 'item', 'home', 2, 5000, CASE WHEN sku = 'A' THEN 10000 ELSE 9000 END FROM orders, (VALUES ('A'), ('B')) s (sku)`,
		`INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state, version, priority, sla, data, decision, created_at, updated_at)
		 SELECT 'k-' || lpad(g::text, 6, '0'), 'AS' || lpad(g::text, 8, '0'), 'O-' || lpad(g::text, 6, '0'), 'm1', 'c1',
		     CASE WHEN g % 3 = 0 THEN 'refund_only' ELSE 'return_refund' END, 'no_reason', 'completed', 6, 'normal', '', '{}', 'null',
		     now() - (g || ' hours')::interval + interval '1 minute', now()
		 FROM generate_series(1, $1::int) g`,
		`INSERT INTO case_items (case_id, sku, quantity, paid_amount) SELECT id, 'B', 1, 4500 FROM cases`,
		`INSERT INTO case_events (case_id, seq, action, actor_role, actor_id, from_state, to_state, at, note, data)
		 SELECT c.id, s, 'act', 'merchant', 'm', 'x', CASE WHEN s = 4 AND c.id LIKE '%7' THEN 'inspection_failed' ELSE 'y' END, now(), 'note', '{}'
		 FROM cases c, generate_series(1, 6) s`,
		`ANALYZE`,
	} {
		var err error
		if strings.Contains(q, "$1") {
			_, err = db.pool.Exec(ctx, q, n)
		} else {
			_, err = db.pool.Exec(ctx, q)
		}
		if err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}
