package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aftersales/aftersales/internal/store"
)

// Group commit. SQLite has one writer, and a write transaction's commit — its WAL
// frames written and, at synchronous=NORMAL, no sync — was about a sixth of the time a
// created case held the writer (docs/PERFORMANCE.md). Updates that arrive while the
// writer is busy therefore wait in a queue, and the first of them to get the writer
// (the leader) runs the queue's functions one after another in a single transaction,
// each after the first inside a savepoint of its own, and commits once for all of them.
//
// Each function still sees the store as if it ran alone after those before it, and its
// Update returns only once the common commit is done: what one returned is durable,
// and a function that fails rolls back to its savepoint without touching the others'.
// A commit that fails fails every function it held. Should the transaction itself be
// lost under a function (SQLite rolls it back whole on some errors, an interrupted
// statement among them), the functions it held are run again in a new one, as a busy
// file's are.

// maxGroup bounds how many functions share a commit, so that the first of a long
// queue does not wait for all of it.
const maxGroup = 32

// errGroupLost is what a function that succeeded gets when the transaction it shared
// was lost before the commit; Update runs it again.
var errGroupLost = errors.New("sqlite: the shared write transaction was rolled back")

// member is one Update waiting for, or in, a group.
type member struct {
	ctx    context.Context
	fn     func(store.Tx) error
	err    error
	panic  any       // what fn panicked with, raised again in its own goroutine
	wrote  bool      // fn succeeded (and its savepoint, if it had one, was released)
	signal chan bool // true: lead the next group; false: the outcome is set
}

// committer is the queue of Updates waiting for the writer.
type committer struct {
	mu      sync.Mutex
	queue   []*member
	leading bool // a leader is running a group; the queue waits for it
}

// submit runs fn in the next group and returns its outcome.
func (db *DB) submit(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := &member{ctx: ctx, fn: fn, signal: make(chan bool, 1)}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, m)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	// A waiting member cannot leave when its context ends: it may be handed the lead,
	// and the queue behind it would wait for nobody. The leader answers it at once
	// instead (its function is not run).
	if lead || <-m.signal {
		db.lead(m)
	}
	if m.panic != nil {
		panic(m.panic)
	}
	return m.err
}

// lead runs one group, the queue as it stands with self in it, then hands the lead to
// the first Update that queued meanwhile.
func (db *DB) lead(self *member) {
	g := &db.group
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	group := append([]*member(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	db.commitGroup(group)

	g.mu.Lock()
	var next *member
	if len(g.queue) > 0 {
		next = g.queue[0]
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	for _, m := range group {
		if m != self {
			m.signal <- false
		}
	}
	if next != nil {
		next.signal <- true
	}
}

// commitGroup runs the members' functions in IMMEDIATE transactions and commits what
// succeeded. The first function to run in a transaction needs no savepoint: should it
// fail, the transaction holds nothing else, is rolled back, and the rest go on in a new
// one. Each function after it runs in a savepoint, so that failing undoes only itself;
// SQLite keeps the state its pages had before it in a sub-journal (in memory on the
// write connection, temp_store) until the commit.
func (db *DB) commitGroup(group []*member) {
	for len(group) > 0 {
		group = db.commitSome(group)
	}
}

// commitSome runs members of group in one transaction and commits it. It returns the
// members it did not run when the first to run failed.
func (db *DB) commitSome(group []*member) (rest []*member) {
	// The transaction belongs to no one caller: one of them going away must not roll
	// it back under the others (database/sql rolls back a transaction whose context
	// ends).
	ctx := context.WithoutCancel(group[0].ctx)
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, m := range group {
			m.err = fmt.Errorf("begin: %w", err)
		}
		return nil
	}
	// Rolls back when nothing succeeded, the first failed or the group was lost (a
	// no-op after Commit): the write connection is the only one.
	defer sqlTx.Rollback()
	wrote := 0
	for i, m := range group {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			continue
		}
		tx := &Tx{tx: sqlTx, now: db.now(), stmts: db.writeStmts, write: true}
		if wrote == 0 {
			m.err = runMember(m, tx)
			if m.err != nil || m.panic != nil {
				return group[i+1:]
			}
			m.wrote = true
			wrote++
			if i+1 < len(group) && !stillInTransaction(ctx, sqlTx) {
				lost(group)
				return nil
			}
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT member"); err != nil {
			lost(group)
			return nil
		}
		m.err = runMember(m, tx)
		failed := m.err != nil || m.panic != nil
		if failed {
			if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO member"); err != nil {
				lost(group)
				return nil
			}
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE member"); err != nil {
			// The transaction is gone: SQLite rolled it back under this member.
			lost(group)
			return nil
		}
		if !failed {
			m.wrote = true
			wrote++
		}
	}
	if wrote == 0 {
		return nil
	}
	if err := sqlTx.Commit(); err != nil {
		for _, m := range group {
			if m.wrote {
				m.err = fmt.Errorf("commit: %w", err)
			}
		}
		return nil
	}
	if n := db.commits.Add(int64(wrote)); n%optimizeEvery < int64(wrote) {
		// Best effort: the commit stands whatever becomes of the statistics.
		_, _ = db.write.ExecContext(ctx, "PRAGMA optimize")
	}
	db.groups.Add(1)
	db.writeStmts.flush(ctx)
	return nil
}

// stillInTransaction reports whether the transaction the first member ran in is still
// open, before others run after it. Without a savepoint of its own, a transaction SQLite
// rolled back under it would go unnoticed: the next member's SAVEPOINT would begin a new
// one, and the commit would keep only what came after. BEGIN fails inside a transaction
// and begins one outside.
func stillInTransaction(ctx context.Context, sqlTx *sql.Tx) bool {
	_, err := sqlTx.ExecContext(ctx, "BEGIN")
	if err == nil {
		_, _ = sqlTx.ExecContext(ctx, "ROLLBACK")
		return false
	}
	return strings.Contains(err.Error(), "within a transaction")
}

// lost marks a group whose transaction is gone: every member but those whose own
// function failed (or whose context ended) gets errGroupLost, and is run again.
func lost(group []*member) {
	for _, m := range group {
		if m.wrote || (m.err == nil && m.panic == nil) {
			m.err = errGroupLost
			m.wrote = false
		}
	}
}

// runMember runs m's function, turning a panic into m.panic so that the leader (whose
// goroutine it runs on) goes on; submit raises it again in m's own goroutine.
func runMember(m *member, tx store.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			m.panic = r
		}
	}()
	return m.fn(tx)
}
