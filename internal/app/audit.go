package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// auditTarget names a command for the audit log.
type auditTarget struct {
	action     string // e.g. case.approve
	resource   string // case | order | attachment | policy | token | user | session
	resourceID string
}

func entry(p Principal, action, resource, id, outcome string, detail map[string]any) store.AuditEntry {
	d, _ := json.Marshal(detail)
	if detail == nil {
		d = []byte("{}")
	}
	actor := p.ID
	if p.Role == RoleCustomer {
		actor = p.Customer
	}
	return store.AuditEntry{ActorRole: string(p.Role), ActorID: actor, Action: action, Resource: resource,
		ResourceID: id, Outcome: outcome, Addr: p.Addr, Client: p.Client, Detail: d}
}

// audit records in the command's own transaction what it did: the log and the change
// commit together or not at all. detail says what changed and never holds secrets or
// personal data.
func (tx *txn) audit(ctx context.Context, action, resource, id string, detail map[string]any) error {
	return tx.AppendAudit(ctx, entry(tx.p, action, resource, id, "ok", detail))
}

// auditDenied records a write that was refused because the principal may not do it, in
// its own transaction (the command's rolled back). Best effort: a failure is logged.
func (a *App) auditDenied(ctx context.Context, p Principal, what auditTarget, cause error) {
	if what.action == "" {
		return
	}
	e := entry(p, what.action, what.resource, what.resourceID, "denied", map[string]any{"code": ErrorCode(cause)})
	if err := a.store.Update(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
		a.log.Error("audit: recording a denied command", "action", what.action, "err", err)
	}
}

// AuditInput selects audit entries (GET /api/v1/admin/audit).
type AuditInput struct {
	Actor      string
	Action     string
	Resource   string
	ResourceID string
	From, To   time.Time
	Cursor     string
	Limit      int
}

// AuditEntryView is one line of the audit log.
type AuditEntryView struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ActorRole  string          `json:"actor_role"`
	ActorID    string          `json:"actor_id"`
	Action     string          `json:"action"`
	Resource   string          `json:"resource"`
	ResourceID string          `json:"resource_id"`
	Outcome    string          `json:"outcome" jsonschema:"enum=ok,enum=denied,enum=failed"`
	Addr       string          `json:"addr"`
	Client     string          `json:"client"`
	Detail     json.RawMessage `json:"detail"`
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items      []AuditEntryView `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// Audit lists the audit log for admins, with filters and a cursor.
func (a *App) Audit(ctx context.Context, p Principal, in AuditInput) (*AuditPage, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	if in.Limit < 0 || in.Limit > 1000 {
		return nil, errInvalid("limit", "每页数量应为 1–1000", "limit must be between 1 and 1000")
	}
	out := &AuditPage{Items: []AuditEntryView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		es, next, err := tx.ListAudit(ctx, store.AuditQuery{ActorID: in.Actor, Action: in.Action, Resource: in.Resource,
			ResourceID: in.ResourceID, From: in.From, To: in.To, Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return err
		}
		out.NextCursor = next
		for _, e := range es {
			out.Items = append(out.Items, AuditEntryView{ID: e.ID, At: e.At, ActorRole: e.ActorRole, ActorID: e.ActorID,
				Action: e.Action, Resource: e.Resource, ResourceID: e.ResourceID, Outcome: e.Outcome, Addr: e.Addr,
				Client: e.Client, Detail: e.Detail})
		}
		return nil
	})
	if errors.Is(err, store.ErrBadCursor) {
		return nil, errInvalid("cursor", "分页游标无效", "the cursor is not valid")
	}
	return out, fromCore(err)
}
