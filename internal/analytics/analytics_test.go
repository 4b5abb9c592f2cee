package analytics

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"pgregory.net/rapid"
)

var day1 = time.Date(2026, 12, 1, 10, 0, 0, 0, Zone)

func TestDayIsChinaStandardTime(t *testing.T) {
	// 2026-11-30 17:00 UTC is 2026-12-01 01:00 in Beijing.
	if d := Day(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)); d != "2026-12-01" {
		t.Fatalf("day %s", d)
	}
}

func TestExplodeCountsACaseOncePerCategory(t *testing.T) {
	f := Fact{Metric: MCases, Day: "2026-12-01", Merchant: "m1", N: 1, Reason: "size_fit",
		Lines: []Line{{SKU: "A", Category: "shoes"}, {SKU: "B", Category: "shoes"}, {SKU: "C", Category: "bags"}}}
	got := map[string]int64{}
	for _, c := range Explode(f) {
		got[c.Dim+"|"+c.K1+"|"+c.K2] += c.N
	}
	want := map[string]int64{
		"all||": 1, "reason|size_fit|": 1,
		"category|shoes|": 1, "category|bags|": 1,
		"category/reason|shoes|size_fit": 1, "category/reason|bags|size_fit": 1,
		"sku|A|shoes": 1, "sku|B|shoes": 1, "sku|C|bags": 1,
		"sku/reason|A|size_fit": 1, "sku/reason|B|size_fit": 1, "sku/reason|C|size_fit": 1,
	}
	if len(got) != len(want) {
		t.Fatalf("cells %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d, want %d", k, got[k], v)
		}
	}
}

// TestDiffsAddUpToTheFinalFacts is the invariant the aggregates stand on: however a
// record's facts change, the differences folded one after another equal a rebuild from
// its last facts.
func TestDiffsAddUpToTheFinalFacts(t *testing.T) {
	metrics := []string{MCases, MResolved, MRefunds, MSurveys}
	days := []string{"2026-11-30", "2026-12-01", "2026-12-02"}
	rapid.Check(t, func(t *rapid.T) {
		records := rapid.IntRange(1, 4).Draw(t, "records")
		current := make([][]Fact, records)
		stored := map[Key]Cell{}
		steps := rapid.IntRange(1, 20).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			r := rapid.IntRange(0, records-1).Draw(t, "record")
			var next []Fact
			for j := rapid.IntRange(0, 4).Draw(t, "facts"); j > 0; j-- {
				next = append(next, Fact{
					Metric: rapid.SampledFrom(metrics).Draw(t, "metric"), Day: rapid.SampledFrom(days).Draw(t, "day"),
					Merchant: rapid.SampledFrom([]string{"m1", "m2"}).Draw(t, "merchant"), N: 1,
					Sum:    rapid.Int64Range(0, 1000).Draw(t, "sum"),
					Reason: rapid.SampledFrom([]string{"", "size_fit", "quality_defect"}).Draw(t, "reason"),
					Lines:  []Line{{SKU: rapid.SampledFrom([]string{"A", "B"}).Draw(t, "sku"), Category: "c"}},
				})
			}
			for _, c := range Diff(current[r], next) {
				s := stored[c.Key()]
				s = Cell{Merchant: c.Merchant, Dim: c.Dim, K1: c.K1, K2: c.K2, Day: c.Day, Metric: c.Metric, N: s.N + c.N, Sum: s.Sum + c.Sum}
				stored[c.Key()] = s
			}
			current[r] = next
		}
		var all []Fact
		for _, fs := range current {
			all = append(all, fs...)
		}
		want := Sum(all)
		nonzero := 0
		for _, c := range stored {
			if c.N != 0 || c.Sum != 0 {
				nonzero++
			}
		}
		if nonzero != len(want) {
			t.Fatalf("%d cells stored, %d expected", nonzero, len(want))
		}
		for _, w := range want {
			if g := stored[w.Key()]; g.N != w.N || g.Sum != w.Sum {
				t.Fatalf("%+v: stored %d/%d, expected %d/%d", w.Key(), g.N, g.Sum, w.N, w.Sum)
			}
		}
	})
}

