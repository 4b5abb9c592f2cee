package scheduler_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
)

// TestBenchTimers is the timer benchmark of docs/PERFORMANCE.md, run only with
// AFTERSALES_BENCH_TIMERS=1 (PostgreSQL also needs AFTERSALES_TEST_DATABASE_URL):
//
//	AFTERSALES_BENCH_TIMERS=1 go test ./internal/scheduler -run TestBenchTimers -v -timeout 30m
//
// On each store: 1,000,000 pending timers, of which 5,000 fall due each second for 20 s and
// the rest in the following month. The scheduler (the real claim loop, leases and sleeps,
// default settings) runs with a minimal Firer that only marks the timer fired in its own
// transaction: a full case transition costs about a millisecond of CPU (see
// TestMultiReplicaExactlyOnce), so 5,000 of them a second are far beyond a 2-core machine;
// this measures the scheduling mechanism. It reports:
//   - the scheduler's CPU share while nothing is due (30 s with 1M pending, none due), read
//     from the process's CPU time (getrusage), and the database's for its queries;
//   - the firing lag (due time → the timer row marked fired, in the firing transaction) p50,
//     p99 and max, and the throughput;
//   - the plans of the due-timer claim and of the next-due query.
//
// AFTERSALES_BENCH_PENDING, _RATE, _SECONDS, _IDLE, _BATCH and _WORKERS change the sizes.
func TestBenchTimers(t *testing.T) {
	if os.Getenv("AFTERSALES_BENCH_TIMERS") == "" {
		t.Skip("the timer benchmark runs with AFTERSALES_BENCH_TIMERS=1 (docs/PERFORMANCE.md)")
	}
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) { e2eBenchTimers(t, b) })
	}
}

// e2eBenchParams are the benchmark's sizes.
type e2eBenchParams struct {
	pending, rate, seconds int
	idle                   time.Duration
	batch, workers         int
}

func e2eBenchEnv(name string, def int) int {
	if v := os.Getenv("AFTERSALES_BENCH_" + name); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return def
}

