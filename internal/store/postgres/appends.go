package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// A write transaction's append-only rows — its audit entries, outbox messages and, at
// COMMIT, its dirty marks — travel as one statement: a command wrote each in a statement of
// its own (an audit entry or two, the outbox's messages, the marks), and on PostgreSQL a
// statement costs about as much to receive, plan and answer as these rows to insert. They
// are kept until the transaction's next statement (so that a read in the same transaction
// sees them, as it saw the writes sent with it before) or its COMMIT, then inserted by one
// statement of data-modifying CTEs. None of these tables is updated by a transaction that
// appends to it, and none of their rows refers to another, so that one snapshot for all of
// them changes nothing. (Other pending writes stay statements of their own: a transaction
// may, say, cancel the timers it set a moment before, which a statement sharing one snapshot
// would not see.)

// insertAuditsSQL appends audit entries, one element of each array an entry.
const insertAuditsSQL = `
INSERT INTO audit_log (at, actor_role, actor_id, action, resource, resource_id, outcome, addr, client, detail)
SELECT at, actor_role, actor_id, action, resource, resource_id, outcome, addr, client, detail::json
FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
    AS e (at, actor_role, actor_id, action, resource, resource_id, outcome, addr, client, detail)`

// enqueueSQL appends outbox messages available at $4.
const enqueueSQL = `
INSERT INTO outbox (topic, key, payload, available_at, created_at, updated_at)
SELECT d.topic, d.key, d.payload::json, $4, $4, $4
FROM unnest($1::text[], $2::text[], $3::text[]) AS d (topic, key, payload)`

// AppendAudit adds an entry to the audit log, with the transaction's next statement or its
// COMMIT (see appends.go).
func (t *Tx) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	detail := e.Detail
	if detail == nil {
		detail = json.RawMessage("null")
	}
	if !json.Valid(detail) {
		return fmt.Errorf("append audit %s %s %s: the detail is not valid JSON", e.Action, e.Resource, e.ResourceID)
	}
	e.Detail, e.At = detail, orNow(e.At, t.now)
	t.audits = append(t.audits, e)
	if t.readOnly() {
		return t.sendAppends(ctx)
	}
	return nil
}

// Enqueue adds messages to the outbox, with the transaction's next statement or its COMMIT
// (see appends.go), in their order.
func (t *Tx) Enqueue(ctx context.Context, msgs ...store.OutboxMessage) error {
	t.outbox = append(t.outbox, msgs...)
	if t.readOnly() && len(msgs) > 0 {
		return t.sendAppends(ctx)
	}
	return nil
}

// sendAppends sends the appends at once: a read-only transaction has no next statement to
// carry them.
func (t *Tx) sendAppends(ctx context.Context) error {
	sql, args, what := t.takeAppends(false)
	_, err := t.exec(ctx, sql, args...)
	return wrap(err, "%s", what)
}

// queueAppends queues the appends kept so far (and with marks, the dirty marks) as one
// pending write.
func (t *Tx) queueAppends(marks bool) {
	sql, args, what := t.takeAppends(marks)
	if sql == "" {
		return
	}
	qq := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	qq.Fn = func(br pgx.BatchResults) error {
		_, err := br.Exec()
		return wrap(err, "%s", what)
	}
	t.pending = append(t.pending, qq)
}

// takeAppends returns the statement that inserts the appends kept so far (and with marks,
// the dirty marks, in key order), its arguments and what it does, and forgets them; "" when
// there are none.
func (t *Tx) takeAppends(marks bool) (sql string, args []any, what string) {
	var parts, whats []string
	add := func(q, w string, a ...any) {
		parts = append(parts, renumber(q, len(args)))
		whats = append(whats, w)
		args = append(args, a...)
	}
	if n := len(t.audits); n > 0 {
		cols := make([][]string, 9)
		ats := make([]time.Time, n)
		for i, e := range t.audits {
			ats[i] = e.At
			for j, v := range []string{e.ActorRole, e.ActorID, e.Action, e.Resource, e.ResourceID, e.Outcome, e.Addr, e.Client, string(e.Detail)} {
				cols[j] = append(cols[j], v)
			}
		}
		w := fmt.Sprintf("append audit %s %s %s", t.audits[0].Action, t.audits[0].Resource, t.audits[0].ResourceID)
		if n > 1 {
			w = fmt.Sprintf("append %d audit entries (%s, …)", n, w)
		}
		add(insertAuditsSQL, w, ats, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8])
		t.audits = nil
	}
	if n := len(t.outbox); n > 0 {
		topics, keys, payloads := make([]string, n), make([]string, n), make([]string, n)
		for i, m := range t.outbox {
			topics[i], keys[i], payloads[i] = m.Topic, m.Key, string(m.Payload)
			if len(m.Payload) == 0 {
				payloads[i] = "null"
			}
		}
		add(enqueueSQL, fmt.Sprintf("enqueue %d outbox messages", n), topics, keys, payloads, t.now)
		t.outbox = nil
	}
	if marks && len(t.marks) > 0 {
		keys := t.marks
		t.marks = nil
		slices.SortFunc(keys, func(a, b dirtyKey) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id)) })
		kinds, ids := make([]string, len(keys)), make([]string, len(keys))
		for i, k := range keys {
			kinds[i], ids[i] = k.kind, k.id
		}
		add(markManySQL, fmt.Sprintf("mark %d records dirty", len(keys)), kinds, ids, t.now)
	}
	switch len(parts) {
	case 0:
		return "", nil, ""
	case 1:
		return parts[0], args, whats[0]
	}
	var b strings.Builder
	b.WriteString("WITH ")
	for i, p := range parts[:len(parts)-1] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "append%d AS (%s)", i, p)
	}
	b.WriteString(parts[len(parts)-1])
	return b.String(), args, strings.Join(whats, "; ")
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

// renumber shifts the placeholders of q by offset ($1 becomes $offset+1).
func renumber(q string, offset int) string {
	if offset == 0 {
		return q
	}
	return placeholder.ReplaceAllStringFunc(q, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(n+offset)
	})
}
