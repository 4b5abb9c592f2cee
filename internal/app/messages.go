package app

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// MessageInput is a reply or note on a case (POST /api/v1/cases/{id}/messages).
type MessageInput struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal,omitempty" jsonschema:"description=an internal note: staff only; customers cannot write or read them"`
}

// MessageView is one entry of a case's conversation.
type MessageView struct {
	Seq      int64     `json:"seq"`
	Author   ActorView `json:"author"`
	Internal bool      `json:"internal"`
	Body     string    `json:"body"`
	At       time.Time `json:"at"`
}

// MessageList is a case's conversation as the principal may see it.
type MessageList struct {
	Items []MessageView `json:"items"`
}

func messageView(m *store.CaseMessage) MessageView {
	return MessageView{Seq: m.Seq, Author: ActorView{Role: aftersale.Role(m.AuthorRole), ID: m.AuthorID},
		Internal: !m.Public, Body: m.Body, At: m.At}
}

// staff reports whether the principal works on cases (and may read internal notes).
func (p Principal) staff() bool {
	return p.Role == RoleMerchant || p.Role == RoleAgent || p.Role == RoleSupervisor || p.Role == RoleAdmin
}

const maxMessage = 8000

// PostMessage adds a public reply or an internal note to a case's conversation. The
// service-desk clocks are measured on it: a public reply by the merchant or an agent is a
// response (SPEC §6), and a customer's message starts the next-update clock.
func (a *App) PostMessage(ctx context.Context, p Principal, caseID string, in MessageInput, idem *Idempotency) (Reply[MessageView], error) {
	if err := authorize(p, opPostMessage, nil, ""); err != nil {
		return Reply[MessageView]{}, err
	}
	body := text.Clean(in.Body) // a message of control characters only is an empty one
	switch {
	case body == "":
		return Reply[MessageView]{}, errInvalid("body", "请填写内容", "the message is empty")
	case utf8.RuneCountInString(body) > maxMessage:
		return Reply[MessageView]{}, errInvalid("body", "内容不能超过 8000 字", "the message is longer than 8000 characters")
	case in.Internal && !p.staff():
		return Reply[MessageView]{}, errForbidden("只有工作人员可以写内部备注", "only staff may write internal notes")
	}
	actor, _ := p.actor()
	return write(ctx, a, p, idem, auditTarget{"case.message", "case", caseID}, func(tx *txn) (*MessageView, int, error) {
		rec, err := a.loadCase(ctx, tx, p, opPostMessage, caseID)
		if err != nil {
			return nil, 0, err
		}
		m, err := tx.AddMessage(ctx, store.CaseMessage{CaseID: caseID, AuthorRole: string(actor.Role), AuthorID: actor.ID, Public: !in.Internal, Body: body})
		if err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "case.message", "case", caseID, map[string]any{"seq": m.Seq, "internal": in.Internal}); err != nil {
			return nil, 0, err
		}
		c := rec.Case
		if !in.Internal {
			pol, err := a.engine.ResolveVersion(c.PolicyVersion)
			if err != nil {
				return nil, 0, err
			}
			report, _, ok, err := a.slaReport(ctx, tx, &c, pol, nil, false, tx.Now())
			if err != nil {
				return nil, 0, err
			}
			cancel, set := nextSLACheck(&c, report, ok, tx.Now())
			if err := tx.schedule(ctx, c.ID, cancel, set); err != nil {
				return nil, 0, err
			}
			to := []aftersale.Role{aftersale.Customer}
			if actor.Role == aftersale.Customer {
				to = []aftersale.Role{aftersale.Merchant}
			}
			if err := tx.Enqueue(ctx, notification(&c, aftersale.Message{Template: "case.message", To: to}, c.Version)); err != nil {
				return nil, 0, err
			}
		}
		v := messageView(&m)
		return &v, http.StatusCreated, nil
	})
}

// Messages returns a case's conversation: public replies for everyone who may see the case,
// internal notes for staff only.
func (a *App) Messages(ctx context.Context, p Principal, caseID string) (*MessageList, error) {
	if err := authorize(p, opReadMessages, nil, ""); err != nil {
		return nil, err
	}
	out := &MessageList{Items: []MessageView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		if _, err := a.loadCase(ctx, tx, p, opReadMessages, caseID); err != nil {
			return err
		}
		ms, err := tx.Messages(ctx, caseID, p.staff())
		if err != nil {
			return err
		}
		for i := range ms {
			out.Items = append(out.Items, messageView(&ms[i]))
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound("case")
	}
	return out, fromCore(err)
}
