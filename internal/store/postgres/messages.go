package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aftersales/aftersales/internal/store"
)

// addMessageSQL numbers a message after the case's last one. Two transactions adding to
// one case at once compute the same seq: the second waits on the first's primary key
// entry and, once the first commits, fails with a unique violation.
const addMessageSQL = `
INSERT INTO case_messages (case_id, seq, author_role, author_id, public, body, at, channel)
SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM case_messages WHERE case_id = $1
RETURNING seq`

// addMessageAttempts bounds how often AddMessage numbers a message again after losing the
// seq to a concurrent writer. Each loss is another writer's success, so only a case that
// many writers hammer at once comes near it.
const addMessageAttempts = 100

// AddMessage appends a message to a case's conversation. The insert runs inside a
// savepoint, and when a concurrent transaction took the seq it is run again: under READ
// COMMITTED the new statement sees the committed message and takes the next seq. So the
// caller sees ErrConflict only after addMessageAttempts lost races. An unknown case is
// ErrNotFound. The statement is sent at once (it returns the seq).
func (t *Tx) AddMessage(ctx context.Context, m store.CaseMessage) (store.CaseMessage, error) {
	m.At = t.now
	var err error
	for range addMessageAttempts {
		b := &pgx.Batch{}
		b.Queue(addMessageSQL, m.CaseID, m.AuthorRole, m.AuthorID, m.Public, m.Body, m.At, m.Channel).
			QueryRow(func(r pgx.Row) error { return r.Scan(&m.Seq) })
		err = t.guarded(ctx, b)
		if err == nil {
			return m, t.markDirty(ctx, "case", m.CaseID)
		}
		if !seqTaken(err) {
			break
		}
	}
	return store.CaseMessage{}, wrap(err, "add message to case %s", m.CaseID)
}

// seqTaken reports whether err is addMessageSQL's own unique violation (not that of a
// pending write sent before it).
func seqTaken(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.TableName == "case_messages"
}

// Messages lists a case's conversation by seq, internal notes only when asked.
func (t *Tx) Messages(ctx context.Context, caseID string, internal bool) ([]store.CaseMessage, error) {
	var ms []store.CaseMessage
	err := t.query(ctx, `
		SELECT `+messageColumns+` FROM case_messages
		WHERE case_id = $1 AND (public OR $2) ORDER BY seq`, []any{caseID, internal},
		func(rows pgx.Rows) error {
			m, err := scanMessage(rows)
			ms = append(ms, m)
			return err
		})
	if err != nil {
		return nil, wrap(err, "messages of case %s", caseID)
	}
	return ms, nil
}

// messageColumns are what scanMessage reads, in its order.
const messageColumns = `case_id, seq, author_role, author_id, public, body, channel, at`

// scanMessage reads a row of messageColumns.
func scanMessage(rows pgx.Rows) (store.CaseMessage, error) {
	var m store.CaseMessage
	err := rows.Scan(&m.CaseID, &m.Seq, &m.AuthorRole, &m.AuthorID, &m.Public, &m.Body, &m.Channel, &m.At)
	return m, err
}
