package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, cgo-free like the store's

	"github.com/aftersales/aftersales/internal/ledger"
)

// busyTimeout is how long a connection waits for the file's lock (another process, such
// as a second gateway opened on the same file by mistake or a backup) before SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// schemaVersion is the user_version the schema below sets; a file with a newer one was
// written by a newer program and is refused rather than misread.
const schemaVersion = 1

// schema is the gateway's record. Times are INTEGER Unix microseconds in UTC, as in the
// store.
//
// A payment is processing until settle_at, then settles as outcome (its reason kept from
// the start, shown once it has failed). callbacks_due counts the callbacks still to
// deliver: 1, or 2 when this payment's callback is to be sent twice; the next goes out at
// next_callback_at (settle_at, later after a failure, or the duplicate's moment).
// leased_until marks a callback in flight, so that Run does not send it twice at once;
// Open clears it, since whoever held the lease is gone.
const schema = `
CREATE TABLE IF NOT EXISTS payments (
	id                INTEGER PRIMARY KEY,
	idempotency_key   TEXT    NOT NULL UNIQUE,
	ref               TEXT    NOT NULL UNIQUE,
	amount            INTEGER NOT NULL CHECK (amount > 0),
	currency          TEXT    NOT NULL,
	method            TEXT    NOT NULL,
	payer             TEXT    NOT NULL,
	payee             TEXT    NOT NULL,
	reference         TEXT    NOT NULL,
	status            TEXT    NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
	outcome           TEXT    NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
	reason            TEXT    NOT NULL DEFAULT '',
	calls             INTEGER NOT NULL DEFAULT 1,
	created_at        INTEGER NOT NULL,
	settle_at         INTEGER NOT NULL,
	settled_at        INTEGER,
	callbacks_due     INTEGER NOT NULL,
	callbacks_sent    INTEGER NOT NULL DEFAULT 0,
	callback_failures INTEGER NOT NULL DEFAULT 0,
	next_callback_at  INTEGER NOT NULL,
	leased_until      INTEGER,
	delivered_at      INTEGER
);
CREATE INDEX IF NOT EXISTS payments_created ON payments (created_at, id);
CREATE INDEX IF NOT EXISTS payments_settling ON payments (settle_at) WHERE status = 'processing';
CREATE INDEX IF NOT EXISTS payments_callbacks ON payments (next_callback_at) WHERE callbacks_due > 0;
CREATE TABLE IF NOT EXISTS meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
`

// openDB opens the file with one connection: the gateway's transactions are few and
// short, and one connection makes every one of them IMMEDIATE without contention inside
// the process. WAL with synchronous=NORMAL keeps every committed transaction across a
// crash of the process (SIGKILL); only a crash of the machine may lose the last ones.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open payment gateway %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open payment gateway %s: %w", path, err)
	}
	return db, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	var version int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > schemaVersion {
		return fmt.Errorf("schema version %d is newer than this program's %d", version, schemaVersion)
	}
	if version == schemaVersion {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// paymentColumns are the columns scanRecord reads, in its order.
const paymentColumns = `idempotency_key, ref, amount, currency, method, payer, payee, reference, status, reason,
	calls, created_at, settle_at, settled_at, callbacks_due, callbacks_sent, callback_failures, delivered_at`

type scanner interface{ Scan(dest ...any) error }

func scanRecord(row scanner) (Record, error) {
	var (
		r                   Record
		settledAt, delivery sql.NullInt64
		createdAt, settleAt int64
	)
	err := row.Scan(&r.Key, &r.Ref, &r.Amount, &r.Currency, &r.Method, &r.Payer, &r.Payee, &r.Reference, &r.Status,
		&r.Reason, &r.Calls, &createdAt, &settleAt, &settledAt, &r.CallbacksDue, &r.CallbacksSent, &r.CallbackFailures, &delivery)
	if err != nil {
		return Record{}, err
	}
	r.CreatedAt, r.SettleAt = fromMicros(createdAt), fromMicros(settleAt)
	if settledAt.Valid {
		t := fromMicros(settledAt.Int64)
		r.SettledAt = &t
	}
	if delivery.Valid {
		t := fromMicros(delivery.Int64)
		r.DeliveredAt = &t
	}
	if r.Status != ledger.Declined {
		// The reason a declined payment will fail is known from the start but, as at a
		// real provider, told only once it has.
		r.Reason = ""
	}
	return r, nil
}

// settleDue settles the payments whose moment has come: each becomes what it was always
// going to be, settled at its settle_at (not at the moment someone noticed), so that the
// record does not depend on whether Run was running.
func settleDue(ctx context.Context, ex interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, now time.Time) (int64, error) {
	res, err := ex.ExecContext(ctx, `UPDATE payments SET status = outcome, settled_at = settle_at
		WHERE status = 'processing' AND settle_at <= ?`, micros(now))
	if err != nil {
		return 0, fmt.Errorf("settle payments: %w", err)
	}
	return res.RowsAffected()
}

// Record is the gateway's whole record of one payment: the ledger.Payment it answers and
// what the simulation keeps beside it.
type Record struct {
	ledger.Payment
	Payer     ledger.Party `json:"payer"`
	Payee     ledger.Party `json:"payee"`
	Reference string       `json:"reference"`
	// Calls is how many Pay calls asked for this payment (a lost reply included).
	Calls int `json:"calls"`
	// SettleAt is when the payment settles (or settled).
	SettleAt time.Time `json:"settle_at"`
	// CallbacksDue counts callbacks still to deliver, CallbacksSent those the receiver
	// took and CallbackFailures the attempts since the last it took.
	CallbacksDue     int        `json:"callbacks_due"`
	CallbacksSent    int        `json:"callbacks_sent"`
	CallbackFailures int        `json:"callback_failures"`
	DeliveredAt      *time.Time `json:"delivered_at,omitempty"` // when the first callback was taken
}
