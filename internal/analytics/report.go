package analytics

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Groupings a report's rows can be keyed by.
const (
	ByDay      = "day"
	ByWeek     = "week" // the Monday that starts the week
	ByMonth    = "month"
	ByMerchant = "merchant"
	ByCategory = "category"
	BySKU      = "sku"
	ByReason   = "reason"
	ByAgent    = "agent"
	ByTheme    = "theme"
)

// Text is a label in both languages.
type Text struct{ Zh, En string }

// In returns the text in a language ("en" English, anything else Chinese).
func (t Text) In(lang string) string {
	if strings.HasPrefix(lang, "en") {
		return t.En
	}
	return t.Zh
}

// Column is a field of a report's rows: its JSON and CSV name and its heading.
type Column struct {
	Name  string
	Title Text
}

// Definition is a report: its figures, what its rows may be keyed by, and how a row is
// computed from the sums of its metrics.
type Definition struct {
	Name    string
	Title   Text
	Groups  []string // allowed group_by values; the first is the default
	metrics func(q Query) []string
	columns func(q Query) []Column
	row     func(q Query, g Sums) []any
}

// Sums are the summed metrics of one group of cells.
type Sums map[string]NS

// NS is a count and a sum.
type NS struct{ N, Sum int64 }

// N returns the count of a metric.
func (s Sums) N(m string) int64 { return s[m].N }

// S returns the sum of a metric.
func (s Sums) S(m string) int64 { return s[m].Sum }

// Query is a report request: which report, which days (inclusive, YYYY-MM-DD), filters,
// the grouping and whether to compare with the previous period of the same length.
type Query struct {
	Report   string
	From, To string
	Merchant string
	Category string
	SKU      string
	GroupBy  string
	Compare  bool
	// Merchants restricts the report to these merchants (a scoped agent); nil: none.
	Merchants []string
	// Themes are the complaint themes (DefaultThemes when nil).
	Themes Themes

	totals Sums // the period's totals while rows are built (shares)
}

// FieldError is a request field that cannot be used, with the reason in both languages.
type FieldError struct {
	Field  string
	Zh, En string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.En }

// MaxDays is the longest period a report covers.
const MaxDays = 3 * 366

// ParseQuery reads a report request: from and to are days (2026-12-01) or RFC 3339 times
// (their day in China Standard Time); by default the 30 days up to today.
func ParseQuery(name string, v url.Values, now time.Time) (Query, error) {
	def, ok := Find(name)
	if !ok {
		return Query{}, &FieldError{"name", "没有这个报表：" + name, "no such report: " + name}
	}
	q := Query{Report: name, Merchant: v.Get("merchant"), Category: v.Get("category"), SKU: v.Get("sku"), GroupBy: v.Get("group_by")}
	day := func(field string, def string) (string, error) {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return def, nil
		}
		if t, err := time.ParseInLocation(DayLayout, s, Zone); err == nil {
			return t.Format(DayLayout), nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return Day(t), nil
		}
		return "", &FieldError{field, "日期格式应为 2026-12-01 或 RFC 3339 时间", "use a date such as 2026-12-01 or an RFC 3339 time"}
	}
	var err error
	today := Day(now)
	if q.To, err = day("to", today); err != nil {
		return Query{}, err
	}
	to, _ := time.ParseInLocation(DayLayout, q.To, Zone)
	if q.From, err = day("from", to.AddDate(0, 0, -29).Format(DayLayout)); err != nil {
		return Query{}, err
	}
	from, _ := time.ParseInLocation(DayLayout, q.From, Zone)
	switch {
	case from.After(to):
		return Query{}, &FieldError{"from", "开始日期晚于结束日期", "from is after to"}
	case to.Sub(from) > MaxDays*24*time.Hour:
		return Query{}, &FieldError{"from", fmt.Sprintf("一次最多 %d 天", MaxDays), fmt.Sprintf("at most %d days at a time", MaxDays)}
	}
	if q.GroupBy == "" {
		q.GroupBy = def.Groups[0]
	}
	if !slices.Contains(def.Groups, q.GroupBy) {
		return Query{}, &FieldError{"group_by", "可选：" + strings.Join(def.Groups, "、"), "one of: " + strings.Join(def.Groups, ", ")}
	}
	switch c := v.Get("compare"); c {
	case "", "false", "0", "none":
	case "true", "1", "previous", "previous_period":
		q.Compare = true
	default:
		return Query{}, &FieldError{"compare", "compare 可为 previous 或 true", "compare is previous (or true)"}
	}
	for _, f := range []struct{ name, val string }{{"merchant", q.Merchant}, {"category", q.Category}, {"sku", q.SKU}} {
		if len(f.val) > 200 {
			return Query{}, &FieldError{f.name, "过长", "too long"}
		}
	}
	if (q.Category != "" || q.SKU != "") && (q.GroupBy == ByAgent || q.GroupBy == ByTheme || name == "agents" || name == "themes") {
		return Query{}, &FieldError{"category", "此报表不按品类或 SKU 筛选", "this report cannot be filtered by category or SKU"}
	}
	if q.SKU != "" && !allSKUMetrics(def.metrics(q)) {
		return Query{}, &FieldError{"sku", "此报表不按 SKU 统计，可按品类或商家筛选", "this report is not kept by SKU; filter by category or merchant"}
	}
	return q, nil
}

