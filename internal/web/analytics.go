package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
)

// The dashboard (/dashboard, 数据看板, SPEC §9): the reports of the application drawn as
// charts by ECharts (assets/echarts.min.js, driven by assets/dashboard.js) and always as
// tables of the same figures, so that the page reads without a script and to screen
// readers. Each section links to its report's CSV and XLSX exports with the same filters.
// The application decides who reads what: a merchant's staff their own merchant, agents
// their scope, the agents' report supervisors and admins only.

// DashboardData is the dashboard's data.
type DashboardData struct {
	Filter DashboardFilter
	// Problem is what is wrong with the filters (the sections are then not shown).
	Problem string
	Errors  map[string]string
	// Trend is the cases per day, with the period before when compared.
	Trend *DashSection
	// Changes are the trend's totals against the period before (when compared).
	Changes  []TotalChange
	Sections []*DashSection
}

// DashboardFilter is the filter form: its values as the reports resolved them.
type DashboardFilter struct {
	From, To, Merchant, Category string
	Compare                      bool
	// PickMerchant: the visitor may choose a merchant (the platform's staff).
	PickMerchant bool
}

// DashSection is one report on the dashboard: a chart (when the script runs) and a table.
type DashSection struct {
	ID, Title string
	// Chart is what dashboard.js draws (nil: a table only).
	Chart *ChartSpec
	Table ReportTable
	// CSV and XLSX are the report's exports with the page's filters.
	CSV, XLSX string
}

// ReportTable is a report as an HTML table: headings, rows and totals, formatted.
type ReportTable struct {
	Head   []string
	Rows   [][]string
	Totals []string // empty: no totals line
}

// ChartSpec is a chart as dashboard.js draws it, every word in the page's language.
type ChartSpec struct {
	Kind    string        `json:"kind"` // line, bar, hbar or pie
	Labels  []string      `json:"labels"`
	Series  []ChartSeries `json:"series"`
	YName   string        `json:"yName,omitempty"`
	Percent bool          `json:"percent,omitempty"` // values are shares (0–1)
}

// ChartSeries is one line or set of bars; a nil value is a gap.
type ChartSeries struct {
	Name string `json:"name"`
	Data []any  `json:"data"`
}

// TotalChange is a total of the period against the one before.
type TotalChange struct {
	Title, Now, Before, Change string
	Up, Down                   bool
}

// percentColumns are the report columns that are shares (0–1).
var percentColumns = map[string]bool{"rate": true, "share": true, "attainment": true, "low_share": true}

// topSKUs is how many SKUs the dashboard lists.
const topSKUs = 10

// Dashboard shows the reports of the filters' period: platform-wide for the desk and
// admins (one merchant when chosen), a merchant's own for its staff. Filters the reports
// refuse are said next to their field; another merchant is not found.
func (pg *Pages) Dashboard(w http.ResponseWriter, r *http.Request, v *Visit) error {
	q := r.URL.Query()
	role := v.Principal.Role
	f := DashboardFilter{Merchant: q.Get("merchant"), Category: q.Get("category"),
		PickMerchant: role == app.RoleAgent || role == app.RoleSupervisor || role == app.RoleAdmin,
		// The period before is drawn unless the form was sent without it.
		Compare: q.Get("compare") != "" || (!q.Has("from") && !q.Has("to"))}
	base := url.Values{}
	for _, k := range []string{"from", "to", "merchant", "category"} {
		if s := q.Get(k); s != "" {
			base.Set(k, s)
		}
	}
	d := &DashboardData{Filter: f, Errors: map[string]string{}}
	status, err := pg.dashboardSections(r, v, d, base)
	if err != nil {
		problem := &FormProblem{Fields: map[string]string{}}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
		d.Problem, d.Errors, d.Trend, d.Sections, d.Changes = problem.Message, problem.Fields, nil, nil, nil
		d.Filter.From, d.Filter.To = q.Get("from"), q.Get("to")
		status = problemStatus(err)
	}
	p := pg.page(r, v, "analytics.dashboard.title")
	p.Data = d
	pg.render(w, r, status, "dashboard", p)
	return nil
}

