// Package postgres is the PostgreSQL store: production and scale-out, several stateless
// replicas sharing one database. It implements store.Store with pgx and hand-written SQL,
// one file per entity. The SQL stays within what PostgreSQL-compatible distributed
// databases accept where it can (DESIGN.md §6): row locks and sequences, no advisory locks.
package postgres

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersales/aftersales/internal/store"
)

// DB is a PostgreSQL store. It is safe for concurrent use.
type DB struct {
	pool    *pgxpool.Pool
	now     func() time.Time
	numbers caseNumbers
}

var _ store.Store = (*DB)(nil)

// Open connects to the database at url (a postgres:// URL or key=value string; pool
// settings such as pool_max_conns and server settings such as plan_cache_mode are read
// from it) and applies pending migrations.
func Open(ctx context.Context, url string, opts store.Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgxpool's default, max(4, cores), starves a server whose requests each wait
		// on a few round trips: on two cores 4 connections gave about three quarters
		// of the cases per second of 16, for more CPU per case (BenchmarkOpenCase).
		cfg.MaxConns = int32(max(16, 4*runtime.GOMAXPROCS(0)))
	}
	return open(ctx, cfg, opts)
}

func open(ctx context.Context, cfg *pgxpool.Config, opts store.Options) (*DB, error) {
	_, planModeSet := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// Times come back in UTC, as the store's clock writes them.
		c.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		if !planModeSet {
			// Every statement is prepared once per connection (pgx's statement cache) and
			// looks rows up by key, so one generic plan serves all executions. Left to
			// itself, PostgreSQL plans statements with array parameters (unnest) anew at
			// every execution, which cost a fifth of the database's CPU per case created
			// (BenchmarkOpenCase). A server without the setting keeps its own choice.
			_, _ = c.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool, now: opts.Clock()}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Kind returns "postgres".
func (db *DB) Kind() string { return "postgres" }

// Close closes every connection.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// maxAttempts bounds how often Update runs fn when the database reports a serialization
// failure or a deadlock.
const maxAttempts = 5

// Update runs fn in a READ COMMITTED transaction and commits it, retrying on SQLSTATE
// 40001 (serialization failure) and 40P01 (deadlock) with a small jittered backoff.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			// 1–2 ms, 2–4 ms, 4–8 ms, 8–16 ms: enough for the other transaction to finish.
			base := time.Millisecond << (attempt - 1)
			wait := base + rand.N(base)
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(wait):
			}
		}
		err = db.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
		if !retryable(err) {
			return err
		}
	}
	return fmt.Errorf("postgres: gave up after %d attempts: %w", maxAttempts, err)
}

// View runs fn in read-only transactions: each round trip fn makes is a read-only
// transaction of its own, BEGIN and COMMIT included, so that a View of one query is one
// round trip. Under READ COMMITTED every statement sees its own snapshot anyway, so one
// transaction per round trip shows fn nothing that a single transaction would not.
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