// Columns returns the fields of q's rows, the group key's first.
func (q Query) Columns() []Column {
	def, ok := Find(q.Report)
	if !ok {
		return nil
	}
	return append([]Column{{Name: q.GroupBy, Title: groupTitles[q.GroupBy]}}, def.columns(q)...)
}

func allSKUMetrics(ms []string) bool {
	for _, m := range ms {
		if !SKUMetric(m) {
			return false
		}
	}
	return true
}

// Previous returns the query of the period of the same length that ends the day before q
// starts.
func (q Query) Previous() Query {
	from, _ := time.ParseInLocation(DayLayout, q.From, Zone)
	to, _ := time.ParseInLocation(DayLayout, q.To, Zone)
	days := int(to.Sub(from).Hours()/24+0.5) + 1
	p := q
	p.To = from.AddDate(0, 0, -1).Format(DayLayout)
	p.From = from.AddDate(0, 0, -days).Format(DayLayout)
	p.Compare = false
	return p
}

// Plan is how a query reads the cells: the dimension and keys that its filters select,
// and the columns its grouping groups by.
type Plan struct {
	Dim    string
	K1, K2 string
	By     []string
}

// plan returns the cells of q's filters grouped by its grouping; groupBy "" groups by
// nothing (the totals).
func (q Query) plan(groupBy string) Plan {
	cat, sku := q.Category, q.SKU
	filtered := func() Plan {
		switch {
		case sku != "":
			return Plan{Dim: DimSKU, K1: sku, K2: cat}
		case cat != "":
			return Plan{Dim: DimCategory, K1: cat}
		}
		return Plan{Dim: DimAll}
	}
	var p Plan
	switch groupBy {
	case "":
		p = filtered()
	case ByDay, ByWeek, ByMonth:
		p = filtered()
		p.By = []string{"day"}
	case ByMerchant:
		p = filtered()
		p.By = []string{"merchant"}
	case ByCategory:
		if sku != "" {
			p = Plan{Dim: DimSKU, K1: sku, K2: cat, By: []string{"k2"}}
		} else {
			p = Plan{Dim: DimCategory, K1: cat, By: []string{"k1"}}
		}
	case BySKU:
		p = Plan{Dim: DimSKU, K1: sku, K2: cat, By: []string{"k1"}}
	case ByReason:
		switch {
		case sku != "":
			p = Plan{Dim: DimSKUReason, K1: sku, By: []string{"k2"}}
		case cat != "":
			p = Plan{Dim: DimCategoryReason, K1: cat, By: []string{"k2"}}
		default:
			p = Plan{Dim: DimReason, By: []string{"k1"}}
		}
	case ByAgent:
		p = Plan{Dim: DimAgent, By: []string{"k1"}}
	case ByTheme:
		p = Plan{Dim: DimTheme, By: []string{"k1"}}
	}
	return p
}

// Read is a request for the sums of some metrics of one plan: what the store answers.
type Read struct {
	Plan     Plan
	From, To string
	Metrics  []string
}

// Group is the sums of one group of a Read: its key (the grouped column's value, "" when
// not grouped).
type Group struct {
	Key  string
	Sums Sums
}