func query(t *testing.T, name string, v url.Values) Query {
	t.Helper()
	q, err := ParseQuery(name, v, day1)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestParseQuery(t *testing.T) {
	q := query(t, "return_rate", url.Values{})
	if q.From != "2026-11-02" || q.To != "2026-12-01" || q.GroupBy != ByDay {
		t.Fatalf("defaults %+v", q)
	}
	q = query(t, "reasons", url.Values{"from": {"2026-11-30T16:30:00Z"}, "to": {"2026-12-03"}, "compare": {"previous"}})
	if q.From != "2026-12-01" || q.GroupBy != ByReason || !q.Compare {
		t.Fatalf("%+v", q)
	}
	if p := q.Previous(); p.From != "2026-11-28" || p.To != "2026-11-30" {
		t.Fatalf("previous %+v", p)
	}
	for _, bad := range []struct {
		name  string
		v     url.Values
		field string
	}{
		{"nope", nil, "name"},
		{"sla", url.Values{"from": {"12/01/2026"}}, "from"},
		{"sla", url.Values{"from": {"2026-12-05"}, "to": {"2026-12-01"}}, "from"},
		{"sla", url.Values{"from": {"2020-01-01"}, "to": {"2026-12-01"}}, "from"},
		{"sla", url.Values{"group_by": {"agent"}}, "group_by"},
		{"agents", url.Values{"category": {"shoes"}}, "category"},
		{"sla", url.Values{"compare": {"maybe"}}, "compare"},
		{"sla", url.Values{"sku": {"A"}}, "sku"},
		{"csat", url.Values{"group_by": {"sku"}}, "group_by"},
	} {
		_, err := ParseQuery(bad.name, bad.v, day1)
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != bad.field || fe.Zh == "" || fe.En == "" {
			t.Errorf("%s %v: %v, want a field error at %s", bad.name, bad.v, err, bad.field)
		}
	}
}

func TestPlans(t *testing.T) {
	for _, tt := range []struct {
		v    url.Values
		want Plan
	}{
		{url.Values{}, Plan{Dim: DimAll, By: []string{"day"}}},
		{url.Values{"category": {"c"}}, Plan{Dim: DimCategory, K1: "c", By: []string{"day"}}},
		{url.Values{"sku": {"A"}, "group_by": {"merchant"}}, Plan{Dim: DimSKU, K1: "A", By: []string{"merchant"}}},
		{url.Values{"category": {"c"}, "group_by": {"reason"}}, Plan{Dim: DimCategoryReason, K1: "c", By: []string{"k2"}}},
		{url.Values{"category": {"c"}, "group_by": {"sku"}}, Plan{Dim: DimSKU, K2: "c", By: []string{"k1"}}},
		{url.Values{"sku": {"A"}, "group_by": {"category"}}, Plan{Dim: DimSKU, K1: "A", By: []string{"k2"}}},
		{url.Values{"sku": {"A"}, "group_by": {"reason"}}, Plan{Dim: DimSKUReason, K1: "A", By: []string{"k2"}}},
		{url.Values{"group_by": {"category"}}, Plan{Dim: DimCategory, By: []string{"k1"}}},
	} {
		q := query(t, "return_rate", tt.v)
		rows, _ := q.Reads()
		if got := rows.Plan; got.Dim != tt.want.Dim || got.K1 != tt.want.K1 || got.K2 != tt.want.K2 || strings.Join(got.By, ",") != strings.Join(tt.want.By, ",") {
			t.Errorf("%v: %+v, want %+v", tt.v, got, tt.want)
		}
	}
}

func sums(kv ...any) Sums {
	s := Sums{}
	for i := 0; i < len(kv); i += 3 {
		s[kv[i].(string)] = NS{N: int64(kv[i+1].(int)), Sum: int64(kv[i+2].(int))}
	}
	return s
}

func TestBuildRollsDaysIntoWeeksAndFillsGaps(t *testing.T) {
	q := query(t, "return_rate", url.Values{"from": {"2026-11-29"}, "to": {"2026-12-08"}, "group_by": {"week"}})
	rows := []Group{
		{Key: "2026-11-29", Sums: sums(MItems, 10, 0, MCases, 1, 0, MCasesByType+"refund_only", 1, 0)}, // Sunday: week of 11-23
		{Key: "2026-11-30", Sums: sums(MItems, 20, 0, MCases, 2, 0)},                                   // Monday
		{Key: "2026-12-06", Sums: sums(MItems, 10, 0, MCases, 2, 0)},                                   // Sunday, same week
	}
	r := q.Build(rows, sums(MItems, 40, 0, MCases, 5, 0))
	if len(r.Rows) != 3 {
		t.Fatalf("rows %v", r.Rows)
	}
	check := func(row []any, key string, items, cases int64, rate any) {
		t.Helper()
		if row[0] != key || row[1] != items || row[2] != cases || row[3] != rate {
			t.Errorf("row %v, want %s %d %d %v", row, key, items, cases, rate)
		}
	}
	check(r.Rows[0], "2026-11-23", 10, 1, 0.1)
	check(r.Rows[1], "2026-11-30", 30, 4, 0.1333)
	check(r.Rows[2], "2026-12-07", 0, 0, nil)
	if r.Totals[0] != int64(40) || r.Totals[1] != int64(5) || r.Totals[2] != 0.125 {
		t.Errorf("totals %v", r.Totals)
	}
}

func TestReportJSONAndComparison(t *testing.T) {
	q := query(t, "sla", url.Values{"from": {"2026-12-01"}, "to": {"2026-12-02"}, "compare": {"previous"}})
	cur := q.Build([]Group{{Key: "2026-12-01", Sums: sums(MFirstResponse, 2, 7200, MSLAMet+"first_response", 3, 0, MSLABreached+"resolution", 1, 0)}},
		sums(MFirstResponse, 2, 7200, MSLAMet+"first_response", 3, 0, MSLABreached+"resolution", 1, 0))
	cur.Previous = q.Previous().Build(nil, sums(MFirstResponse, 1, 3600, MSLAMet+"first_response", 1, 0, MSLABreached+"resolution", 1, 0))
	b, err := json.Marshal(cur)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Rows    []map[string]any `json:"rows"`
		Totals  map[string]any   `json:"totals"`
		Compare struct {
			From   string         `json:"from"`
			Totals map[string]any `json:"totals"`
			Change map[string]any `json:"change"`
		} `json:"compare"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if len(doc.Rows) != 2 || doc.Rows[0]["day"] != "2026-12-01" || doc.Rows[1]["attainment"] != nil {
		t.Fatalf("rows %v", doc.Rows)
	}
	if doc.Totals["attainment"] != 0.75 || doc.Totals["avg_first_response_hours"] != 1.0 || doc.Totals["first_responses"] != 2.0 {
		t.Fatalf("totals %v", doc.Totals)
	}
	if doc.Compare.From != "2026-11-29" || doc.Compare.Totals["attainment"] != 0.5 || doc.Compare.Change["attainment"] != 0.5 || doc.Compare.Change["first_responses"] != 1.0 {
		t.Fatalf("compare %+v", doc.Compare)
	}
}

func TestExportsReadBack(t *testing.T) {
	q := query(t, "refunds", url.Values{"from": {"2026-12-01"}, "to": {"2026-12-01"}, "group_by": {"merchant"}})
	r := q.Build([]Group{{Key: "shop-a", Sums: sums(MRefunds, 2, 29900, MRefundsByKind+"refund", 2, 29900, MTimeToMoney, 2, 7200)}},
		sums(MRefunds, 2, 29900, MRefundsByKind+"refund", 2, 29900, MTimeToMoney, 2, 7200))
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0][:4], ",") != "merchant,refunds,amount,avg_hours_to_money" || strings.Join(recs[1][:4], ",") != "shop-a,2,299.00,1" {
		t.Fatalf("csv %v", recs)
	}
	b.Reset()
	if err := r.WriteXLSX(&b, "zh", nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("退款")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "商家" || rows[0][2] != "到账金额（元）" || rows[1][0] != "shop-a" || rows[1][2] != "299" || rows[2][0] != "合计" {
		t.Fatalf("xlsx %v", rows)
	}
}

func TestThemes(t *testing.T) {
	for text, want := range map[string]string{
		"快递三天了还没收到，物流一直不更新":                               "logistics",
		"退款申请通过一周了钱还没到账":                                  "refund",
		"客服态度很差，问了三次都不回复":                                 "service",
		"The courier lost my parcel and tracking stopped": "logistics",
		"Your agent was rude and ignored my messages":     "service",
		"The photos were misleading, not as described":    "description",
		"手机用了两天就坏了，质量太差":                                  "quality",
		"今天天气不错":                                          ThemeOther,
	} {
		if got := DefaultThemes.Classify(text); got != want {
			t.Errorf("%q: %s, want %s", text, got, want)
		}
	}
}

func TestScorecard(t *testing.T) {
	r := DefaultScorecard
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	// Answers in 2 h (25/25), approves 95% (20/20), loses no dispute (20/20), rated 4.8
	// (20/20), 11% of items come back (half of 15): 92.5.
	s := sums(MFirstResponse, 10, 10*7200, MDecided, 20, 0, MApproved, 19, 0, MCases, 11, 0, MSurveys, 5, 5*3*48/10, MItems, 100, 0)
	card := r.Score("m1", "2026-11", s)
	if card.Score != 92.5 || card.Tier != "excellent" || card.Cases != 11 {
		t.Fatalf("%+v", card)
	}
	// Too few cases: scored, no tier.
	if c := r.Score("m1", "2026-11", sums(MCases, 2, 0, MItems, 10, 0)); c.Tier != "" {
		t.Fatalf("%+v", c)
	}
	bad := r
	bad.Measures = append([]Measure{{Code: MeasureCSAT, Weight: 10, Best: 5, Worst: 3}}, r.Measures...)
	if err, ok := bad.Check().(*FieldError); !ok || err.Field != "measures[4].code" {
		t.Fatalf("%v", bad.Check())
	}
	if _, err := ParseScorecardRules([]byte(`{"measures":[{"code":"csat","weight":100,"best":5,"worst":3}],"tiers":[{"code":"a","zh":"甲","en":"A","min":50},{"code":"b","zh":"乙","en":"B","min":0}]}`)); err != nil {
		t.Fatal(err)
	}
}
