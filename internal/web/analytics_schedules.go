package web

import (
	"net/http"
	"strings"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
)

// Scheduled reports (/reports/schedules, 定时报表): the reports the visitor has set to be
// sent by themselves — every morning or every Monday, by email with the export attached or
// by a signed webhook — each with a button that sends it now and one that stops it, and
// the form that sets one up. A webhook's signing secret is in the answer to the form,
// shown once (as on /webhooks), never in an address or a cookie. The application decides
// who may: a merchant's staff their merchant's, supervisors and admins all; others 403,
// someone else's schedule 404.

// ScheduleOption is a choice of a select: its value and its label in the page's language.
type ScheduleOption struct {
	Value, Label string
}

// ScheduleRow is a scheduled report as the list shows it.
type ScheduleRow struct {
	app.ScheduleView
	// Title is the report's title in the page's language.
	Title string
}

// SchedulesData is the scheduled reports page's data.
type SchedulesData struct {
	Rows []ScheduleRow
	// Created is the webhook schedule the form just set up, with its secret: shown this once.
	Created *ScheduleRow
	// Form is what the form holds (the last one sent when it was refused).
	Form    app.ScheduleInput
	Errors  map[string]string
	Message string
	Reports []ScheduleOption
	Groups  []ScheduleOption
	// Platform: the visitor schedules the platform's reports (chooses a merchant, sees
	// every merchant's schedules).
	Platform bool
}

// scheduleGroups are the groupings the form offers (each report takes some of them; the
// application says at the field which it refuses).
var scheduleGroups = []string{analytics.ByDay, analytics.ByWeek, analytics.ByMonth, analytics.ByMerchant, analytics.ByCategory,
	analytics.BySKU, analytics.ByReason, analytics.ByAgent, analytics.ByTheme}

// ReportSchedules lists the scheduled reports the visitor may see, with the form that
// sets one up.
func (pg *Pages) ReportSchedules(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return pg.renderSchedules(w, r, v, http.StatusOK, &SchedulesData{})
}

func (pg *Pages) renderSchedules(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *SchedulesData) error {
	list, err := pg.app.Schedules(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	l := string(v.Lang)
	for _, s := range list.Items {
		d.Rows = append(d.Rows, scheduleRow(l, s))
	}
	for _, name := range analytics.Names() {
		if app.MayReadReports(v.Principal, name) != nil {
			continue // the agents' report is the supervisors' and admins'
		}
		def, _ := analytics.Find(name)
		d.Reports = append(d.Reports, ScheduleOption{Value: name, Label: def.Title.In(l)})
	}
	for _, g := range scheduleGroups {
		d.Groups = append(d.Groups, ScheduleOption{Value: g, Label: pg.say(v.Lang, "schedules.group."+g)})
	}
	d.Platform = v.Principal.Role != app.RoleMerchant
	if d.Form.Frequency == "" {
		d.Form = app.ScheduleInput{Frequency: "daily", Channel: "email", Format: "csv", Lang: string(v.Lang)}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := pg.page(r, v, "schedules.title")
	p.Data = d
	pg.render(w, r, status, "report_schedules", p)
	return nil
}

func scheduleRow(l string, s app.ScheduleView) ScheduleRow {
	def, ok := analytics.Find(s.Input.Report)
	title := s.Input.Report
	if ok {
		title = def.Title.In(l)
	}
	return ScheduleRow{ScheduleView: s, Title: title}
}

// scheduleInput is the form's schedule: the API's fields, the report's language in
// report_lang (lang is the page's).
func scheduleInput(r *http.Request) app.ScheduleInput {
	f := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	return app.ScheduleInput{Report: f("report"), GroupBy: f("group_by"), Merchant: f("merchant"), Category: f("category"),
		SKU: f("sku"), Compare: f("compare") != "", Frequency: f("frequency"), Channel: f("channel"), Target: f("target"),
		Format: f("format"), Lang: f("report_lang")}
}

// CreateReportSchedule sets up a scheduled report. By email: back to the list, which says
// so (303). By webhook: the list with the webhook's signing secret, shown once (201). A
// refused form is the page again with the problem at its field (422).
func (pg *Pages) CreateReportSchedule(w http.ResponseWriter, r *http.Request, v *Visit) error {
	in := scheduleInput(r)
	created, err := pg.app.CreateSchedule(r.Context(), v.Principal, in)
	if err == nil {
		if created.Secret == "" {
			seeOther(w, "/reports/schedules?done=schedule_created&lang="+string(v.Lang))
			return nil
		}
		row := scheduleRow(string(v.Lang), *created)
		return pg.renderSchedules(w, r, v, http.StatusCreated, &SchedulesData{Created: &row})
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	if m, ok := problem.Fields["lang"]; ok { // the report's language is report_lang on the form
		problem.Fields["report_lang"] = m
		delete(problem.Fields, "lang")
	}
	return pg.renderSchedules(w, r, v, problemStatus(err), &SchedulesData{Form: in, Errors: problem.Fields, Message: problem.Message})
}

// SendReportScheduleNow sends a scheduled report at once and goes back to the list, which
// says whether it went (a failure is the schedule's last error).
func (pg *Pages) SendReportScheduleNow(w http.ResponseWriter, r *http.Request, v *Visit) error {
	s, err := pg.app.SendScheduleNow(r.Context(), v.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	done := "schedule_sent"
	if s.LastError != "" {
		done = "schedule_failed"
	}
	seeOther(w, "/reports/schedules?done="+done+"&lang="+string(v.Lang)+"#schedule-"+s.ID)
	return nil
}

// DeleteReportSchedule stops a scheduled report and goes back to the list.
func (pg *Pages) DeleteReportSchedule(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.DeleteSchedule(r.Context(), v.Principal, r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, "/reports/schedules?done=schedule_deleted&lang="+string(v.Lang))
	return nil
}
