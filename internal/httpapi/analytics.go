package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/web"
)

// analyticsRoutes are the reports, their exports and the merchants' scorecards (SPEC §9).
var analyticsRoutes = []route{
	{
		pattern: "GET /api/v1/reports", id: "listReports", tag: "analytics", auth: true,
		summary: "The reports there are: names, titles and what their rows may be grouped by",
		ok:      []response{{status: http.StatusOK, description: "the reports", body: ReportList{}}},
		errors:  []int{http.StatusForbidden},
		handle:  listReports,
	},
	{
		pattern: "GET /api/v1/reports/{name}", id: "getReport", tag: "analytics", auth: true,
		summary: "A report (return_rate, reasons, sla, handling_time, csat, disputes, refunds, agents, themes) from the aggregates: rows by group_by and totals, optionally against the previous period; format=csv or xlsx exports it",
		query: []queryParam{
			{name: "from", kind: "string", description: "the first day: 2026-12-01 or an RFC 3339 time (its day in China Standard Time); 29 days before to when empty"},
			{name: "to", kind: "string", description: "the last day, inclusive (today when empty)"},
			{name: "merchant", kind: "string", description: "one merchant (merchants: their own only)"},
			{name: "category", kind: "string", description: "one product category"},
			{name: "sku", kind: "string", description: "one SKU"},
			{name: "group_by", kind: "string", enum: func() []string {
				return []string{"day", "week", "month", "merchant", "category", "sku", "reason", "agent", "theme"}
			}, description: "what a row is (each report allows some; the first it allows when empty)"},
			{name: "compare", kind: "string", enum: func() []string { return []string{"previous", "true", "false"} }, description: "previous: add the previous period of the same length and each total's change"},
			{name: "format", kind: "string", enum: func() []string { return []string{"json", "csv", "xlsx"} }, description: "csv: the rows with the JSON field names as the header; xlsx: a workbook with headings in lang"},
			{name: "lang", kind: "string", enum: func() []string { return []string{"zh", "en"} }, description: "the language of an XLSX export's headings (Accept-Language when empty)"},
		},
		ok: []response{
			{status: http.StatusOK, description: "the report", body: ReportDoc{}},
			{status: http.StatusOK, contentType: "text/csv"},
			{status: http.StatusOK, contentType: xlsxType},
		},
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: getReport,
	},
	{
		pattern: "GET /api/v1/scorecards", id: "listScorecards", tag: "analytics", auth: true,
		summary: "Merchant scorecards of a month: score, tier and the figures behind them (merchants: their own)",
		query: []queryParam{
			{name: "month", kind: "string", description: "YYYY-MM (last month when empty); the month in progress is provisional"},
		},
		ok:     []response{{status: http.StatusOK, description: "the scorecards, best first", body: ScorecardList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listScorecards,
	},
	{
		pattern: "POST /api/v1/scorecards", id: "scoreMonth", tag: "analytics", auth: true,
		summary: "Admins: score a month now and keep it (the scheduler scores last month every day); new cases then carry each merchant's tier",
		request: ScoreMonthBody{}, idempotencyNote: "scoring a month again replaces its scorecards",
		ok:     []response{{status: http.StatusOK, description: "the scorecards kept", body: ScorecardList{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: scoreMonth,
	},
	{
		pattern: "GET /api/v1/scorecards/rules", id: "getScorecardRules", tag: "analytics", auth: true,
		summary: "The scorecard rules in force: measures with weights and the values worth all or no points, tiers, the fewest cases scored (version 0: the defaults)",
		ok:      []response{{status: http.StatusOK, description: "the rules", body: app.ScorecardRulesView{}}},
		errors:  []int{http.StatusForbidden},
		handle:  getScorecardRules,
	},
	{
		pattern: "PUT /api/v1/scorecards/rules", id: "putScorecardRules", tag: "analytics", auth: true,
		summary: "Admins: replace the scorecard rules at the version read (weights add up to 100; tiers from the highest minimum down to 0)",
		request: app.ScorecardRulesInput{},
		ok:      []response{{status: http.StatusOK, description: "the rules as saved", body: app.ScorecardRulesView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusConflict),
		handle:  putScorecardRules,
	},
	{
		pattern: "GET /api/v1/report-schedules", id: "listReportSchedules", tag: "analytics", auth: true,
		summary: "Scheduled reports (merchants: their own; supervisors and admins: all)",
		ok:      []response{{status: http.StatusOK, description: "the schedules", body: app.ScheduleList{}}},
		errors:  []int{http.StatusForbidden},
		handle:  listSchedules,
	},
	{
		pattern: "POST /api/v1/report-schedules", id: "createReportSchedule", tag: "analytics", auth: true,
		summary: "Schedule a report: daily (yesterday, at 08:00) or weekly (the seven days before, on Mondays), by email with the CSV or XLSX attached or by a signed webhook with the report's JSON (the secret is shown once)",
		request: app.ScheduleInput{}, idempotencyNote: "each call schedules another report",
		ok:     []response{{status: http.StatusCreated, description: "the schedule, with the webhook's secret", body: app.ScheduleView{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound),
		handle: createSchedule,
	},
	{
		pattern: "DELETE /api/v1/report-schedules/{id}", id: "deleteReportSchedule", tag: "analytics", auth: true,
		summary: "Stop a scheduled report; someone else's merchant's is not found",
		ok:      []response{{status: http.StatusNoContent, description: "stopped"}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  deleteSchedule,
	},
	{
		pattern: "POST /api/v1/report-schedules/{id}/send", id: "sendReportSchedule", tag: "analytics", auth: true,
		summary:         "Send a scheduled report now (the last period it covers); the result is its last_error, the next run stays as planned",
		idempotencyNote: "each call sends the report again",
		ok:              []response{{status: http.StatusOK, description: "the schedule after sending", body: app.ScheduleView{}}},
		errors:          []int{http.StatusForbidden, http.StatusNotFound},
		handle:          sendSchedule,
	},
}

func getScorecardRules(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetScorecardRules(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func putScorecardRules(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.ScorecardRulesInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.SaveScorecardRules(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func listSchedules(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.Schedules(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func createSchedule(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.ScheduleInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.CreateSchedule(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func deleteSchedule(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	if err := s.app.DeleteSchedule(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func sendSchedule(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.SendScheduleNow(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// ReportList lists the reports.
type ReportList struct {
	Items []ReportInfo `json:"items"`
}

// ReportInfo describes a report.
type ReportInfo struct {
	Name    string      `json:"name"`
	Title   app.Text    `json:"title"`
	GroupBy []string    `json:"group_by"` // the first is the default
	Columns []ColumnDoc `json:"columns"`  // with its default grouping
}

// ColumnDoc is a field of a report's rows.
type ColumnDoc struct {
	Name  string   `json:"name"`
	Title app.Text `json:"title"`
}

// ReportDoc is the shape of a report's JSON (its rows' fields depend on the report and
// the grouping: GET /api/v1/reports lists them).
type ReportDoc struct {
	Report  string           `json:"report"`
	GroupBy string           `json:"group_by"`
	From    string           `json:"from"`
	To      string           `json:"to"`
	Rows    []map[string]any `json:"rows"`
	Totals  map[string]any   `json:"totals"`
	Compare *ReportCompare   `json:"compare,omitempty"`
}

// ReportCompare is the previous period and each total's relative change.
type ReportCompare struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Rows   []map[string]any `json:"rows"`
	Totals map[string]any   `json:"totals"`
	Change map[string]any   `json:"change"`
}

func listReports(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	if err := app.MayReadReports(p, ""); err != nil {
		return err
	}
	out := ReportList{Items: []ReportInfo{}}
	for _, name := range analytics.Names() {
		d, _ := analytics.Find(name)
		info := ReportInfo{Name: name, Title: app.Text{ZH: d.Title.Zh, EN: d.Title.En}, GroupBy: d.Groups}
		for _, c := range (analytics.Query{Report: name, GroupBy: d.Groups[0]}).Columns() {
			info.Columns = append(info.Columns, ColumnDoc{Name: c.Name, Title: app.Text{ZH: c.Title.Zh, EN: c.Title.En}})
		}
		out.Items = append(out.Items, info)
	}
	return writeJSON(w, http.StatusOK, out)
}

func getReport(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	format := q.Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		return errInvalidField("format", "format is json, csv or xlsx", "format 应为 json、csv 或 xlsx")
	}
	name := r.PathValue("name")
	res, err := s.app.Report(r.Context(), p, name, q)
	if err != nil {
		return err
	}
	file := "report-" + name + "-" + res.From + "-" + res.To
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	switch format {
	case "csv":
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+file+`.csv"`)
		w.WriteHeader(http.StatusOK)
		return res.WriteCSV(w)
	case "xlsx":
		// A workbook is a zip written at the end: build it, then send it whole with its
		// length (the page shows the download's progress).
		var b bytes.Buffer
		if err := res.WriteXLSX(&b, string(web.RequestLang(r)), nil); err != nil {
			return err
		}
		h.Set("Content-Type", xlsxType)
		h.Set("Content-Disposition", `attachment; filename="`+file+`.xlsx"`)
		h.Set("Content-Length", strconv.Itoa(b.Len()))
		w.WriteHeader(http.StatusOK)
		_, err := b.WriteTo(w)
		return err
	}
	body, err := json.Marshal(res)
	if err != nil {
		return err
	}
	h.Set("Content-Type", "application/json")
	// The same answer's exports are attachments; the JSON is shown where it is asked for.
	h.Set("Content-Disposition", `inline; filename="`+file+`.json"`)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

// ScorecardList is the scorecards of a month and the rules they were scored by.
type ScorecardList struct {
	Month string                   `json:"month"`
	Items []app.ScorecardView      `json:"items"`
	Rules analytics.ScorecardRules `json:"rules"`
}

// ScoreMonthBody asks to score a month.
type ScoreMonthBody struct {
	Month string `json:"month" jsonschema:"description=YYYY-MM"`
}

func listScorecards(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	month := r.URL.Query().Get("month")
	items, rules, err := s.app.Scorecards(r.Context(), p, month)
	if err != nil {
		return err
	}
	if month == "" {
		month = analytics.PreviousMonth(s.app.Now())
	}
	if items == nil {
		items = []app.ScorecardView{}
	}
	return writeJSON(w, http.StatusOK, ScorecardList{Month: month, Items: items, Rules: rules})
}

func scoreMonth(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[ScoreMonthBody](w, r)
	if err != nil {
		return err
	}
	cards, err := s.app.KeepScorecards(r.Context(), p, in.Month)
	if err != nil {
		return err
	}
	items := make([]app.ScorecardView, 0, len(cards))
	for _, c := range cards {
		items = append(items, app.ScorecardView{Card: c})
	}
	rules, err := s.app.ScorecardRules(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ScorecardList{Month: in.Month, Items: items, Rules: rules})
}
