// Package notify tells people what happened: it renders an event about a case, a dispute, a
// complaint or an account into an email (plain text and HTML), a one-line SMS and the in-app
// title and body, in Chinese or English, and it delivers email over SMTP and SMS through a
// gateway interface.
//
// The wording lives in embedded templates (templates/events.zh.tmpl, events.en.tmpl), one
// subject and one sentence per event, with an optional second sentence and button label;
// the layouts (layout.txt.tmpl, layout.html.tmpl) are shared by both languages. Rendering
// is pure: no I/O, no clock.
package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Message is one thing to tell one person.
type Message struct {
	// Event is what happened, as the outbox names it without its "notify." prefix:
	// "case.approve", "case.created", "dispute.ruled", "complaint.escalate",
	// "shipment.exception", "payment.failed", "task.opened", "password.reset", … (see Events).
	// An event without wording of its own gets its family's ("case.*") or a generic one.
	Event string
	// Locale is "zh" or "en"; anything else is Chinese.
	Locale string
	// Name is the recipient's display name; "" gives a neutral greeting.
	Name string
	// Number is the case, dispute or complaint number, e.g. "RMA-2026-000123".
	Number string
	// State is the new state's label; it may be empty.
	State aftersale.Text
	// Link is the absolute http(s) URL of the page to look at or act on; "" for none.
	Link string
	// Fields are further facts, already formatted for people: "amount" ("¥128.00"),
	// "deadline", "carrier", "tracking_no", "address" (where to send a return), "rule",
	// "rule_zh", "rule_en" (a shipment exception's rule), "ruling", "tier", "task",
	// "endpoint", "attempts", "reset_url", "expires", "note" (may span lines).
	Fields map[string]string
}

// Rendered is a message ready to send.
type Rendered struct {
	Subject string // one line, no CR or LF: safe in a mail header
	Text    string // the plain-text email
	HTML    string // the HTML email
	SMS     string // one line of at most SMSMaxRunes characters, with the number and the link when they fit
}

// SMSMaxRunes is the longest SMS Render writes, in characters.
const SMSMaxRunes = 140

// Events lists the events with wording of their own, in both languages.
var Events = []string{
	"case.created", "case.approve", "case.reject", "case.request_info", "case.provide_info",
	"case.reapply", "case.ship_back", "case.deliver", "case.outbound_delivered",
	"case.confirm_receipt", "case.refund", "case.ship_exchange", "case.quote",
	"case.accept_quote", "case.decline_quote", "case.repair_done", "case.repair_failed",
	"case.choose_exchange", "case.choose_return", "case.reship", "case.offer",
	"case.accept_offer", "case.decline_offer", "case.confirm", "case.survey", "case.recall", "case.assigned", "case.cancel", "case.close",
	"case.escalate", "case.advance", "case.sla_warning", "case.sla_breach", "case.message",
	"dispute.open", "dispute.admit", "dispute.dismiss", "dispute.request_evidence",
	"dispute.submit_evidence", "dispute.propose", "dispute.accept_proposal",
	"dispute.reject_proposal", "dispute.ruled", "dispute.advance", "dispute.withdraw",
	"dispute.lapse",
	"complaint.file", "complaint.assign", "complaint.reply", "complaint.escalate",
	"complaint.breach", "complaint.resolve", "complaint.reopen",
	"shipment.exception", "payment.failed", "task.opened", "password.reset", "webhook.failed",
}

// aliases are other names the outbox uses for an event with wording.
var aliases = map[string]string{
	"case.apply":      "case.created",   // the case's first action
	"case.completed":  "case.confirm",   // the case reached Completed
	"dispute.rule":    "dispute.ruled",  // the dispute's action name
	"complaint.open":  "complaint.file", // spoken of as opened
	"task.open":       "task.opened",    // the task's action name
	"password.forgot": "password.reset", // the page's name
}

// families are the prefixes with generic wording of their own ("case.*").
var families = []string{"case", "dispute", "complaint"}

// eventName is the event as the templates name it.
func eventName(event string) string {
	event = strings.TrimPrefix(strings.TrimSpace(event), "notify.")
	if a, ok := aliases[event]; ok {
		return a
	}
	return event
}

// customerActs are the events that ask the customer to do something by a deadline: the
// customer cannot opt out of them.
var customerActs = map[string]bool{
	"case.approve":             true, // for the types that return goods: ship them back
	"case.request_info":        true,
	"case.offer":               true,
	"case.quote":               true,
	"case.repair_failed":       true, // choose an exchange or a refund
	"dispute.request_evidence": true,
	"shipment.exception":       true, // the exception may offer the customer a choice
	"case.recall":              true, // a recalled product: stop using it (a safety notice)
}

