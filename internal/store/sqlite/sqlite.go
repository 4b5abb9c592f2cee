// Package sqlite is the embedded store: one SQLite file in WAL mode, driven by the
// cgo-free modernc.org/sqlite driver so that the binary stays static.
//
// All writes go through a single connection whose transactions begin IMMEDIATE, so
// writers queue in the process instead of failing with SQLITE_BUSY half-way through a
// transaction; reads use a separate pool of query_only connections and never wait for
// writers (WAL). Times are INTEGER Unix microseconds in UTC.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/aftersales/aftersales/internal/store"
)

// busyRetries is how many times Update runs fn again after SQLITE_BUSY (another process
// holding the file's write lock longer than the busy timeout).
const busyRetries = 5

// defaultBusyTimeout is how long a connection waits for a lock before SQLITE_BUSY.
const defaultBusyTimeout = 5 * time.Second

// DB is a SQLite store. It implements store.Store.
type DB struct {
	path  string
	write *sql.DB // one connection: SQLite has one writer at a time anyway
	read  *sql.DB // query_only connections for View
	now   func() time.Time

	writeStmts, readStmts *stmts
	commits               atomic.Int64  // Updates committed, for optimizeEvery
	group                 committer     // Updates waiting for the writer (group.go)
	groups                atomic.Int64  // write transactions committed
	checkpoints           *checkpointer // copies the WAL into the file (checkpoint.go)
}

var _ store.Store = (*DB)(nil)

// Open opens (creating it and its folder if needed) the database file at path and
// applies the migrations it lacks.
func Open(ctx context.Context, path string, opts store.Options) (*DB, error) {
	return open(ctx, path, opts, defaultBusyTimeout)
}

func open(ctx context.Context, path string, opts store.Options, busyTimeout time.Duration) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite: invalid path %q", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	write, err := sql.Open("sqlite", dsn(path, busyTimeout, writer))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The write connection switches the file to WAL before any reader opens it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, busyTimeout, reader))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)

	db := &DB{path: path, write: write, read: read, now: opts.Clock(), writeStmts: newStmts(write), readStmts: newStmts(read)}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if _, err := write.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: gather statistics: %w", path, err)
	}
	if db.checkpoints, err = startCheckpointer(dsn(path, busyTimeout, checkpointing), &db.groups); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: checkpointer: %w", path, err)
	}
	return db, nil
}

// optimizeEvery is how many write transactions pass between two runs of PRAGMA optimize.
//
// The query planner needs statistics (ANALYZE) to choose between the indexes of the
// queue's queries: without them it takes a merchant's cases for ten rows, and answers a
// search for one RMA number by walking all 50,000 of a merchant's cases in deadline order
// (docs/PERFORMANCE.md, "Pages at 100,000 cases"). PRAGMA optimize gathers them, as
// SQLite recommends: at open for every table (0x10002), and from time to time for the
// tables that have grown much since; each time it reads a bounded sample of each index.
const optimizeEvery = 1000

// The connections' roles: the one writer, the read pool, the checkpointer.
type role int

const (
	writer role = iota
	reader
	checkpointing
)

// dsn is the data source name of the write connection (WAL, transactions begun
// IMMEDIATE, checkpoints past autoCheckpoint pages only), of the read pool (query_only)
// or of the checkpointer (checkpoint.go).
func dsn(path string, busyTimeout time.Duration, r role) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	switch r {
	case writer:
		q.Add("_pragma", "journal_mode(WAL)")
		// A group's savepoints (group.go) keep each page's state before the member in a
		// sub-journal, which SQLite writes to a temporary file past 64 KiB: a pwrite a
		// page, 5 % of the intake's CPU. In memory it costs what the pages are, for the
		// transaction's life. Intake +5.5 % (ab.sh, 2 pairs); a 16 MiB page cache
		// beside it (against spilling mid-transaction) measured nothing.
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", autoCheckpoint))
		q.Set("_txlock", "immediate")
	case reader:
		q.Set("_query_only", "1")
	}
	return path + "?" + q.Encode()
}

// Kind is "sqlite".
func (db *DB) Kind() string { return "sqlite" }

// Close stops the checkpointer and closes the connections.
func (db *DB) Close() error {
	var err error
	if db.checkpoints != nil {
		err = db.checkpoints.close()
	}
	db.writeStmts.close()
	db.readStmts.close()
	return errors.Join(err, db.read.Close(), db.write.Close())
}

// Update runs fn in an IMMEDIATE transaction on the write connection and commits it if
// fn returns nil; Updates that wait for the writer share one transaction and one
// commit, each after the first in a savepoint (group.go). It runs fn again (up to busyRetries times)
// when the file is locked by another process for longer than the busy timeout, or when
// the transaction fn shared was lost under another Update.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = db.submit(ctx, fn)
		if err == nil || attempt == busyRetries {
			return err
		}
		switch {
		case errors.Is(err, errGroupLost):
			continue
		case !isBusy(err):
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
		}
	}
}

// View runs fn in a read transaction on a query_only connection: every write fails.
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	err = fn(&Tx{tx: sqlTx, now: db.now(), stmts: db.readStmts})
	sqlTx.Rollback()
	db.readStmts.flush(ctx)
	return err
}

// Tx is a SQLite transaction. It implements store.Tx.
type Tx struct {
	tx    *sql.Tx
	now   time.Time
	stmts *stmts
	write bool // an Update's: its statements are detached from cancellation (detach)
}

var _ store.Tx = (*Tx)(nil)

// Now is the time fixed when the transaction began.
func (tx *Tx) Now() time.Time { return tx.now }

// isBusy reports whether err is SQLITE_BUSY (of any extended kind).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// dbErr turns what the database reports into the store's sentinel errors, keeping the
// database's message: a CHECK constraint is a holding beyond the order line
// (ErrExceeded) — but users_merchant_staff, an account's role and merchant that do not go
// together, which is none of the sentinels —, a UNIQUE or PRIMARY KEY violation a taken key
// (ErrConflict), a foreign key violation a missing row (ErrNotFound), no rows ErrNotFound.
func dbErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		if strings.Contains(se.Error(), "users_merchant_staff") {
			return fmt.Errorf("merchant staff need a merchant, and other roles none: %w", err)
		}
		return fmt.Errorf("%w: %w", store.ErrExceeded, err)
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: a referenced row is missing: %w", store.ErrNotFound, err)
	}
	return err
}

// micros is t as Unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros is t as Unix microseconds, or NULL for the zero time.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros is the UTC time of Unix microseconds us.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// fromNullMicros is fromMicros, or the zero time for NULL.
func fromNullMicros(us sql.NullInt64) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return fromMicros(us.Int64)
}

// utcMicros is t in UTC truncated to the microsecond, as the store keeps times.
func utcMicros(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// orNow is t, or now if t is zero.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// newID returns a random identifier for rows the store names itself (timers).
func newID() string { return strings.ToLower(rand.Text()) }

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
