package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// What people are told (通知): the bell in every page's header with the unread count, the
// inbox (/notifications) newest first with the unread ones marked, each linking to its
// page, and the channels (/settings/notifications): in-app always, email and SMS as the
// person chooses, in Chinese or English. Customers and staff accounts have an inbox;
// the application finds whose it is from the session.

// Bell is the header's link to the inbox.
type Bell struct {
	Unread int
	// Count is the badge's text (99+ past 99).
	Count string
	// Current: the page is the inbox.
	Current bool
}

func newBell(n int, current bool) *Bell {
	b := &Bell{Unread: n, Count: strconv.Itoa(n), Current: current}
	if n > 99 {
		b.Count = "99+"
	}
	return b
}

// hasInbox reports whether the visitor is a person with an inbox: a customer, or a staff
// account's session (an API token is no one's).
func hasInbox(p app.Principal) bool {
	return p.Role == app.RoleCustomer && p.Customer != "" || p.User != ""
}

// bell is the visitor's bell: one count of the unread (nil for who has no inbox, or when
// the count fails, which is logged: a page is not refused for its bell).
func (pg *Pages) bell(r *http.Request, v *Visit) *Bell {
	if !hasInbox(v.Principal) {
		return nil
	}
	n, err := pg.app.UnreadCount(r.Context(), v.Principal)
	if err != nil {
		pg.log.WarnContext(r.Context(), "unread notifications", slog.String("error", err.Error()))
		return nil
	}
	return newBell(n, r.URL.Path == "/notifications")
}

// InboxData is the inbox page's data.
type InboxData struct {
	Items  []app.NotificationView
	Unread int
	// UnreadOnly: the list shows the unread ones only.
	UnreadOnly bool
	Next       string // the address of the next page
	// ReadAction is where the mark-read forms post: with the query of the list as shown,
	// to come back to it.
	ReadAction string
	Message    string
}

// inboxPageRows is how many notifications a page of the inbox shows.
const inboxPageRows = 30

// Notifications is the visitor's inbox, newest first (?unread=1: the unread ones only).
func (pg *Pages) Notifications(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.inboxData(r, v)
	if err != nil {
		return err
	}
	pg.renderInbox(w, r, v, http.StatusOK, d)
	return nil
}

// inboxQuery is the inbox's own query (without the language).
func inboxQuery(q url.Values) url.Values {
	out := url.Values{}
	if q.Get("unread") != "" {
		out.Set("unread", "1")
	}
	if c := q.Get("cursor"); c != "" {
		out.Set("cursor", c)
	}
	return out
}

func (pg *Pages) inboxData(r *http.Request, v *Visit) (*InboxData, error) {
	q := inboxQuery(r.URL.Query())
	d := &InboxData{UnreadOnly: q.Get("unread") != ""}
	list, err := pg.app.Notifications(r.Context(), v.Principal, d.UnreadOnly, q.Get("cursor"), inboxPageRows)
	if err != nil {
		return nil, err
	}
	d.Items, d.Unread = list.Notifications, list.Unread
	back := inboxQuery(q)
	back.Set("lang", string(v.Lang))
	d.ReadAction = "/notifications/read?" + back.Encode()
	if list.Next != "" {
		next := inboxQuery(q)
		next.Set("cursor", list.Next)
		next.Set("lang", string(v.Lang))
		d.Next = "/notifications?" + next.Encode()
	}
	return d, nil
}

func (pg *Pages) renderInbox(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *InboxData) {
	p := pg.pageCounted(r, v, newBell(d.Unread, true), "notifications.title")
	p.Data = d
	pg.render(w, r, status, "notifications", p)
}

// MarkRead marks the form's notification read (field id), or all of them (no id), and
// goes back to the inbox as it was shown (the form address's query).
func (pg *Pages) MarkRead(w http.ResponseWriter, r *http.Request, v *Visit) error {
	in := app.MarkReadInput{}
	if s := strings.TrimSpace(r.PostForm.Get("id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			d, derr := pg.inboxData(r, v)
			if derr != nil {
				return derr
			}
			d.Message = pg.say(v.Lang, "notifications.bad_id")
			pg.renderInbox(w, r, v, http.StatusUnprocessableEntity, d)
			return nil
		}
		in.IDs = []int64{id}
	}
	if _, err := pg.app.MarkRead(r.Context(), v.Principal, in); err != nil {
		return err
	}
	q := inboxQuery(r.URL.Query())
	q.Set("lang", string(v.Lang))
	q.Set("done", "read")
	seeOther(w, "/notifications?"+q.Encode())
	return nil
}

// PrefsData is the channels form's data: what is stored, or what was entered.
type PrefsData struct {
	Email, SMS           bool
	Address, Phone, Lang string
	Customer             bool // a customer: what they must act on reaches them regardless
	Errors               map[string]string
	Message              string
	Langs                []string
}

// NotificationPrefs shows the visitor's channels form.
func (pg *Pages) NotificationPrefs(w http.ResponseWriter, r *http.Request, v *Visit) error {
	pv, err := pg.app.NotificationPrefs(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	d := &PrefsData{Email: pv.Email, SMS: pv.SMS, Address: pv.Addr, Phone: pv.Phone, Lang: pv.Locale, Customer: pv.MustAct}
	pg.renderPrefs(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) renderPrefs(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *PrefsData) {
	if d.Lang == "" {
		d.Lang = "zh" // what a person without a choice is told in
	}
	d.Langs = []string{"zh", "en"}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := pg.page(r, v, "prefs.title")
	p.Data = d
	pg.render(w, r, status, "prefs", p)
}

// SetNotificationPrefs stores the form's channels — email (1 when ticked) with address,
// sms (1 when ticked) with phone, locale (zh or en) — and shows the form again saved, or
// with the problem at the field.
func (pg *Pages) SetNotificationPrefs(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f := r.PostForm
	d := &PrefsData{Email: f.Get("email") != "", SMS: f.Get("sms") != "", Address: strings.TrimSpace(f.Get("address")),
		Phone: strings.TrimSpace(f.Get("phone")), Lang: f.Get("locale")}
	in := app.PrefsInput{Email: &d.Email, SMS: &d.SMS, Address: &d.Address, Phone: &d.Phone, Locale: &d.Lang}
	_, err := pg.app.SetNotificationPrefs(r.Context(), v.Principal, in)
	if err == nil {
		seeOther(w, "/settings/notifications?done=prefs&lang="+string(v.Lang))
		return nil
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d.Customer = v.Principal.Role == app.RoleCustomer
	d.Errors, d.Message = problem.Fields, pg.say(v.Lang, "form.check_fields")
	if len(problem.Fields) == 0 {
		d.Message = problem.Message
	}
	if d.Lang != "zh" && d.Lang != "en" {
		d.Lang = ""
	}
	pg.renderPrefs(w, r, v, problemStatus(err), d)
	return nil
}