// MustAct reports whether event asks a recipient in role (an aftersale.Role: "customer",
// "merchant", …) to act, so that the notification cannot be turned off. Only customers
// count. It cannot tell a case's type, so "case.approve" counts (it asks for the goods back
// in a return, an exchange or a repair); MustActOnCase knows better.
func MustAct(event, role string) bool {
	return role == string(aftersale.Customer) && customerActs[eventName(event)]
}

// MustActOnCase is MustAct for an event of a case of type t: an approval asks the customer
// to act only when the goods go back.
func MustActOnCase(event, role string, t aftersale.Type) bool {
	if eventName(event) == "case.approve" {
		return role == string(aftersale.Customer) && t.ReturnsGoods()
	}
	return MustAct(event, role)
}

//go:embed templates/*
var templateFS embed.FS

// catalog is one language's wording and plain-text layout.
type catalog struct {
	locale string // "zh" | "en"
	lang   string // the HTML lang attribute
	t      *template.Template
}

var (
	catalogs = map[string]*catalog{
		"zh": mustCatalog("zh", "zh-CN"),
		"en": mustCatalog("en", "en"),
	}
	htmlLayout = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/layout.html.tmpl"))
)

func mustCatalog(locale, lang string) *catalog {
	t := template.Must(template.New(locale).Option("missingkey=error").
		ParseFS(templateFS, "templates/events."+locale+".tmpl", "templates/layout.txt.tmpl"))
	return &catalog{locale: locale, lang: lang, t: t}
}

func catalogFor(locale string) *catalog {
	if locale == "en" {
		return catalogs["en"]
	}
	return catalogs["zh"]
}

// has reports whether the catalogue defines the template name.
func (c *catalog) has(name string) bool { return c.t.Lookup(name) != nil }

// key is the template prefix for event: its own, its family's or the generic one.
func (c *catalog) key(event string) string {
	event = eventName(event)
	if event != "" && !strings.Contains(event, "*") && c.has(event+"/subject") {
		return event
	}
	if family, _, ok := strings.Cut(event, "."); ok {
		for _, f := range families {
			if f == family {
				return f + ".*"
			}
		}
	}
	return "generic"
}

// exec renders the named template as one line.
func (c *catalog) exec(name string, v any) (string, error) {
	var b strings.Builder
	if err := c.t.ExecuteTemplate(&b, name, v); err != nil {
		return "", fmt.Errorf("notify: render %s %s: %w", c.locale, name, err)
	}
	return oneLine(b.String()), nil
}

// optional renders the named template if the catalogue has it, else fallback.
func (c *catalog) optional(name string, v any, fallback string) (string, error) {
	if !c.has(name) {
		return fallback, nil
	}
	return c.exec(name, v)
}

// view is what the wording templates see: the message's values made safe for one line.
type view struct {
	Name, Number, State, Link string
	fields                    map[string]string
	locale                    string
}

// Field is the fact named k, or "".
func (v view) Field(k string) string { return v.fields[k] }

// Rule is a shipment exception's rule label in the view's language.
func (v view) Rule() string {
	if r := v.fields["rule_"+v.locale]; r != "" {
		return r
	}
	return v.fields["rule"]
}

func newView(m Message, locale string) view {
	v := view{Name: oneLine(m.Name), Number: oneLine(m.Number), Link: oneLine(m.Link),
		State: oneLine(m.State.In(locale)), locale: locale, fields: make(map[string]string, len(m.Fields))}
	for k, val := range m.Fields {
		if k == "note" {
			v.fields[k] = multiLine(val)
		} else {
			v.fields[k] = oneLine(val)
		}
	}
	return v
}

// actionURL is where the button goes: a password reset's own link, else the message's.
func (v view) actionURL() string {
	if u := v.fields["reset_url"]; u != "" {
		return u
	}
	return v.Link
}

// checkURL refuses a link a reader cannot follow from an email: relative, or not http(s).
func checkURL(field, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("notify: %s %q is not an absolute http(s) URL", field, raw)
	}
	return nil
}

// fact is one labelled value in the email.
type fact struct{ Label, Value string }

// factKeys are the fields the email lists, in order, after the state.
var factKeys = []string{"carrier", "tracking_no", "amount", "deadline", "address", "ruling", "endpoint", "attempts", "note"}

// page is what the layouts see.
type page struct {
	Lang, Subject, Greeting, Body, Detail string
	Facts                                 []fact
	Sep                                   string // between a label and its value in plain text
	ActionLabel, ActionURL, Fallback      string
	Signoff, Footer                       string
}