func e2eBenchTimers(t *testing.T, b e2eBackend) {
	p := e2eBenchParams{pending: e2eBenchEnv("PENDING", 1_000_000), rate: e2eBenchEnv("RATE", 5_000),
		seconds: e2eBenchEnv("SECONDS", 20), idle: time.Duration(e2eBenchEnv("IDLE", 30)) * time.Second,
		batch: e2eBenchEnv("BATCH", 0), workers: e2eBenchEnv("WORKERS", 0)}
	due := p.rate * p.seconds
	if due > p.pending {
		t.Fatalf("%d due timers, more than the %d pending", due, p.pending)
	}
	ctx := context.Background()

	// The store's clock: the wall clock moved by off (set below), so that the timers fall
	// due at the chosen moments after the setup, whatever it took.
	var off atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(off.Load())) }
	st, where := b.open(t, clock)

	// One case for the timers to belong to; its own timers are cancelled.
	a := e2eNewApp(t, st, clock, nil, nil)
	e2eOrder(t, a, "BENCH-1", "slow", true)
	c := e2eApply(t, a, "BENCH-1", aftersale.ReturnRefund)

	base := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second) // the first due time
	start := time.Now()
	raw := e2eBenchInsert(t, b.name, where, c.ID, p, base)
	inserted := time.Since(start)
	t.Logf("%s: %d pending timers stored in %v (%d due at %d/s from the first due time, the rest over the next month)",
		b.name, p.pending, inserted.Round(time.Millisecond), due, p.rate)
	for _, pl := range raw.plans(t, base.Add(time.Second)) {
		t.Logf("%s plan:\n%s", b.name, pl)
	}

	// The scheduler, idle: the clock stands idle+3 s before the first due time.
	off.Store(int64(base.Add(-p.idle - 3*time.Second).Sub(time.Now())))
	logs := &e2eLog{}
	sched := scheduler.New(scheduler.Config{Store: st, Firer: e2eMarkFirer{st}, Owner: "bench", Now: clock,
		Batch: p.batch, Workers: p.workers, Logger: e2eLogger(logs)})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = sched.Run(runCtx) }()
	defer func() { stop(); <-done }()
	time.Sleep(time.Second) // the first look, and the sleep until the next due time
	cpu0, dbSince := e2eSelfCPU(), raw.cpu()
	time.Sleep(p.idle)
	idleCPU, idleDB := e2eSelfCPU()-cpu0, dbSince()
	t.Logf("%s: idle for %v with %d pending, none due: scheduler process CPU %v (%.3f%% of a core); database CPU for its queries %v (%.3f%% of a core)",
		b.name, p.idle, p.pending, idleCPU.Round(time.Microsecond), 100*idleCPU.Seconds()/p.idle.Seconds(),
		idleDB.Round(time.Millisecond), 100*idleDB.Seconds()/p.idle.Seconds())

	// Firing: rate a second for seconds, then until every due timer has fired.
	cpu0, dbSince = e2eSelfCPU(), raw.cpu()
	deadline := base.Add(time.Duration(p.seconds)*time.Second + 2*time.Minute)
	for raw.fired(t) < due {
		if clock().After(deadline) {
			t.Fatalf("%d of %d fired two minutes after the last was due\n%s", raw.fired(t), due, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	<-done
	fireCPU, fireDB := e2eSelfCPU()-cpu0, dbSince()
	lags := raw.lags(t)
	s := e2eStats(lags)
	first, last := raw.span(t)
	t.Logf("%s: %d fired; lag p50 %v, p90 %v, p99 %v, max %v; %.0f firings/s over %v; CPU while firing: scheduler %v, database %v",
		b.name, len(lags), s.p50, s.p90, s.p99, s.max, float64(len(lags))/last.Sub(first).Seconds(),
		last.Sub(first).Round(time.Millisecond), fireCPU.Round(time.Millisecond), fireDB.Round(time.Millisecond))
	if n := raw.count(t, `SELECT count(*) FROM timers WHERE state = 'pending'`); n != p.pending-due {
		t.Errorf("%d timers pending after the run, want %d", n, p.pending-due)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the scheduler logged errors:\n%.4000s", logs.String())
	}
}

// e2eMarkFirer is the benchmark's Firer: it marks the timer fired in a transaction of its
// own and does nothing else.
type e2eMarkFirer struct{ st store.Store }

func (f e2eMarkFirer) FireTimer(ctx context.Context, owner string, t store.Timer) (bool, error) {
	err := f.st.Update(ctx, func(tx store.Tx) error { return tx.FinishTimer(ctx, t.ID, owner, store.TimerFired) })
	return err == nil, err
}

// e2eBenchDB is the benchmark's direct access to the database, behind the store's back.
type e2eBenchDB struct {
	kind string
	pg   *pgx.Conn
	lite *sql.DB
}

// e2eBenchInsert stores the pending timers of case caseID and returns direct access to
// the database: COPY on PostgreSQL, one transaction of prepared INSERTs on SQLite.
func e2eBenchInsert(t *testing.T, kind, where, caseID string, p e2eBenchParams, base time.Time) *e2eBenchDB {
	t.Helper()
	ctx := context.Background()
	due := p.rate * p.seconds
	rest := p.pending - due
	dueAt := func(i int) time.Time {
		if i < due {
			return base.Add(time.Duration(i) * time.Second / time.Duration(p.rate))
		}
		// The rest: from an hour after the first due time, over 30 days.
		return base.Add(time.Hour + time.Duration(i-due)*(30*24*time.Hour/time.Duration(max(rest, 1))))
	}
	id := func(i int) string { return fmt.Sprintf("tmr_bench_%07d", i) }
	now := time.Now().UTC()
	db := &e2eBenchDB{kind: kind}
	if kind == "postgres" {
		conn, err := pgx.Connect(ctx, where)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		db.pg = conn
		if _, err := conn.Exec(ctx, `UPDATE timers SET state = 'cancelled' WHERE state = 'pending'`); err != nil {
			t.Fatal(err)
		}
		i := 0
		n, err := conn.CopyFrom(ctx, pgx.Identifier{"timers"},
			[]string{"id", "case_id", "kind", "due_at", "state", "created_at", "updated_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i >= p.pending {
					return nil, nil
				}
				i++
				return []any{id(i - 1), caseID, "merchant_response", dueAt(i - 1), "pending", now, now}, nil
			}))
		if err != nil || int(n) != p.pending {
			t.Fatalf("copy timers: %d, %v", n, err)
		}
		if _, err := conn.Exec(ctx, `ANALYZE timers`); err != nil {
			t.Fatal(err)
		}
		return db
	}
	lite, err := sql.Open("sqlite", "file:"+where+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lite.Close() })
	lite.SetMaxOpenConns(1)
	db.lite = lite
	tx, err := lite.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE timers SET state = 'cancelled' WHERE state = 'pending'`); err != nil {
		t.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
		VALUES (?, ?, 'merchant_response', ?, 'pending', ?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	us := now.UnixMicro()
	for i := range p.pending {
		if _, err := stmt.Exec(id(i), caseID, dueAt(i).UnixMicro(), us, us); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := lite.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return db
}

func (db *e2eBenchDB) count(t *testing.T, q string) (n int) {
	t.Helper()
	var err error
	if db.pg != nil {
		err = db.pg.QueryRow(context.Background(), q).Scan(&n)
	} else {
		err = db.lite.QueryRow(q).Scan(&n)
	}
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (db *e2eBenchDB) fired(t *testing.T) int {
	return db.count(t, `SELECT count(*) FROM timers WHERE state = 'fired'`)
}

// lags are the fired timers' lateness: the firing transaction's time (updated_at) against
// the due time.
func (db *e2eBenchDB) lags(t *testing.T) []time.Duration {
	t.Helper()
	if db.pg != nil {
		return e2eLags(t, db.pg, `SELECT updated_at - due_at FROM timers WHERE state = 'fired'`)
	}
	rows, err := db.lite.Query(`SELECT updated_at - due_at FROM timers WHERE state = 'fired'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ds []time.Duration
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Duration(us)*time.Microsecond)
	}
	return ds
}

