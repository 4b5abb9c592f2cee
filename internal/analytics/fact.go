// Package analytics is the law of the reports (SPEC §9): what each record of after-sales
// adds to the figures (facts), how facts are kept as aggregates (cells, one per merchant,
// day, dimension key and metric), how a report is read from the cells, the merchants'
// scorecards and the themes of complaints. It is pure: no I/O, now passed in.
//
// The figures are kept incrementally. Each source record (a case with its history,
// conversation, rating, disputes and money; an order; a complaint; a quality review)
// yields its facts as a pure function of what is stored of it. When a record changes, its
// facts are derived again and only the difference to what it contributed before is added
// to the cells (Diff), so the cells always equal what a rebuild from scratch would give.
package analytics

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Zone is the time zone of the reports' days: China Standard Time.
var Zone = time.FixedZone("CST", 8*3600)

// DayLayout is how days are written: 2006-01-02.
const DayLayout = "2006-01-02"

// Day is the report day of an instant.
func Day(t time.Time) string { return t.In(Zone).Format(DayLayout) }

// Line is an order line a fact is about: its product and the product's category.
type Line struct {
	SKU      string `json:"s"`
	Category string `json:"c,omitempty"`
}

// Fact is one thing a record adds to a metric: N counted things whose values sum to Sum
// (seconds, minor units of money, points), on a day, for a merchant, with the keys it can
// be grouped and filtered by.
type Fact struct {
	Metric   string `json:"m"`
	Day      string `json:"d"`
	Merchant string `json:"mc,omitempty"`
	N        int64  `json:"n,omitempty"`
	Sum      int64  `json:"v,omitempty"`
	Reason   string `json:"r,omitempty"`
	Agent    string `json:"a,omitempty"`
	Theme    string `json:"t,omitempty"`
	Lines    []Line `json:"l,omitempty"`
}

// Dimensions a cell is keyed by besides its merchant and day. A composite dimension has
// two keys: "category/reason" is K1 the category, K2 the reason. A SKU's cells are K1 the
// SKU and K2 its category, so that a category's SKUs are found without another crossing.
//
// SKUs are many (thousands a merchant) and most have a case now and then: a SKU's cells
// hold only the volume metrics (SKUMetric) — order items and cases by type and reason,
// what return rates and reasons by SKU need — and not every figure of every case, which
// would multiply the cells by the SKUs.
const (
	DimAll            = "all"
	DimCategory       = "category"
	DimSKU            = "sku"
	DimReason         = "reason"
	DimAgent          = "agent"
	DimTheme          = "theme"
	DimCategoryReason = "category/reason"
	DimSKUReason      = "sku/reason" // K1 the SKU, K2 the reason: cases and cases by type only
)

// SKUMetric reports whether a metric is kept by SKU: order items, cases, and cases by type
// or reason.
func SKUMetric(m string) bool {
	return m == MItems || m == MCases || strings.HasPrefix(m, MCasesByType) || strings.HasPrefix(m, MCasesByReason)
}

// skuReasonMetric reports whether a metric is kept by SKU and reason.
func skuReasonMetric(m string) bool { return m == MCases || strings.HasPrefix(m, MCasesByType) }

// Cell is one aggregate: the sum of a metric's facts for a merchant, a day and one key of
// one dimension.
type Cell struct {
	Merchant string
	Dim      string
	K1, K2   string
	Day      string
	Metric   string
	N, Sum   int64
}

// Key is a cell's identity.
type Key struct {
	Merchant, Dim, K1, K2, Day, Metric string
}

// Key returns c's identity.
func (c Cell) Key() Key { return Key{c.Merchant, c.Dim, c.K1, c.K2, c.Day, c.Metric} }

// Explode returns the cells a fact adds to: its merchant's "all" cell; its reason's,
// agent's and theme's when it has them; and for its lines each distinct category's and
// each SKU's, also crossed with the reason, and each SKU within its category. A fact
// about two lines of one category counts once for that category.
func Explode(f Fact) []Cell {
	out := make([]Cell, 0, 4+4*len(f.Lines))
	add := func(dim, k1, k2 string) {
		out = append(out, Cell{Merchant: f.Merchant, Dim: dim, K1: k1, K2: k2, Day: f.Day, Metric: f.Metric, N: f.N, Sum: f.Sum})
	}
	add(DimAll, "", "")
	if f.Reason != "" {
		add(DimReason, f.Reason, "")
	}
	if f.Agent != "" {
		add(DimAgent, f.Agent, "")
	}
	if f.Theme != "" {
		add(DimTheme, f.Theme, "")
	}
	var cats, skus []string
	for _, l := range f.Lines {
		if l.Category != "" && !slices.Contains(cats, l.Category) {
			cats = append(cats, l.Category)
			add(DimCategory, l.Category, "")
			if f.Reason != "" {
				add(DimCategoryReason, l.Category, f.Reason)
			}
		}
		if l.SKU != "" && !slices.Contains(skus, l.SKU) && SKUMetric(f.Metric) {
			skus = append(skus, l.SKU)
			add(DimSKU, l.SKU, l.Category)
			if f.Reason != "" && skuReasonMetric(f.Metric) {
				add(DimSKUReason, l.SKU, f.Reason)
			}
		}
	}
	return out
}

// Diff returns what the cells must add when a record's facts change from old to new:
// new's cells less old's, cells of the same key merged, those that cancel out left out,
// in key order.
func Diff(old, new []Fact) []Cell {
	sum := map[Key]*Cell{}
	addAll := func(fs []Fact, sign int64) {
		for _, f := range fs {
			for _, c := range Explode(f) {
				k := c.Key()
				if s, ok := sum[k]; ok {
					s.N += sign * c.N
					s.Sum += sign * c.Sum
					continue
				}
				c.N, c.Sum = sign*c.N, sign*c.Sum
				sum[k] = &c
			}
		}
	}
	addAll(old, -1)
	addAll(new, 1)
	out := make([]Cell, 0, len(sum))
	for _, c := range sum {
		if c.N != 0 || c.Sum != 0 {
			out = append(out, *c)
		}
	}
	SortCells(out)
	return out
}

// SortCells orders cells by key.
func SortCells(cs []Cell) {
	slices.SortFunc(cs, func(a, b Cell) int {
		return cmp.Or(cmp.Compare(a.Merchant, b.Merchant), cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.K1, b.K1),
			cmp.Compare(a.K2, b.K2), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Metric, b.Metric))
	})
}

// Sum adds up facts into cells (what a rebuild compares with the stored cells): cells
// of the same key merged, zero cells left out, in key order.
func Sum(facts []Fact) []Cell { return Diff(nil, facts) }