// Render writes m as an email and an SMS in m's language. It fails when a link is not an
// absolute http(s) URL or a template cannot be rendered.
func Render(m Message) (Rendered, error) {
	c := catalogFor(m.Locale)
	v := newView(m, c.locale)
	if err := checkURL("link", v.Link); err != nil {
		return Rendered{}, err
	}
	if err := checkURL("reset_url", v.fields["reset_url"]); err != nil {
		return Rendered{}, err
	}
	key := c.key(m.Event)
	p := page{Lang: c.lang, ActionURL: v.actionURL()}
	var err error
	for _, s := range []struct {
		dst  *string
		name string
	}{
		{&p.Subject, key + "/subject"}, {&p.Body, key + "/body"},
		{&p.Greeting, "ui/greeting"}, {&p.Fallback, "ui/fallback"},
		{&p.Signoff, "ui/signoff"}, {&p.Footer, "ui/footer"}, {&p.ActionLabel, "ui/action"},
	} {
		if *s.dst, err = c.exec(s.name, v); err != nil {
			return Rendered{}, err
		}
	}
	var sep strings.Builder // kept as written: English ends it with a space
	if err := c.t.ExecuteTemplate(&sep, "ui/sep", v); err != nil {
		return Rendered{}, fmt.Errorf("notify: render %s ui/sep: %w", c.locale, err)
	}
	p.Sep = sep.String()
	if p.Detail, err = c.optional(key+"/detail", v, ""); err != nil {
		return Rendered{}, err
	}
	if p.ActionLabel, err = c.optional(key+"/action", v, p.ActionLabel); err != nil {
		return Rendered{}, err
	}
	if p.Facts, err = c.facts(v); err != nil {
		return Rendered{}, err
	}
	var text, html bytes.Buffer
	if err := c.t.ExecuteTemplate(&text, "layout", p); err != nil {
		return Rendered{}, fmt.Errorf("notify: render %s text: %w", c.locale, err)
	}
	if err := htmlLayout.ExecuteTemplate(&html, "layout", p); err != nil {
		return Rendered{}, fmt.Errorf("notify: render %s html: %w", c.locale, err)
	}
	short, err := c.exec("generic/subject", v)
	if err != nil {
		return Rendered{}, err
	}
	line, err := c.sms(p.Subject, short, p.ActionURL)
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{Subject: p.Subject, Text: text.String(), HTML: html.String(), SMS: line}, nil
}

// facts are the state and the fields the email lists, labelled.
func (c *catalog) facts(v view) ([]fact, error) {
	var out []fact
	add := func(key, val string) error {
		if val == "" {
			return nil
		}
		label, err := c.exec("fact/"+key, v)
		out = append(out, fact{label, val})
		return err
	}
	if err := add("state", v.State); err != nil {
		return nil, err
	}
	for _, k := range factKeys {
		if err := add(k, v.fields[k]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Title is the in-app notification's subject in both languages, e.g.
// {"售后单 RMA-2026-000123 已同意", "Case RMA-2026-000123 approved"}.
func Title(m Message) aftersale.Text { return both(m, "/subject") }

// Body is the in-app notification's one sentence in both languages.
func Body(m Message) aftersale.Text { return both(m, "/body") }

func both(m Message, part string) aftersale.Text {
	var t aftersale.Text
	for _, loc := range []string{"zh", "en"} {
		c := catalogs[loc]
		v := newView(m, loc)
		s, err := c.exec(c.key(m.Event)+part, v)
		if err != nil { // the tests render every event; this is a last resort
			s, _ = c.exec("generic"+part, v)
		}
		if loc == "zh" {
			t.ZH = s
		} else {
			t.EN = s
		}
	}
	return t
}

// smsLine is what the "ui/sms" template sees.
type smsLine struct{ Title, Link string }

// sms is one line within SMSMaxRunes: the title and the link, else the short title and the
// link, else the short title cut to make room for the link; the link goes only when it
// leaves no room at all.
func (c *catalog) sms(title, short, link string) (string, error) {
	line := func(t, l string) (string, int, error) {
		s, err := c.exec("ui/sms", smsLine{t, l})
		return s, utf8.RuneCountInString(s), err
	}
	for _, t := range []string{title, short} {
		if s, n, err := line(t, link); err != nil || n <= SMSMaxRunes {
			return s, err
		}
	}
	_, frame, err := line("", link)
	if err != nil {
		return "", err
	}
	if room := SMSMaxRunes - frame - 1; room >= 16 {
		s, _, err := line(cut(short, room), link)
		return s, err
	}
	s, _, err := line(short, "")
	return cut(s, SMSMaxRunes), err
}

// cut shortens s to at most n characters, marking the cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// oneLine makes s valid UTF-8 on one line: control characters and line or paragraph
// separators become spaces, runs of spaces one. Whatever reaches a mail header passes here.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}), " ")
}

// multiLine keeps a note's lines, each made safe as by oneLine.
func multiLine(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = oneLine(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