// span is the first due time and the last firing of the fired timers.
func (db *e2eBenchDB) span(t *testing.T) (first, last time.Time) {
	t.Helper()
	const q = `SELECT min(due_at), max(updated_at) FROM timers WHERE state = 'fired'`
	if db.pg != nil {
		if err := db.pg.QueryRow(context.Background(), q).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		return first, last
	}
	var a, b int64
	if err := db.lite.QueryRow(q).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	return time.UnixMicro(a), time.UnixMicro(b)
}

// cpu reads the CPU time of the PostgreSQL backends serving this database (those of the
// store's pool; the benchmark's own connection left out): cpu()() later is what they used
// in between, backends opened meanwhile included. Always 0 on SQLite, which runs inside
// the scheduler's process and is counted there.
func (db *e2eBenchDB) cpu() func() time.Duration {
	read := func() map[int]int64 {
		m := map[int]int64{}
		if db.pg == nil {
			return m
		}
		rows, err := db.pg.Query(context.Background(), `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)
		if err != nil {
			return m
		}
		var pids []int
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) == nil {
				pids = append(pids, pid)
			}
		}
		rows.Close()
		for _, pid := range pids {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			s := string(b)
			f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
			if len(f) < 13 {
				continue
			}
			u, _ := strconv.ParseInt(f[11], 10, 64)
			k, _ := strconv.ParseInt(f[12], 10, 64)
			m[pid] = u + k
		}
		return m
	}
	before := read()
	return func() time.Duration {
		var ticks int64
		for pid, t := range read() {
			ticks += t - before[pid]
		}
		return time.Duration(ticks) * (time.Second / 100) // USER_HZ
	}
}

// The scheduler's two queries on the timers, as the stores send them (internal/store/…/
// timers.go: claimTimersSQL, nextTimerDueSQL), for their plans.
const (
	e2ePGClaimSQL = `
UPDATE timers SET lease_owner = $1, lease_until = $3, updated_at = $2
WHERE id = ANY (ARRAY(
    SELECT id FROM timers
    WHERE state = 'pending' AND due_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY due_at LIMIT $4
    FOR UPDATE SKIP LOCKED))
RETURNING id, case_id, kind, due_at, attempts, lease_owner, lease_until, last_error`
	e2ePGNextSQL      = `SELECT min(greatest(due_at, coalesce(lease_until, due_at))) FROM timers WHERE state = 'pending'`
	e2eSQLiteClaimSQL = `
UPDATE timers SET lease_owner = ?, lease_until = ?, updated_at = ?
WHERE id IN (
    SELECT id FROM timers
    WHERE state = 'pending' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
    ORDER BY due_at LIMIT ?)
RETURNING id, case_id, kind, due_at, attempts, lease_owner, lease_until, last_error`
	e2eSQLiteNextSQL = `SELECT min(max(due_at, coalesce(lease_until, due_at))) FROM timers WHERE state = 'pending'`
)

// plans explains the claim (at now, 100 timers) and the next-due query. On PostgreSQL the
// claim runs (EXPLAIN ANALYZE, generic plan as the store's connections use) in a
// transaction that is rolled back.
func (db *e2eBenchDB) plans(t *testing.T, now time.Time) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	if db.pg != nil {
		tx, err := db.pg.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		for _, q := range []struct{ name, sql, args string }{
			{"claim (ClaimTimers)", e2ePGClaimSQL, fmt.Sprintf("'bench', '%s', '%s', 100", now.Format(time.RFC3339Nano), now.Add(30*time.Second).Format(time.RFC3339Nano))},
			{"next due (NextTimerDue)", e2ePGNextSQL, ""},
		} {
			for _, stmt := range []string{
				"SET LOCAL plan_cache_mode = force_generic_plan",
				"PREPARE e2e_q AS " + q.sql,
			} {
				if _, err := tx.Exec(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			exec := "EXECUTE e2e_q"
			if q.args != "" {
				exec += "(" + q.args + ")"
			}
			rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+exec)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for rows.Next() {
				var l string
				if err := rows.Scan(&l); err != nil {
					t.Fatal(err)
				}
				lines = append(lines, l)
			}
			rows.Close()
			if _, err := tx.Exec(ctx, "DEALLOCATE e2e_q"); err != nil {
				t.Fatal(err)
			}
			out = append(out, q.name+":\n"+strings.Join(lines, "\n"))
		}
		return out
	}
	us := now.UnixMicro()
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"claim (ClaimTimers)", e2eSQLiteClaimSQL, []any{"bench", us + 30e6, us, us, us, 100}},
		{"next due (NextTimerDue)", e2eSQLiteNextSQL, nil},
	} {
		rows, err := db.lite.Query("EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%d %d %s", id, parent, detail))
		}
		rows.Close()
		out = append(out, q.name+":\n"+strings.Join(lines, "\n"))
	}
	return out
}

// e2eLogger logs warnings and errors to l.
func e2eLogger(l *e2eLog) *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