// dashboardSections reads the reports into d's sections.
func (pg *Pages) dashboardSections(r *http.Request, v *Visit, d *DashboardData, base url.Values) (int, error) {
	l := v.Lang
	read := func(name, groupBy string, compare bool) (*analytics.Result, url.Values, error) {
		params := cloneValues(base)
		params.Set("group_by", groupBy)
		if compare {
			params.Set("compare", "previous")
		}
		res, err := pg.app.Report(r.Context(), v.Principal, name, params)
		return res, params, err
	}
	// The trend: cases per day, the period before as a second line.
	trend, params, err := read("return_rate", analytics.ByDay, d.Filter.Compare)
	if err != nil {
		return 0, err
	}
	d.Filter.From, d.Filter.To = trend.From, trend.To
	base.Set("from", trend.From)
	base.Set("to", trend.To)
	d.Trend = pg.section(l, "trend", "analytics.section.trend", "return_rate", trend, params)
	d.Trend.Chart = chartOf(l, trend, "cases", "line")
	d.Trend.Chart.Series[0].Name, _ = pg.cat.Message(l, "analytics.series.period")
	if prev := trend.Previous; prev != nil {
		name, _ := pg.cat.Message(l, "analytics.series.previous")
		before := columnValues(prev, "cases")
		d.Trend.Chart.Series = append(d.Trend.Chart.Series, ChartSeries{Name: name, Data: before})
		// The table has the same two lines: the period before's cases, day by day.
		head, _ := pg.cat.Message(l, "analytics.series.previous_cases")
		d.Trend.Table.Head = append(d.Trend.Table.Head, head)
		for i := range d.Trend.Table.Rows {
			var x any
			if i < len(before) {
				x = before[i]
			}
			d.Trend.Table.Rows[i] = append(d.Trend.Table.Rows[i], formatFigure(x, false))
		}
		d.Trend.Table.Totals = append(d.Trend.Table.Totals, formatFigure(prev.Totals[columnIndex(prev, "cases")-1], false))
		d.Changes = totalChanges(l, trend)
	}

	type spec struct {
		id, report, groupBy string
		chart               func(*analytics.Result) *ChartSpec
		rows                func(*analytics.Result)
	}
	specs := []spec{
		{id: "reasons", report: "reasons", groupBy: analytics.ByReason, chart: func(res *analytics.Result) *ChartSpec { return chartOf(l, res, "cases", "pie") }},
		{id: "sla", report: "sla", groupBy: analytics.ByDay, chart: func(res *analytics.Result) *ChartSpec { return chartOf(l, res, "attainment", "line") }},
		{id: "categories", report: "return_rate", groupBy: analytics.ByCategory, chart: func(res *analytics.Result) *ChartSpec { return chartOf(l, res, "rate", "bar") }},
		{id: "skus", report: "return_rate", groupBy: analytics.BySKU, rows: topByCases,
			chart: func(res *analytics.Result) *ChartSpec { return chartOf(l, res, "cases", "hbar") }},
		{id: "csat", report: "csat", groupBy: analytics.ByWeek, chart: func(res *analytics.Result) *ChartSpec { return chartOf(l, res, "avg_score", "line") }},
		{id: "agents", report: "agents", groupBy: analytics.ByAgent},
		{id: "themes", report: "themes", groupBy: analytics.ByTheme, chart: func(res *analytics.Result) *ChartSpec { return chartOf(l, res, "complaints", "bar") }},
	}
	for _, s := range specs {
		if app.MayReadReports(v.Principal, s.report) != nil {
			continue // the agents' report is the supervisors' and admins'
		}
		res, params, err := read(s.report, s.groupBy, false)
		if err != nil {
			return 0, err
		}
		if s.rows != nil {
			s.rows(res)
		}
		sec := pg.section(l, s.id, "analytics.section."+s.id, s.report, res, params)
		if s.chart != nil && len(res.Rows) > 0 {
			sec.Chart = s.chart(res)
		}
		d.Sections = append(d.Sections, sec)
	}
	return http.StatusOK, nil
}

// section makes a report's section: its table and its exports.
func (pg *Pages) section(l Lang, id, titleKey, report string, res *analytics.Result, params url.Values) *DashSection {
	title, _ := pg.cat.Message(l, titleKey)
	sec := &DashSection{ID: id, Title: title, Table: reportTable(l, res)}
	total, _ := pg.cat.Message(l, "analytics.total")
	if len(res.Rows) > 0 && res.GroupBy != analytics.BySKU {
		sec.Table.Totals = append([]string{total}, formatCells(res.Columns[1:], res.Totals)...)
	}
	sec.CSV, sec.XLSX = exportURL(report, params, "csv", ""), exportURL(report, params, "xlsx", l)
	return sec
}

