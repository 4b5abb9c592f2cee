package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmts caches prepared statements of one connection pool. SQLite spends most of a small
// query's time parsing it; preparing each query once and reusing it cuts that out.
//
// A statement is prepared on the pool, never inside a transaction: the write pool has one
// connection, which the transaction holds. So a query seen for the first time runs
// unprepared, is noted, and is prepared after the transaction ends (flush); later
// transactions use it through Tx.StmtContext, which finds it prepared on their connection.
type stmts struct {
	db      *sql.DB
	mu      sync.RWMutex
	ready   map[string]*sql.Stmt
	pending map[string]struct{}
}

// maxStmts bounds the cache: queries built with a varying number of placeholders would
// otherwise grow it without end.
const maxStmts = 256

func newStmts(db *sql.DB) *stmts {
	return &stmts{db: db, ready: map[string]*sql.Stmt{}, pending: map[string]struct{}{}}
}

func (c *stmts) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	s := c.ready[q]
	c.mu.RUnlock()
	if s == nil {
		c.mu.Lock()
		if c.ready[q] == nil && len(c.ready)+len(c.pending) < maxStmts {
			c.pending[q] = struct{}{}
		}
		c.mu.Unlock()
	}
	return s
}

// flush prepares the queries noted since the last flush. It holds no lock while it
// prepares: on the write pool, preparing waits for the one connection, which another
// transaction (that may be looking up statements) can hold. A query that fails to prepare
// stays unprepared; it ran fine unprepared.
func (c *stmts) flush(ctx context.Context) {
	c.mu.Lock()
	todo := make([]string, 0, len(c.pending))
	for q := range c.pending {
		todo = append(todo, q)
		delete(c.pending, q)
	}
	c.mu.Unlock()
	for _, q := range todo {
		s, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.ready[q] == nil {
			c.ready[q], s = s, nil
		}
		c.mu.Unlock()
		if s != nil {
			s.Close()
		}
	}
}

func (c *stmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.ready {
		s.Close()
		delete(c.ready, q)
	}
}

// exec, query and queryRow run a query in the transaction, prepared when it can be.
// In a write transaction they run detached from ctx's cancellation (see Tx.write).

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = tx.detach(ctx)
	if s := tx.stmts.lookup(q); s != nil {
		return tx.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = tx.detach(ctx)
	if s := tx.stmts.lookup(q); s != nil {
		return tx.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = tx.detach(ctx)
	if s := tx.stmts.lookup(q); s != nil {
		return tx.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// detach returns ctx without its cancellation in a write transaction, and ctx itself in
// a read one.
//
// The driver watches a cancellable context of every statement in a goroutine of its
// own, to interrupt the statement when the context ends: two goroutines and their
// wake-ups for each of a case's 20-odd statements, the largest part of the scheduler's
// delays in a trace of the intake. A write transaction's statements are short, and it
// is shared by a group (group.go): an interrupt in one member's statement would roll back
// the others' work too (SQLite rolls back the whole transaction under an interrupted
// write), and a member whose caller has gone is not run at all. A read may be long (a
// report over a year), so a View keeps its caller's cancellation.
func (tx *Tx) detach(ctx context.Context) context.Context {
	if tx.write {
		return context.WithoutCancel(ctx)
	}
	return ctx
}
