package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// ListAudit returns one page of the audit log, newest first, by keyset pagination on
// (at, id): each page starts where the previous one ended, however many entries share a
// time, and costs the same however deep it is.
func (t *Tx) ListAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, string, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.ActorID != "" {
		where = append(where, "actor_id = "+arg(q.ActorID))
	}
	if prefix, ok := strings.CutSuffix(q.Action, "."); ok {
		// Every action that starts with "case." sorts in ["case.", "case/") byte-wise, as
		// the column (COLLATE "C") compares.
		where = append(where, "action >= "+arg(q.Action)+" AND action < "+arg(prefix+"/"))
	} else if q.Action != "" {
		where = append(where, "action = "+arg(q.Action))
	}
	if q.Resource != "" {
		where = append(where, "resource = "+arg(q.Resource))
	}
	if q.ResourceID != "" {
		where = append(where, "resource_id = "+arg(q.ResourceID))
	}
	if !q.From.IsZero() {
		where = append(where, "at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "at < "+arg(q.To))
	}
	if q.Cursor != "" {
		at, id, err := decodeAuditCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(at, id) < ("+arg(at)+"::timestamptz, "+arg(id)+"::bigint)")
	}
	sql := "SELECT id, at, actor_role, actor_id, action, resource, resource_id, outcome, addr, client, detail FROM audit_log"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY at DESC, id DESC LIMIT " + arg(limit+1)

	var entries []store.AuditEntry
	more := false
	err := t.query(ctx, sql, args, func(rows pgx.Rows) error {
		if len(entries) == limit {
			more = true // the extra row only says that there is a next page
			return nil
		}
		var e store.AuditEntry
		var detail []byte
		if err := rows.Scan(&e.ID, &e.At, &e.ActorRole, &e.ActorID, &e.Action, &e.Resource,
			&e.ResourceID, &e.Outcome, &e.Addr, &e.Client, &detail); err != nil {
			return err
		}
		if string(detail) != "null" {
			e.Detail = json.RawMessage(detail)
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "list audit")
	}
	next := ""
	if more {
		last := entries[len(entries)-1]
		next = encodeAuditCursor(last.At, last.ID)
	}
	return entries, next, nil
}

// The cursor is the (at, id) of the last entry of a page, opaque to callers.
func encodeAuditCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString(
		[]byte(strconv.FormatInt(at.UnixMicro(), 10) + "/" + strconv.FormatInt(id, 10)))
}

func decodeAuditCursor(s string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		micros, id, ok := strings.Cut(string(b), "/")
		us, uerr := strconv.ParseInt(micros, 10, 64)
		n, nerr := strconv.ParseInt(id, 10, 64)
		if ok && uerr == nil && nerr == nil {
			return time.UnixMicro(us).UTC(), n, nil
		}
	}
	return time.Time{}, 0, fmt.Errorf("list audit: cursor %q: %w", s, store.ErrBadCursor)
}