// exportURL is the API's export of a report with params.
func exportURL(report string, params url.Values, format string, l Lang) string {
	q := cloneValues(params)
	q.Set("format", format)
	if l != "" {
		q.Set("lang", string(l))
	}
	return "/api/v1/reports/" + url.PathEscape(report) + "?" + q.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// reportTable formats a result's rows: the key by its name (reasons, themes), shares as
// percentages, no value as a dash.
func reportTable(l Lang, res *analytics.Result) ReportTable {
	var t ReportTable
	for _, c := range res.Columns {
		t.Head = append(t.Head, c.Title.In(string(l)))
	}
	for _, row := range res.Rows {
		key, _ := row[0].(string)
		t.Rows = append(t.Rows, append([]string{analytics.Label(res.GroupBy, key, string(l), nil)}, formatCells(res.Columns[1:], row[1:])...))
	}
	return t
}

// formatCells formats the values of columns.
func formatCells(cols []analytics.Column, vals []any) []string {
	out := make([]string, len(vals))
	for i, val := range vals {
		out[i] = formatFigure(val, i < len(cols) && percentColumns[cols[i].Name])
	}
	return out
}

// formatFigure is a report's value as the page shows it.
func formatFigure(v any, percent bool) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		if percent {
			return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	return "—"
}

// columnIndex is the index of a column by name (-1: none).
func columnIndex(res *analytics.Result, name string) int {
	return slices.IndexFunc(res.Columns, func(c analytics.Column) bool { return c.Name == name })
}

// columnValues are a column's values, nil where there is none.
func columnValues(res *analytics.Result, name string) []any {
	i := columnIndex(res, name)
	out := make([]any, len(res.Rows))
	for j, row := range res.Rows {
		if i >= 0 {
			out[j] = row[i]
		}
	}
	return out
}

// chartOf is a chart of one column of a result, keyed by the rows' names.
func chartOf(l Lang, res *analytics.Result, column, kind string) *ChartSpec {
	c := &ChartSpec{Kind: kind, Percent: percentColumns[column]}
	if i := columnIndex(res, column); i >= 0 {
		c.YName = res.Columns[i].Title.In(string(l))
	}
	for _, row := range res.Rows {
		key, _ := row[0].(string)
		c.Labels = append(c.Labels, analytics.Label(res.GroupBy, key, string(l), nil))
	}
	c.Series = []ChartSeries{{Name: c.YName, Data: columnValues(res, column)}}
	return c
}

// topByCases keeps the rows with the most cases, most first.
func topByCases(res *analytics.Result) {
	i := columnIndex(res, "cases")
	n := func(row []any) int64 { x, _ := row[i].(int64); return x }
	slices.SortStableFunc(res.Rows, func(a, b []any) int { return cmp.Compare(n(b), n(a)) })
	res.Rows = slices.DeleteFunc(res.Rows, func(row []any) bool { return n(row) == 0 })
	res.Rows = res.Rows[:min(len(res.Rows), topSKUs)]
}

// totalChanges are the trend's totals of orders, cases and their rate against the period
// before: ▲ or ▼ and the relative change.
func totalChanges(l Lang, res *analytics.Result) []TotalChange {
	change := res.Change()
	var out []TotalChange
	for _, name := range []string{"items", "cases", "rate"} {
		i := columnIndex(res, name)
		if i < 1 {
			continue
		}
		pct := percentColumns[name]
		tc := TotalChange{Title: res.Columns[i].Title.In(string(l)), Now: formatFigure(res.Totals[i-1], pct),
			Before: formatFigure(res.Previous.Totals[i-1], pct), Change: "—"}
		if x, ok := change[i-1].(float64); ok {
			tc.Up, tc.Down = x > 0, x < 0
			sign := ""
			switch {
			case tc.Up:
				sign = "▲ "
			case tc.Down:
				sign, x = "▼ ", -x
			}
			tc.Change = sign + strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
		}
		out = append(out, tc)
	}
	return out
}
