package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/store"
)

// checkEmail accepts "" (none) or one plain address.
func checkEmail(field, s string) error {
	if s == "" {
		return nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return errInvalid(field, "请填写有效的电子邮箱地址", "give a valid email address (name@example.com)")
	}
	return nil
}

// person is the inbox a principal reads: a customer's, or a staff account's ("" for a
// token that is no person).
func person(p Principal) string {
	switch {
	case p.Role == RoleCustomer && p.Customer != "":
		return "customer:" + p.Customer
	case p.User != "":
		return "user:" + p.User
	}
	return ""
}

// recipient is one person a notification reaches, with the ways to reach them.
type recipient struct {
	person, name, locale string
	role                 string
	email, phone         string // "" when the person did not choose (or has no) such channel
}

// recipients resolves a message's roles to people: the case's customer; the merchant's
// staff; the platform's agents, supervisors and admins who serve the merchant.
func (a *App) recipients(ctx context.Context, tx store.Tx, roles []string, merchant, customer string, mustAct func(role string) bool) ([]recipient, error) {
	var out []recipient
	var users []store.User // the merchant's staff and the platform's, read at the first staff role
	staffRead := false
	for _, role := range roles {
		if role == string(aftersale.Customer) {
			if customer == "" {
				continue
			}
			c, err := remembered(ctx, "customer:"+customer, func() (store.Customer, error) { return tx.Customer(ctx, customer) })
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			r := recipient{person: "customer:" + customer, name: c.Name, locale: "zh", role: role}
			prefs, err := a.prefs(ctx, tx, r.person)
			if err != nil {
				return nil, err
			}
			email, phone := firstNonEmpty(prefs.Address, c.Email), firstNonEmpty(prefs.Phone, c.Phone)
			must := mustAct(role)
			if prefs.Email || must {
				r.email = email
			}
			if prefs.SMS || must && email == "" {
				r.phone = phone
			}
			if prefs.Locale != "" {
				r.locale = prefs.Locale
			}
			out = append(out, r)
			continue
		}
		if !staffRead {
			var err error
			if users, err = remembered(ctx, "staff:"+merchant, func() ([]store.User, error) { return tx.StaffFor(ctx, merchant) }); err != nil {
				return nil, err
			}
			staffRead = true
		}
		for _, u := range users {
			// "user:<username>" names one person (the owner a case was assigned to).
			if name, one := strings.CutPrefix(role, "user:"); one && u.Username != name || !one && u.Role != role || !u.DisabledAt.IsZero() {
				continue
			}
			if role == string(RoleMerchant) && u.Merchant != merchant || len(u.Scope) > 0 && !slices.Contains(u.Scope, merchant) {
				continue
			}
			r := recipient{person: "user:" + u.ID, name: firstNonEmpty(u.DisplayName, u.Username), locale: "zh", role: u.Role}
			prefs, err := a.prefs(ctx, tx, r.person)
			if err != nil {
				return nil, err
			}
			if prefs.Email {
				r.email = firstNonEmpty(prefs.Address, u.Email)
			}
			if prefs.SMS {
				r.phone = prefs.Phone
			}
			if prefs.Locale != "" {
				r.locale = prefs.Locale
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// defaultPrefs: in-app and email; SMS only when chosen.
func defaultPrefs(person string) store.NotificationPrefs {
	return store.NotificationPrefs{Person: person, Email: true}
}

// prefs are a person's notification preferences, or the defaults when they chose none;
// read once for a relay batch (remembered).
func (a *App) prefs(ctx context.Context, tx store.Tx, person string) (store.NotificationPrefs, error) {
	p, err := remembered(ctx, "prefs:"+person, func() (store.NotificationPrefs, error) { return tx.NotificationPrefs(ctx, person) })
	if errors.Is(err, store.ErrNotFound) {
		return defaultPrefs(person), nil
	}
	return p, err
}

// notice is an outbox notification's payload: what happened to which case, dispute or
// complaint, and whom to tell.
type notice struct {
	CaseID      string   `json:"case_id"`
	DisputeID   string   `json:"dispute_id"`
	ComplaintID string   `json:"complaint_id"`
	Number      string   `json:"number"`
	Merchant    string   `json:"merchant"`
	Customer    string   `json:"customer"`
	To          []string `json:"to"`
	State       string   `json:"state"`
	Type        string   `json:"type"`
	Amount      *int64   `json:"amount"`
	Currency    string   `json:"currency"`
	fields      map[string]string
}

// eventName is the name people and systems know an event by: case.created for an
// application, dispute.ruled for a ruling, else the topic's own.
func eventName(topic string) string {
	e := strings.TrimPrefix(topic, "notify.")
	switch e {
	case "case.apply":
		return "case.created"
	case "dispute.rule":
		return "dispute.ruled"
	case "dispute.open":
		return "dispute.opened"
	}
	return e
}

// DeliverNotification is the relay's handler of "notify.*" messages: each recipient gets
// the message in the in-app inbox and, as chosen, by email and SMS (messages of their own
// in the outbox, so that a slow mail server delays nobody else). Delivered again after a
// crash, it adds nothing twice: the inbox entry is unique per message and person, and the
// email and SMS go with the inbox entry's first insertion only.
func (a *App) DeliverNotification(ctx context.Context, m store.OutboxRecord) error {
	var n notice
	if err := json.Unmarshal(m.Payload, &n); err != nil {
		return err
	}
	var raw map[string]any
	_ = json.Unmarshal(m.Payload, &raw)
	n.fields = map[string]string{}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			n.fields[k] = s
		}
	}
	if n.Amount != nil {
		n.fields["amount"] = fmt.Sprintf("%d.%02d %s", *n.Amount/100, *n.Amount%100, n.Currency)
	}
	event := eventName(m.Topic)
	return a.store.Update(ctx, func(tx store.Tx) error {
		rs, err := a.recipients(ctx, tx, n.To, n.Merchant, n.Customer, func(role string) bool {
			if n.Type != "" {
				return notify.MustActOnCase(event, role, aftersale.Type(n.Type))
			}
			return notify.MustAct(event, role)
		})
		if err != nil {
			return err
		}
		var out []store.OutboxMessage
		for _, r := range rs {
			msg := notify.Message{Event: event, Locale: r.locale, Name: r.name, Number: n.Number, State: n.stateLabel(event),
				Link: a.absolute(n.link()), Fields: n.fields}
			inserted, err := tx.InsertNotification(ctx, store.Notification{
				Recipient: r.person, Source: fmt.Sprintf("outbox:%d", m.ID), Event: event, CaseID: n.CaseID,
				Subject: notify.Title(msg), Body: notify.Body(msg), Link: n.link(), At: tx.Now(),
			})
			if err != nil {
				return err
			}
			if !inserted || r.email == "" && r.phone == "" {
				continue
			}
			rendered, err := notify.Render(msg)
			if err != nil {
				return err
			}
			id := fmt.Sprintf("%d.%s", m.ID, strings.ReplaceAll(r.person, ":", "."))
			if r.email != "" {
				b, _ := json.Marshal(notify.Mail{To: r.email, ToName: r.name, Subject: rendered.Subject, Text: rendered.Text, HTML: rendered.HTML, ID: id, Locale: r.locale})
				out = append(out, store.OutboxMessage{Topic: "email." + event, Key: r.person, Payload: b})
			}
			if r.phone != "" {
				b, _ := json.Marshal(smsPayload{Phone: r.phone, Text: rendered.SMS})
				out = append(out, store.OutboxMessage{Topic: "sms." + event, Key: r.person, Payload: b})
			}
		}
		if len(out) > 0 {
			if err := tx.Enqueue(ctx, out...); err != nil {
				return err
			}
			if a.onOutbox != nil {
				defer a.onOutbox()
			}
		}
		return nil
	})
}

type smsPayload struct {
	Phone string `json:"phone"`
	Text  string `json:"text"`
}

// absolute is a page's address for a message that leaves the pages (an email, an SMS):
// "" when the App does not know where the pages are (no BaseURL).
func (a *App) absolute(path string) string {
	if a.baseURL == "" {
		return ""
	}
	return a.baseURL + path
}

// link is the page a notice points to.
func (n *notice) link() string {
	switch {
	case n.DisputeID != "":
		return "/disputes/" + n.DisputeID
	case n.ComplaintID != "":
		return "/complaints/" + n.ComplaintID
	case n.CaseID != "":
		return "/cases/" + n.CaseID
	}
	return "/"
}

func (n *notice) stateLabel(event string) aftersale.Text {
	switch {
	case n.State == "":
		return aftersale.Text{}
	case strings.HasPrefix(event, "dispute."):
		return dispute.State(n.State).Label()
	case strings.HasPrefix(event, "complaint."):
		return complaint.State(n.State).Label()
	}
	return aftersale.State(n.State).Label()
}

// SendEmail is the relay's handler of "email.*" messages: one email through the mailer.
// Without a mailer (no --smtp-url) the email is only logged.
func (a *App) SendEmail(ctx context.Context, payload json.RawMessage) error {
	var m notify.Mail
	if err := json.Unmarshal(payload, &m); err != nil {
		return err
	}
	if a.mailer == nil {
		a.log.Debug("email (no --smtp-url)", "to", maskEmail(m.To), "subject", m.Subject)
		return nil
	}
	return a.mailer.Send(ctx, m)
}

// SendSMS is the relay's handler of "sms.*" messages.
func (a *App) SendSMS(ctx context.Context, payload json.RawMessage) error {
	var m smsPayload
	if err := json.Unmarshal(payload, &m); err != nil {
		return err
	}
	if a.sms == nil {
		return nil
	}
	return a.sms.SendSMS(ctx, m.Phone, m.Text)
}

func maskEmail(s string) string {
	at := strings.IndexByte(s, '@')
	if at <= 1 {
		return "***" + s[max(at, 0):]
	}
	return s[:1] + "***" + s[at:]
}

// NotificationView is an inbox entry.
type NotificationView struct {
	ID      int64      `json:"id"`
	Event   string     `json:"event"`
	Subject Text       `json:"subject"`
	Body    Text       `json:"body"`
	Link    string     `json:"link"`
	CaseID  string     `json:"case_id,omitempty"`
	Read    bool       `json:"read"`
	ReadAt  *time.Time `json:"read_at,omitempty"`
	At      time.Time  `json:"at"`
}

// NotificationList is one page of an inbox.
type NotificationList struct {
	Notifications []NotificationView `json:"notifications"`
	Unread        int                `json:"unread"`
	Next          string             `json:"next,omitempty"`
}

// Notifications lists the principal's own inbox, newest first.
func (a *App) Notifications(ctx context.Context, p Principal, unread bool, cursor string, limit int) (*NotificationList, error) {
	who := person(p)
	if who == "" {
		return nil, errForbidden("只有买家和员工账号有站内通知", "only customers and staff accounts have an inbox")
	}
	if limit < 0 || limit > 500 {
		return nil, errInvalid("limit", "每页 1–500 条", "limit must be 1–500")
	}
	out := &NotificationList{Notifications: []NotificationView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		ns, next, err := tx.ListNotifications(ctx, store.NotificationQuery{Recipient: who, Unread: unread, Cursor: cursor, Limit: limit})
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		} else if err != nil {
			return err
		}
		out.Next = next
		for _, n := range ns {
			out.Notifications = append(out.Notifications, NotificationView{ID: n.ID, Event: n.Event, Subject: n.Subject, Body: n.Body,
				Link: n.Link, CaseID: n.CaseID, Read: !n.ReadAt.IsZero(), ReadAt: optTime(n.ReadAt), At: n.At})
		}
		out.Unread, err = tx.UnreadNotifications(ctx, who)
		return err
	})
	return out, err
}

