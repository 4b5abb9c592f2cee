package sqlite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/store"
)

// AppendAudit adds an entry to the audit log (At defaults to Now; the id is the store's).
// The table's triggers refuse every UPDATE and DELETE.
func (tx *Tx) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	detail := e.Detail
	if detail == nil {
		detail = json.RawMessage("null")
	}
	if !json.Valid(detail) {
		return fmt.Errorf("append audit %s %s %s: the detail is not valid JSON", e.Action, e.Resource, e.ResourceID)
	}
	const q = `
INSERT INTO audit_log (at, actor_role, actor_id, action, resource, resource_id, outcome, addr, client, detail)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, micros(orNow(e.At, tx.now)), e.ActorRole, e.ActorID, e.Action, e.Resource,
		e.ResourceID, e.Outcome, e.Addr, e.Client, string(detail))
	if err != nil {
		return fmt.Errorf("append audit %s %s %s: %w", e.Action, e.Resource, e.ResourceID, dbErr(err))
	}
	return nil
}

// ListAudit returns one page of the audit log, newest first (at DESC, id DESC). The cursor
// is the position of the page's last entry; the next page starts after it.
func (tx *Tx) ListAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, string, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	var (
		where []string
		args  []any
	)
	eq := func(column, value string) {
		if value != "" {
			where = append(where, column+" = ?")
			args = append(args, value)
		}
	}
	eq("actor_id", q.ActorID)
	if prefix, ok := strings.CutSuffix(q.Action, "."); ok {
		// Every action that starts with "case." sorts in ["case.", "case/").
		where = append(where, "action >= ? AND action < ?")
		args = append(args, q.Action, prefix+"/")
	} else {
		eq("action", q.Action)
	}
	eq("resource", q.Resource)
	eq("resource_id", q.ResourceID)
	if !q.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, micros(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, micros(q.To))
	}
	if q.Cursor != "" {
		at, id, err := decodeAuditCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(at, id) < (?, ?)")
		args = append(args, at, id)
	}
	query := `
SELECT id, at, actor_role, actor_id, action, resource, resource_id, outcome, addr, client, detail
FROM audit_log`
	if len(where) > 0 {
		query += "\nWHERE " + strings.Join(where, "\n  AND ")
	}
	query += "\nORDER BY at DESC, id DESC\nLIMIT ?"
	args = append(args, limit+1)

	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var (
		entries []store.AuditEntry
		lastAt  int64
		more    bool
	)
	for rows.Next() {
		if len(entries) == limit {
			more = true // the extra row only says that there is a next page
			break
		}
		var (
			e      store.AuditEntry
			detail string
		)
		if err := rows.Scan(&e.ID, &lastAt, &e.ActorRole, &e.ActorID, &e.Action, &e.Resource,
			&e.ResourceID, &e.Outcome, &e.Addr, &e.Client, &detail); err != nil {
			return nil, "", fmt.Errorf("list audit: %w", err)
		}
		e.At = fromMicros(lastAt)
		if detail != "null" {
			e.Detail = json.RawMessage(detail)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list audit: %w", err)
	}
	if !more {
		return entries, "", nil
	}
	return entries, encodeAuditCursor(lastAt, entries[len(entries)-1].ID), nil
}

// encodeAuditCursor makes the opaque cursor of the position (at, id).
func encodeAuditCursor(at, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + "|" + strconv.FormatInt(id, 10)))
}

func decodeAuditCursor(cursor string) (at, id int64, err error) {
	bad := fmt.Errorf("list audit: cursor %q: %w", cursor, store.ErrBadCursor)
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, 0, bad
	}
	a, i, ok := strings.Cut(string(b), "|")
	if !ok {
		return 0, 0, bad
	}
	if at, err = strconv.ParseInt(a, 10, 64); err != nil {
		return 0, 0, bad
	}
	if id, err = strconv.ParseInt(i, 10, 64); err != nil {
		return 0, 0, bad
	}
	return at, id, nil
}
