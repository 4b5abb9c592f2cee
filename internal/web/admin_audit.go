package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// The audit log (/admin/audit): who did what, from where, with what outcome — filtered,
// newest first, page by page (keyset: the cursor of the last page read), and the same
// selection as a CSV file from the API (GET /api/v1/admin/audit?format=csv).

// AuditData is the audit page's data.
type AuditData struct {
	Filter  AuditFilter
	Rows    []AuditRow
	Next    string // the address of the next page
	CSV     string // the export of the selection
	Errors  map[string]string
	Message string
}

// AuditRow is an entry with its actor's role and its outcome in words.
type AuditRow struct {
	app.AuditEntryView
	Role, OutcomeText string
}

// AuditFilter is the audit page's query, as its form names it: from and to are dates
// (YYYY-MM-DD, in the platform's time zone), to included.
type AuditFilter struct {
	Actor, Action, Resource, ResourceID, Outcome, From, To string
}

// auditPageRows is how many entries a page of the audit log shows; auditMaxReads bounds
// the pages of the log one page reads looking for entries of an outcome.
const (
	auditPageRows = 50
	auditMaxReads = 20
)

// AdminAudit lists the audit log.
func (pg *Pages) AdminAudit(w http.ResponseWriter, r *http.Request, v *Visit) error {
	q := r.URL.Query()
	f := AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Resource: strings.TrimSpace(q.Get("resource")), ResourceID: strings.TrimSpace(q.Get("resource_id")),
		Outcome: q.Get("outcome"), From: q.Get("from"), To: q.Get("to")}
	d := &AuditData{Filter: f, Errors: map[string]string{}}
	in := app.AuditInput{Actor: f.Actor, Action: f.Action, Resource: f.Resource, ResourceID: f.ResourceID,
		Cursor: q.Get("cursor"), Limit: auditPageRows}
	var ok1, ok2 bool
	in.From, ok1 = pg.auditDate(v, f.From, 0, "from", d.Errors)
	in.To, ok2 = pg.auditDate(v, f.To, 1, "to", d.Errors)
	status := http.StatusOK
	if ok1 && ok2 {
		if err := pg.readAudit(r, v, f, in, d); err != nil {
			problem := &FormProblem{Fields: d.Errors}
			if !pg.formProblem(v.Lang, err, problem) {
				return err
			}
			d.Message, status = problem.Message, problemStatus(err)
		}
	} else {
		d.Message, status = pg.say(v.Lang, "form.check_fields"), http.StatusUnprocessableEntity
		// Who may not read the log learns nothing from a wrong date either.
		if _, err := pg.app.Audit(r.Context(), v.Principal, app.AuditInput{Limit: 1}); err != nil {
			return err
		}
	}
	p := pg.page(r, v, "admin.audit.title")
	p.Data = d
	pg.render(w, r, status, "admin_audit", p)
	return nil
}

// readAudit fills d with a page of the log. Entries are selected by outcome here, as the
// log's query has no outcome: the page reads on until it has a page of them, the log's
// end, or auditMaxReads pages, and its next page starts after the last one read.
func (pg *Pages) readAudit(r *http.Request, v *Visit, f AuditFilter, in app.AuditInput, d *AuditData) error {
	for reads := 1; ; reads++ {
		page, err := pg.app.Audit(r.Context(), v.Principal, in)
		if err != nil {
			return err
		}
		for _, e := range page.Items {
			if f.Outcome == "" || e.Outcome == f.Outcome {
				outcome, err := pg.cat.Message(v.Lang, "admin.audit.outcome."+e.Outcome)
				if err != nil {
					outcome = e.Outcome
				}
				d.Rows = append(d.Rows, AuditRow{AuditEntryView: e, Role: pg.roleLabel(v.Lang, e.ActorRole), OutcomeText: outcome})
			}
		}
		in.Cursor = page.NextCursor
		if f.Outcome == "" || in.Cursor == "" || len(d.Rows) >= auditPageRows || reads == auditMaxReads {
			break
		}
	}
	if in.Cursor != "" {
		d.Next = "/admin/audit?" + f.query(v.Lang, in.Cursor).Encode()
	}
	export := url.Values{"format": {"csv"}}
	for k, val := range map[string]string{"actor": f.Actor, "action": f.Action, "resource": f.Resource, "resource_id": f.ResourceID} {
		if val != "" {
			export.Set(k, val)
		}
	}
	if !in.From.IsZero() {
		export.Set("from", in.From.Format(time.RFC3339))
	}
	if !in.To.IsZero() {
		export.Set("to", in.To.Format(time.RFC3339))
	}
	d.CSV = "/api/v1/admin/audit?" + export.Encode()
	return nil
}

// query is the filter as the query string of a page of the log.
func (f AuditFilter) query(l Lang, cursor string) url.Values {
	q := url.Values{"lang": {string(l)}}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "resource": f.Resource, "resource_id": f.ResourceID,
		"outcome": f.Outcome, "from": f.From, "to": f.To, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// auditDate reads a date of the filter as the start of that day (plus days) in the
// platform's time zone; a date that cannot be read is noted on errs.
func (pg *Pages) auditDate(v *Visit, s string, days int, field string, errs map[string]string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(time.DateOnly, s, pg.loc)
	if err != nil {
		errs[field] = pg.say(v.Lang, "admin.audit.bad_date")
		return time.Time{}, false
	}
	return t.AddDate(0, 0, days), true
}

// say is the catalogue's message of key in l.
func (pg *Pages) say(l Lang, key string, args ...any) string {
	s, _ := pg.cat.Message(l, key, args...)
	return s
}