// Reads returns what the store must sum to answer q: the rows, then the totals.
func (q Query) Reads() (rows, totals Read) {
	def, _ := Find(q.Report)
	ms := def.metrics(q)
	rows = Read{Plan: q.plan(q.GroupBy), From: q.From, To: q.To, Metrics: ms}
	totals = Read{Plan: q.plan(""), From: q.From, To: q.To, Metrics: ms}
	return rows, totals
}

// Result is a report's answer.
type Result struct {
	Report  string
	From    string
	To      string
	GroupBy string
	Columns []Column // the group key's column first
	Rows    [][]any  // aligned with Columns
	Totals  []any    // aligned with Columns[1:]
	// Previous is the previous period's result when compared.
	Previous *Result
}

// Build turns the sums of q's reads into its result. Periods without data get rows of
// zeros when the rows are days, weeks or months.
func (q Query) Build(rows []Group, totals Sums) *Result {
	def, _ := Find(q.Report)
	r := &Result{Report: q.Report, From: q.From, To: q.To, GroupBy: q.GroupBy}
	r.Columns = q.Columns()
	byKey := map[string]Sums{}
	var keys []string
	for _, g := range rows {
		k := g.Key
		switch q.GroupBy {
		case ByWeek:
			k = weekOf(k)
		case ByMonth:
			k = k[:min(7, len(k))]
		}
		s, ok := byKey[k]
		if !ok {
			s = Sums{}
			byKey[k] = s
			keys = append(keys, k)
		}
		for m, v := range g.Sums {
			x := s[m]
			x.N += v.N
			x.Sum += v.Sum
			s[m] = x
		}
	}
	if q.GroupBy == ByDay || q.GroupBy == ByWeek || q.GroupBy == ByMonth {
		keys = q.periods()
	} else {
		slices.Sort(keys)
	}
	ctx := q
	ctx.totals = totals
	for _, k := range keys {
		s := byKey[k]
		if s == nil {
			s = Sums{}
		}
		r.Rows = append(r.Rows, append([]any{k}, def.row(ctx, s)...))
	}
	r.Totals = def.row(ctx, totals)
	return r
}

// periods lists the days, weeks or months of q's range.
func (q Query) periods() []string {
	from, _ := time.ParseInLocation(DayLayout, q.From, Zone)
	to, _ := time.ParseInLocation(DayLayout, q.To, Zone)
	var out []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		k := d.Format(DayLayout)
		switch q.GroupBy {
		case ByWeek:
			k = weekOf(k)
		case ByMonth:
			k = k[:7]
		}
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}

// weekOf returns the Monday of a day's week.
func weekOf(day string) string {
	d, err := time.ParseInLocation(DayLayout, day, Zone)
	if err != nil {
		return day
	}
	off := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -off).Format(DayLayout)
}

var groupTitles = map[string]Text{
	ByDay: {"日期", "Day"}, ByWeek: {"周（周一）", "Week (Monday)"}, ByMonth: {"月份", "Month"},
	ByMerchant: {"商家", "Merchant"}, ByCategory: {"品类", "Category"}, BySKU: {"SKU", "SKU"},
	ByReason: {"原因", "Reason"}, ByAgent: {"客服", "Agent"}, ByTheme: {"主题", "Theme"},
}

// ratio returns a/b rounded to 4 places, nil when b is 0.
func ratio(a, b int64) any {
	if b == 0 {
		return nil
	}
	return round(float64(a)/float64(b), 4)
}

// avgHours returns sum seconds / n in hours, rounded to 2 places; nil when n is 0.
func avgHours(sum, n int64) any {
	if n == 0 {
		return nil
	}
	return round(float64(sum)/float64(n)/3600, 2)
}

func avg(sum, n int64, div float64) any {
	if n == 0 {
		return nil
	}
	return round(float64(sum)/float64(n)/div, 2)
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

// yuan formats minor units as a decimal string.
func yuan(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// Label returns the readable name of a row's key: a reason's or theme's label, the
// key itself otherwise.
func Label(groupBy, key, lang string, themes Themes) string {
	switch groupBy {
	case ByReason:
		l := aftersale.Reason(key).Info().Label
		return Text{l.ZH, l.EN}.In(lang)
	case ByTheme:
		if themes == nil {
			themes = DefaultThemes
		}
		t := themes.Theme(key)
		return Text{t.Zh, t.En}.In(lang)
	}
	return key
}