// UnreadCount is the number on the bell.
func (a *App) UnreadCount(ctx context.Context, p Principal) (int, error) {
	who := person(p)
	if who == "" {
		return 0, nil
	}
	var n int
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.UnreadNotifications(ctx, who)
		return err
	})
	return n, err
}

// MarkReadInput marks notifications read: these ids, or all when empty.
type MarkReadInput struct {
	IDs []int64 `json:"ids,omitempty"`
}

// MarkRead marks the principal's notifications read and answers how many changed.
func (a *App) MarkRead(ctx context.Context, p Principal, in MarkReadInput) (int, error) {
	who := person(p)
	if who == "" {
		return 0, errForbidden("只有买家和员工账号有站内通知", "only customers and staff accounts have an inbox")
	}
	if len(in.IDs) > 500 {
		return 0, errInvalid("ids", "每次最多 500 条", "at most 500 ids at a time")
	}
	var n int
	err := a.store.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.MarkNotificationsRead(ctx, who, in.IDs)
		return err
	})
	return n, err
}

// PrefsView is how a person wants to be told.
type PrefsView struct {
	InApp  bool   `json:"in_app"` // always
	Email  bool   `json:"email"`
	SMS    bool   `json:"sms"`
	Addr   string `json:"address,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Locale string `json:"locale,omitempty"`
	// MustAct: a customer gets what they must act on whatever they choose.
	MustAct bool `json:"must_act"`
}

// NotificationPrefs returns the principal's channel choices.
func (a *App) NotificationPrefs(ctx context.Context, p Principal) (*PrefsView, error) {
	who := person(p)
	if who == "" {
		return nil, errForbidden("只有买家和员工账号有通知设置", "only customers and staff accounts choose channels")
	}
	var v *PrefsView
	err := a.store.View(ctx, func(tx store.Tx) error {
		pr, err := a.prefs(ctx, tx, who)
		if err != nil {
			return err
		}
		v = &PrefsView{InApp: true, Email: pr.Email, SMS: pr.SMS, Addr: pr.Address, Phone: pr.Phone, Locale: pr.Locale, MustAct: p.Role == RoleCustomer}
		return nil
	})
	return v, err
}

// PrefsInput sets channels; nil fields stay.
type PrefsInput struct {
	Email   *bool   `json:"email,omitempty"`
	SMS     *bool   `json:"sms,omitempty"`
	Address *string `json:"address,omitempty"`
	Phone   *string `json:"phone,omitempty"`
	Locale  *string `json:"locale,omitempty"`
}

// SetNotificationPrefs stores the principal's channel choices.
func (a *App) SetNotificationPrefs(ctx context.Context, p Principal, in PrefsInput) (*PrefsView, error) {
	who := person(p)
	if who == "" {
		return nil, errForbidden("只有买家和员工账号有通知设置", "only customers and staff accounts choose channels")
	}
	if in.Address != nil {
		if err := checkEmail("address", *in.Address); err != nil {
			return nil, err
		}
	}
	if in.Phone != nil && *in.Phone != "" && !phonePattern(*in.Phone) {
		return nil, errInvalid("phone", "请填写有效的手机号码", "give a valid mobile number")
	}
	if in.Locale != nil && *in.Locale != "" && *in.Locale != "zh" && *in.Locale != "en" {
		return nil, errInvalid("locale", "语言应为 zh 或 en", "locale must be zh or en")
	}
	_, err := write(ctx, a, p, nil, auditTarget{"notification.prefs", "person", who}, func(tx *txn) (*struct{}, int, error) {
		pr, err := a.prefs(ctx, tx, who)
		if err != nil {
			return nil, 0, err
		}
		if in.Email != nil {
			pr.Email = *in.Email
		}
		if in.SMS != nil {
			pr.SMS = *in.SMS
		}
		if in.Address != nil {
			pr.Address = *in.Address
		}
		if in.Phone != nil {
			pr.Phone = *in.Phone
		}
		if in.Locale != nil {
			pr.Locale = *in.Locale
		}
		if pr.SMS && pr.Phone == "" && p.Role != RoleCustomer {
			return nil, 0, errInvalid("phone", "选择短信通知须填写手机号码", "SMS needs a mobile number")
		}
		pr.Person, pr.UpdatedAt = who, tx.Now()
		if err := tx.SetNotificationPrefs(ctx, pr); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 200, tx.audit(ctx, "notification.prefs", "person", who, map[string]any{"email": pr.Email, "sms": pr.SMS})
	})
	if err != nil {
		return nil, err
	}
	return a.NotificationPrefs(ctx, p)
}

// phonePattern: a mobile number, digits with an optional leading +, 6–20 of them.
func phonePattern(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 6 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
