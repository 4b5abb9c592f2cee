// Package web is the pages people work in (SPEC's roles): the customer portal, the case page
// of every role, the merchant console and the agents' queue, the supervisor's view and the
// admin pages — server-rendered with html/template from embedded templates, every string
// from the message catalogues (locales/), every asset embedded. A page calls the same
// application commands and queries as the API; it never decides a rule or a permission.
//
// The HTTP layer (package httpapi) routes, documents and guards the pages as it does the
// API — the session cookie, the CSRF token of every form, rate limits, security headers — and
// hands each page a Visit: who is visiting, their session's CSRF token, the page language.
// A handler here reads the request, calls the application, and renders a view.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// Options configure the pages.
type Options struct {
	// Logger receives render failures; slog.Default() when nil.
	Logger *slog.Logger
}

// Pages renders and serves the pages over one application.
type Pages struct {
	app  *app.App
	cat  *Catalogue
	tmpl map[string]*template.Template
	log  *slog.Logger
	loc  *time.Location
	now  func() time.Time
	// imports are the order imports started on this replica (admin_import.go).
	imports *importJobs
}

//go:embed templates assets
var files embed.FS

// New parses the templates and the catalogues; an error here is a programming error that
// every test run catches.
func New(a *app.App, opts Options) (*Pages, error) {
	cat, err := loadCatalogue()
	if err != nil {
		return nil, err
	}
	// Times are shown in the business calendar's zone, countdowns run on the app's clock.
	pg := &Pages{app: a, cat: cat, log: opts.Logger, loc: time.FixedZone("CST", 8*3600), now: a.Now, imports: newImportJobs()}
	if e := a.Engine(); e != nil {
		pg.loc = e.Calendar().Location()
	}
	if pg.log == nil {
		pg.log = slog.Default()
	}
	if pg.tmpl, err = parseTemplates(pg.funcs()); err != nil {
		return nil, err
	}
	return pg, nil
}

// Catalogue is the pages' messages.
func (pg *Pages) Catalogue() *Catalogue { return pg.cat }

// parseTemplates makes each page (templates/*.html but the layout and partials) the layout
// around its content, with every partial.
func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(files, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		page := strings.TrimSuffix(path.Base(n), ".html")
		if page == "layout" {
			continue
		}
		t := template.New(page).Funcs(funcs)
		if _, err := t.ParseFS(files, append([]string{"templates/layout.html", n}, partials...)...); err != nil {
			return nil, fmt.Errorf("template %s: %w", page, err)
		}
		out[page] = t
	}
	return out, nil
}

// Visit is one request to a page as the HTTP layer hands it over.
type Visit struct {
	// Principal is who is visiting (the zero Principal on public pages).
	Principal app.Principal
	// CSRF is the session's CSRF token, which every form of the page carries.
	CSRF string
	// Lang is the page's language.
	Lang Lang
	// Addr and Client are where the request comes from, for the audit log.
	Addr, Client string
	// RequestID names the request in the logs.
	RequestID string
}

// Page is what every page template reads: the page's own data in Data.
type Page struct {
	Lang  Lang
	Title string // the <title> and <h1>, already translated
	// Path is the page's address without the language, for the language switch.
	Path string
	CSRF string
	Who  app.Principal
	Nav  []NavLink
	// Bell is the link to the inbox with the unread count (nil: no inbox).
	Bell  *Bell
	Flash string // a message after a form posted and redirected (?done=key)
	// Banners are the notices of the emergency plans active now, in the page's language
	// (customers' pages only).
	Banners []string
	Status  int
	Data    any
}

// NavLink is an entry of the header's navigation.
type NavLink struct {
	Href, Label string
	Current     bool
}

// SwitchHref is the page in the other language.
func (p *Page) SwitchHref() string {
	u, err := url.Parse(p.Path)
	if err != nil {
		return "?lang=" + string(p.Lang.Other())
	}
	q := u.Query()
	q.Set("lang", string(p.Lang.Other()))
	u.RawQuery = q.Encode()
	return u.String()
}

