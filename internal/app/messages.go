package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/notify"
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
	// Channel is how it came or went besides the pages and the API: email, or empty.
	Channel string `json:"channel,omitempty" jsonschema:"description=email: a customer's email, or a reply sent back by email"`
}

// MessageList is a case's conversation as the principal may see it.
type MessageList struct {
	Items []MessageView `json:"items"`
}

func messageView(m *store.CaseMessage) MessageView {
	return MessageView{Seq: m.Seq, Author: ActorView{Role: aftersale.Role(m.AuthorRole), ID: m.AuthorID},
		Internal: !m.Public, Body: m.Body, At: m.At, Channel: m.Channel}
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
	return write(ctx, a, p, idem, auditTarget{"case.message", "case", caseID}, func(tx *txn) (*MessageView, int, error) {
		rec, err := a.lockCase(ctx, tx, p, opPostMessage, caseID)
		if err != nil {
			return nil, 0, err
		}
		m, err := a.postMessage(ctx, tx, p, &rec.Case, body, !in.Internal, "")
		if err != nil {
			return nil, 0, err
		}
		v := messageView(m)
		return &v, http.StatusCreated, nil
	})
}

// addMessage adds a customer's public message that came by a channel (email).
func (a *App) addMessage(ctx context.Context, tx *txn, p Principal, c *aftersale.Case, body, channel string) (int64, error) {
	m, err := a.postMessage(ctx, tx, p, c, body, true, channel)
	if err != nil {
		return 0, err
	}
	return m.Seq, nil
}

// postMessage writes a message of a case's conversation: the service clocks move, the
// other side is told, and a public reply to a customer who last wrote by email goes back
// by email.
func (a *App) postMessage(ctx context.Context, tx *txn, p Principal, c *aftersale.Case, body string, public bool, channel string) (*store.CaseMessage, error) {
	actor, _ := p.actor()
	if public && actor.Role != aftersale.Customer && channel == "" {
		ch, err := a.replyChannel(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		channel = ch
	}
	m, err := tx.AddMessage(ctx, store.CaseMessage{CaseID: c.ID, AuthorRole: string(actor.Role), AuthorID: actor.ID, Public: public, Body: body, Channel: channel})
	if err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, "case.message", "case", c.ID, map[string]any{"seq": m.Seq, "internal": !public, "channel": channel}); err != nil {
		return nil, err
	}
	if err := a.triageSubject(ctx, tx, c, "message", fmt.Sprintf("%s#%d", c.ID, m.Seq), suggest(body), actor.Role == aftersale.Customer); err != nil {
		return nil, err
	}
	if !public {
		return &m, nil
	}
	if err := a.foldMessage(ctx, tx, c, &m); err != nil {
		return nil, err
	}
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return nil, err
	}
	report, _, ok, err := a.slaReport(ctx, tx, c, pol, nil, tx.Now())
	if err != nil {
		return nil, err
	}
	cancel, set := nextSLACheck(c, report, ok, tx.Now())
	if err := tx.schedule(ctx, c.ID, cancel, set); err != nil {
		return nil, err
	}
	to := []aftersale.Role{aftersale.Customer}
	if actor.Role == aftersale.Customer {
		to = []aftersale.Role{aftersale.Merchant}
	}
	if err := tx.Enqueue(ctx, notification(c, aftersale.Message{Template: "case.message", To: to}, c.Version)); err != nil {
		return nil, err
	}
	if channel == "email" && actor.Role != aftersale.Customer {
		if err := a.emailReply(ctx, tx, c, &m); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// emailReply sends a reply back to the customer by email, the RMA number in brackets in
// the subject so that their answer threads to the case again.
func (a *App) emailReply(ctx context.Context, tx *txn, c *aftersale.Case, m *store.CaseMessage) error {
	cu, err := tx.Customer(ctx, c.CustomerID)
	if err != nil {
		return err
	}
	prefs, err := a.prefs(ctx, tx, "customer:"+c.CustomerID)
	if err != nil {
		return err
	}
	to := firstNonEmpty(prefs.Address, cu.Email)
	if to == "" {
		return nil
	}
	locale := firstNonEmpty(prefs.Locale, "zh")
	subject, footer := "Re: ["+c.Number+"] 售后单回复", "直接回复此邮件即可继续沟通,请保留标题中的售后单号。"
	if locale == "en" {
		subject, footer = "Re: ["+c.Number+"] Reply on your case", "Reply to this email to answer; keep the case number in the subject."
	}
	mail := notify.Mail{To: to, ToName: cu.Name, Subject: subject, Text: m.Body + "\n\n-- \n" + footer + "\n" + a.absolute("/cases/"+c.ID),
		ID: fmt.Sprintf("reply-%s-%d", c.ID, m.Seq), Locale: locale}
	return tx.Enqueue(ctx, store.OutboxMessage{Topic: "email.reply", Key: c.ID, Payload: mustJSON(mail)})
}

// replyChannel is the channel a reply to a case goes back on: email when its customer's
// last public message came by email (or, before any, when the case was opened by email).
func (a *App) replyChannel(ctx context.Context, tx store.Tx, c *aftersale.Case) (string, error) {
	ms, err := tx.Messages(ctx, c.ID, false)
	if err != nil {
		return "", err
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].AuthorRole == string(aftersale.Customer) {
			if ms[i].Channel == "email" {
				return "email", nil
			}
			return "", nil
		}
	}
	if c.Channel == "email" {
		return "email", nil
	}
	return "", nil
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