func (db *DB) run(ctx context.Context, opts pgx.TxOptions, fn func(store.Tx) error) (err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire connection: %w", err)
	}
	// Release destroys a connection left inside a transaction, so a panic in fn or a
	// failed rollback cannot hand a half-done transaction to the next caller.
	defer conn.Release()
	t := &Tx{db: db, conn: conn.Conn(), opts: opts, now: db.now()}
	defer func() {
		if err != nil {
			t.rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	return t.commit(ctx)
}

// retryable reports whether err is a serialization failure or a deadlock, after which the
// whole transaction can be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Tx is one transaction. It spares round trips, the main cost of a short transaction:
// BEGIN travels with the transaction's first statements (pgx.Batch.BeginTx), and writes
// whose only answer is an error (see later) travel with the next statement or with COMMIT.
// A command that reads, then writes, costs its reads plus one round trip; a View costs
// one round trip per read.
type Tx struct {
	db      *DB
	conn    *pgx.Conn
	opts    pgx.TxOptions
	tx      pgx.Tx // nil until the first statement is sent
	pending []*pgx.QueuedQuery
	marks   []dirtyKey            // records marked dirty by the store's writes, written at COMMIT (markDirty)
	audits  []store.AuditEntry    // appended with the next statement or COMMIT (appends.go)
	outbox  []store.OutboxMessage // likewise
	now     time.Time
}

var _ store.Tx = (*Tx)(nil)

// Now is the time fixed when the transaction began.
func (t *Tx) Now() time.Time { return t.now }

// batch returns a batch that opens the transaction first if it is not open yet and sends
// the pending writes before what the caller queues.
func (t *Tx) batch() *pgx.Batch {
	b := &pgx.Batch{}
	if t.tx == nil {
		b.BeginTx(t.opts)
	}
	t.queueAppends(false)
	b.QueuedQueries = append(b.QueuedQueries, t.pending...)
	t.pending = nil
	return b
}

// later queues a write that answers nothing but an error to travel with the transaction's
// next statement or its COMMIT; its error (wrapped with what it was) is returned by that
// statement's call or by Update. Only statements that fail loudly may wait: a refusal must
// be an SQL error (a unique or foreign key violation), never a count checked in Go, so that
// the database skips the rest of the pipeline, COMMIT included. In a read-only
// transaction the write is sent at once, so that its refusal comes back from the call.
func (t *Tx) later(ctx context.Context, what string, sql string, args ...any) error {
	if t.readOnly() {
		_, err := t.exec(ctx, sql, args...)
		return wrap(err, "%s", what)
	}
	qq := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	qq.Fn = func(br pgx.BatchResults) error {
		_, err := br.Exec()
		return wrap(err, "%s", what)
	}
	t.pending = append(t.pending, qq)
	return nil
}

// pruneSettings are the retention sweeps' planner settings for the rest of their
// transaction: planned at each run (not through the connection's cached generic plan), and
// by index, never by reading the table or sorting it. A sweep runs once a minute on a table
// that grows from nothing, and no statistics are right for it: a plan made while the table
// was young, or made for a grown table autovacuum has not yet analyzed, read the whole table
// for each batch — the idempotency records' delete a sequential scan for the ctids, the
// outbox's a bitmap scan of every sent message and a sort (0.5–0.8 s and 60 ms a batch of 500
// at 300,000 rows; TestPruningPlansForTheGrownTable). The deletes walk an index of the rows'
// age from its oldest entry and stop at the limit.
const pruneSettings = `SELECT set_config('plan_cache_mode', 'force_custom_plan', true),
    set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
    set_config('enable_sort', 'off', true)`

// prune runs a retention sweep's delete, sql, of at most limit rows older than before ($1,
// $2), planned as pruneSettings say, and returns how many rows it deleted; what names it in
// an error, with before for its %v.
func (t *Tx) prune(ctx context.Context, sql, what string, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	if err := t.later(ctx, "plan the retention sweep by index", pruneSettings); err != nil {
		return 0, err
	}
	n, err := t.exec(ctx, sql, before, limit)
	return int(n), wrap(err, what, before)
}

// commit sends the pending writes, the dirty marks and COMMIT in one round trip.
func (t *Tx) commit(ctx context.Context) error {
	t.queueAppends(true)
	if t.tx == nil && len(t.pending) == 0 {
		return nil // fn did nothing: there is nothing to commit
	}
	b := t.batch()
	b.Queue("commit").Exec(func(ct pgconn.CommandTag) error {
		if ct.String() == "ROLLBACK" { // a statement failed earlier and fn went on regardless
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
	if err := t.send(ctx, b); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// readOnly reports whether t belongs to a View.
func (t *Tx) readOnly() bool { return t.opts.AccessMode == pgx.ReadOnly }

// send sends b in one round trip and runs the callbacks of its queued queries. In a View,
// b is a whole read-only transaction: it began with BEGIN (batch) and ends with COMMIT.
func (t *Tx) send(ctx context.Context, b *pgx.Batch) error {
	if t.readOnly() {
		b.Queue("commit")
		err := t.conn.SendBatch(ctx, b).Close()
		if err != nil && t.conn.PgConn().TxStatus() != 'I' {
			// A statement failed and the pipeline skipped COMMIT. No arguments: the
			// simple protocol, which an aborted transaction accepts.
			if _, rerr := t.conn.Exec(ctx, "rollback"); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
		return err
	}
	br := t.conn.SendBatch(ctx, b)
	began := t.tx == nil
	if began {
		t.tx = br.Tx()
	}
	err := br.Close()
	if began && err != nil && t.conn.PgConn().TxStatus() == 'I' {
		// The batch failed before BEGIN took effect: nothing was done, and the next
		// statement must open the transaction again rather than run outside one.
		t.tx = nil
	}
	return err
}

// exec runs one statement and returns how many rows it affected.
func (t *Tx) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	b := t.batch()
	var n int64
	b.Queue(sql, args...).Exec(func(ct pgconn.CommandTag) error {
		n = ct.RowsAffected()
		return nil
	})
	return n, t.send(ctx, b)
}

// queryRow runs one statement and scans its single row into dest (pgx.ErrNoRows if none).
func (t *Tx) queryRow(ctx context.Context, sql string, args []any, dest ...any) error {
	b := t.batch()
	b.Queue(sql, args...).QueryRow(func(row pgx.Row) error { return row.Scan(dest...) })
	return t.send(ctx, b)
}

// query runs one statement and calls scan for each row.
func (t *Tx) query(ctx context.Context, sql string, args []any, scan func(pgx.Rows) error) error {
	b := t.batch()
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return t.send(ctx, b)
}

// guarded sends b's statements inside a savepoint, so that a statement refused by a
// constraint fails alone and leaves the transaction usable, as in SQLite. The savepoint
// and its release travel in the same round trip as the statements.
func (t *Tx) guarded(ctx context.Context, b *pgx.Batch) error {
	g := t.batch()
	g.Queue("savepoint guard")
	g.QueuedQueries = append(g.QueuedQueries, b.QueuedQueries...)
	g.Queue("release savepoint guard")
	err := t.send(ctx, g)
	if err != nil && t.tx != nil && t.conn.PgConn().TxStatus() == 'E' {
		// Rolling back to a savepoint keeps it; release it too. An aborted transaction
		// refuses to prepare statements, so this goes by the simple protocol (no arguments).
		var pe *pgconn.PgError
		_, rerr := t.conn.Exec(ctx, "rollback to savepoint guard; release savepoint guard")
		if rerr != nil && !(errors.As(rerr, &pe) && pe.Code == "3B001") { // 3B001: a pending write failed before the savepoint
			return errors.Join(err, rerr)
		}
	}
	return err
}

func (t *Tx) rollback() {
	t.pending, t.marks, t.audits, t.outbox = nil, nil, nil, nil
	if t.tx == nil || t.conn.PgConn().TxStatus() == 'I' {
		return
	}
	// A context that is already done must not keep the rollback from reaching the server.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = t.tx.Rollback(ctx) // on failure pgx closes the connection and the pool drops it
}

// classify wraps a database error with the store error it means, keeping the original
// in the chain (for logs and retry decisions). A CHECK violation is a holding beyond the
// order line (ErrExceeded), but users_merchant_staff — an account's role and merchant that
// do not go together — which is none of the sentinels.
func classify(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrExceeded) {
		return err // a pending write's error, classified already (see Tx.later)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23514": // check_violation
			if pe.ConstraintName == "users_merchant_staff" {
				return fmt.Errorf("merchant staff need a merchant, and other roles none: %w", err)
			}
			return fmt.Errorf("%w: %w", store.ErrExceeded, err)
		case "23505": // unique_violation
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case "23503": // foreign_key_violation: the row refers to something that does not exist
			return fmt.Errorf("%w: %w", store.ErrNotFound, err)
		}
	}
	return err
}

// wrap says what failed and what it means to the caller.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, classify(err))...)
}

// newID returns a random identifier for rows the store names itself (timers).
func newID(prefix string) string { return prefix + crand.Text() }

// nullTime is NULL for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// orNow returns t, or now when t is zero.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

// timeOf is the time p points to, or the zero time.
func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}