// render writes a page as the whole answer: rendered first, so that a template error is a
// clean 500 and never half a page.
func (pg *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	var buf bytes.Buffer
	t, ok := pg.tmpl[name]
	err := fmt.Errorf("no template %q", name)
	if ok {
		err = t.ExecuteTemplate(&buf, "layout", p)
	}
	if err != nil {
		pg.log.ErrorContext(r.Context(), "render page", slog.String("page", name), slog.String("error", err.Error()))
		buf.Reset()
		status = http.StatusInternalServerError
		buf.WriteString("<!doctype html><title>500</title><p>Internal error · 服务器内部错误</p>")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// page starts the data of a page for visit v, with the visitor's bell (one count of the
// unread notifications).
func (pg *Pages) page(r *http.Request, v *Visit, titleKey string, args ...any) *Page {
	return pg.pageCounted(r, v, pg.bell(r, v), titleKey, args...)
}

// pageCounted starts the data of a page whose bell is known already (the inbox counts
// its unread itself).
func (pg *Pages) pageCounted(r *http.Request, v *Visit, bell *Bell, titleKey string, args ...any) *Page {
	title, err := pg.cat.Message(v.Lang, titleKey, args...)
	if err != nil {
		title = titleKey
	}
	p := &Page{Lang: v.Lang, Title: title, Path: r.URL.Path, CSRF: v.CSRF, Who: v.Principal, Bell: bell, Status: http.StatusOK}
	if q := r.URL.Query(); len(q) > 0 {
		q.Del("lang")
		q.Del("done")
		if len(q) > 0 {
			p.Path += "?" + q.Encode()
		}
	}
	if done := r.URL.Query().Get("done"); done != "" {
		if msg, err := pg.cat.Message(v.Lang, "done."+done); err == nil {
			p.Flash = msg
		}
	}
	p.Nav = pg.nav(v, r.URL.Path)
	if v.Principal.Role == app.RoleCustomer {
		p.Banners = pg.banners(r, v)
	}
	return p
}

// banners are the notices of the active emergency plans in the visitor's language, read
// once per page; a failure is logged and the page shown without them.
func (pg *Pages) banners(r *http.Request, v *Visit) []string {
	bs, err := pg.app.ActiveBanners(r.Context())
	if err != nil {
		pg.log.WarnContext(r.Context(), "plan banners", slog.String("error", err.Error()))
		return nil
	}
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		if s := b.In(string(v.Lang)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// nav is the header's links for the visitor's role: /money for the roles the
// application gives the ledger to (agents find failed payments on the cases); disputes for
// their parties and the desk; complaints for complainants and every tier of the desk
// (admins are the managers of the top tier); the desk's tasks for agents, supervisors and
// admins (who read them); webhooks for merchant staff and admins; the help centre for
// customers and visitors without a session, the knowledge base's editor for the desk;
// canned replies for whoever answers customers, quality reviews and the assignment rules
// for the desk; the dashboard and the scorecards for every role that reads reports; the
// early warning for whoever reads alerts (merchant staff and the desk), the emergency plans
// and the risk watch list for supervisors and admins.
func (pg *Pages) nav(v *Visit, current string) []NavLink {
	type item struct{ href, key string }
	queue, supervisor, moneyPage, admin := item{"/queue", "nav.queue"}, item{"/supervisor", "nav.supervisor"}, item{"/money", "nav.money"}, item{"/admin", "nav.admin"}
	disputes, complaints := item{"/disputes", "nav.disputes"}, item{"/complaints", "nav.complaints"}
	tasks, webhooks := item{"/tasks", "nav.tasks"}, item{"/webhooks", "nav.webhooks"}
	help, kbEditor := item{"/help", "nav.help"}, item{"/kb", "nav.kb"}
	replies, reviews, rules := item{"/replies", "nav.replies"}, item{"/reviews", "nav.reviews"}, item{"/desk/rules", "nav.desk_rules"}
	dashboard, scorecards := item{"/dashboard", "nav.dashboard"}, item{"/scorecards", "nav.scorecards"}
	alerts, plans, watchlist := item{"/alerts", "nav.alerts"}, item{"/plans", "nav.plans"}, item{"/risk/watchlist", "nav.watchlist"}
	var links []item
	switch v.Principal.Role {
	case "":
		links = []item{help} // a visitor without a session: the public help centre
	case app.RoleCustomer:
		links = []item{{"/", "nav.mine"}, disputes, complaints, help}
	case app.RoleMerchant:
		links = []item{queue, disputes, complaints, moneyPage, webhooks, replies, dashboard, scorecards, alerts}
	case app.RoleAgent:
		links = []item{queue, tasks, disputes, complaints, kbEditor, replies, reviews, rules, dashboard, scorecards, alerts}
	case app.RoleSupervisor:
		links = []item{queue, supervisor, tasks, disputes, complaints, moneyPage, kbEditor, replies, reviews, rules, dashboard, scorecards, alerts, plans, watchlist}
	case app.RoleAdmin:
		links = []item{admin, tasks, complaints, moneyPage, webhooks, kbEditor, replies, reviews, rules, dashboard, scorecards, alerts, plans, watchlist}
	}
	var out []NavLink
	for _, l := range links {
		label, _ := pg.cat.Message(v.Lang, l.key)
		out = append(out, NavLink{Href: l.href, Label: label, Current: l.href == current})
	}
	return out
}
