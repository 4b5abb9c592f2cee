package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/inbound"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// The email channel: customers write to the platform's address; a mail gateway (an
// integration) posts each message here as RFC 5322. A subject with a case's RMA number
// joins that case's conversation; any other message from a known customer files a
// complaint. Replies on a case whose customer last wrote by email go back by email, with
// the RMA number in the subject so that the answer threads again.

// InboundResult says what an inbound email became.
type InboundResult struct {
	// Outcome is message (joined a case's conversation), complaint (filed one) or
	// duplicate (this Message-ID was taken in before: nothing changed).
	Outcome     string `json:"outcome" jsonschema:"enum=message,enum=complaint,enum=duplicate"`
	MessageID   string `json:"message_id"`
	CaseID      string `json:"case_id,omitempty"`
	CaseNumber  string `json:"case_number,omitempty"`
	ComplaintID string `json:"complaint_id,omitempty"`
	Complaint   string `json:"complaint_number,omitempty"`
	Seq         int64  `json:"seq,omitempty" jsonschema:"description=the message's place in the case's conversation"`
}

// ReceiveEmail takes in one inbound email (integrations and admins: the mail gateway).
// The sender must be the customer of the case it names, or a known customer; the same
// Message-ID twice changes nothing.
func (a *App) ReceiveEmail(ctx context.Context, p Principal, raw []byte) (*InboundResult, error) {
	if p.Role != RoleIntegration && p.Role != RoleAdmin || p.Merchant != "" {
		return nil, errForbidden("只有平台的邮件网关可以投递邮件", "only the platform's mail gateway delivers email")
	}
	m, err := inbound.Parse(raw)
	if err != nil {
		var pe *inbound.Error
		if errors.As(err, &pe) {
			return nil, errInvalid(pe.Field, pe.ZH, pe.EN)
		}
		return nil, errInvalid("message", "无法解析邮件", "the message cannot be parsed")
	}
	id := m.MessageID
	if id == "" {
		sum := sha256.Sum256(raw)
		id = "sha256:" + hex.EncodeToString(sum[:16])
	}
	body := strings.TrimSpace(text.Clean(m.Text))
	if body == "" && len(m.Attachments) > 0 {
		body = "(附件 / attachments: " + attachmentNames(m) + ")"
	}
	body = text.Shorten(body, maxMessage)
	out := &InboundResult{MessageID: id}
	_, err = write(ctx, a, p, nil, auditTarget{"email.receive", "email", id}, func(tx *txn) (*struct{}, int, error) {
		*out = InboundResult{MessageID: id}
		cu, err := tx.CustomerByEmail(ctx, m.From)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errInvalid("from", "发件人不是已知的买家", "the sender is not a known customer")
		} else if err != nil {
			return nil, 0, err
		}
		rec := store.InboundEmail{MessageID: id, From: m.From, Subject: text.Clean(m.Subject), At: tx.Now()}
		customer := Principal{Role: RoleCustomer, Customer: cu.ID, ID: "email:" + cu.ID, Client: "email"}
		if number := inbound.RMA(m.Subject); number != "" {
			c, err := caseByNumber(ctx, tx, number)
			if err == nil && c.CustomerID == cu.ID {
				seq, err := a.addMessage(ctx, tx, customer, c, body, "email")
				if err != nil {
					return nil, 0, err
				}
				out.Outcome, out.CaseID, out.CaseNumber, out.Seq = "message", c.ID, c.Number, seq
				rec.CaseID = c.ID
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, 0, err
			}
		}
		if out.Outcome == "" {
			cp, err := a.fileEmailComplaint(ctx, tx, cu.ID, m.Subject, body)
			if err != nil {
				return nil, 0, err
			}
			out.Outcome, out.ComplaintID, out.Complaint = "complaint", cp.ID, cp.Number
			rec.Complaint = cp.ID
		}
		if err := tx.InsertInboundEmail(ctx, rec); errors.Is(err, store.ErrConflict) {
			return nil, 0, errDuplicateEmail
		} else if err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 200, tx.audit(ctx, "email.receive", "email", id, map[string]any{"outcome": out.Outcome, "case": out.CaseNumber, "complaint": out.Complaint})
	})
	if errors.Is(err, errDuplicateEmail) {
		return &InboundResult{Outcome: "duplicate", MessageID: id}, nil
	}
	return out, err
}

var errDuplicateEmail = &Error{Code: CodeConflict, Message: Text{ZH: "邮件已收到过", EN: "the email was taken in before"}}

func attachmentNames(m *inbound.Email) string {
	names := make([]string, len(m.Attachments))
	for i, at := range m.Attachments {
		names[i] = text.Clean(at.Name)
	}
	return strings.Join(names, ", ")
}

// caseByNumber finds a case by its RMA number.
func caseByNumber(ctx context.Context, tx store.Tx, number string) (*aftersale.Case, error) {
	recs, _, err := tx.ListCases(ctx, store.CaseQuery{Search: number, Limit: 2})
	if err != nil {
		return nil, err
	}
	for i := range recs {
		if recs[i].Case.Number == number {
			return &recs[i].Case, nil
		}
	}
	return nil, store.ErrNotFound
}

// fileEmailComplaint files a complaint about the platform from an email.
func (a *App) fileEmailComplaint(ctx context.Context, tx *txn, customer, subject, body string) (*complaint.Complaint, error) {
	subject = text.Clean(subject)
	if subject == "" {
		subject = "邮件来信 / Email"
	}
	if r := []rune(subject); len(r) > 200 {
		subject = string(r[:200])
	}
	if body == "" {
		body = subject
	}
	body = text.Shorten(body, 4000)
	c := complaint.Complaint{ID: uuid.NewString(), Subject: subject, About: complaint.AboutPlatform, Description: body, Customer: customer,
		FiledBy: complaint.Actor{Role: complaint.Customer, ID: customer}, Channel: "email"}
	pol, err := a.engine.Resolve("", "", tx.Now())
	if err != nil {
		return nil, err
	}
	c.PolicyVersion = pol.Version()
	return a.insertComplaint(ctx, tx, &c)
}
