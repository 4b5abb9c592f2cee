package policy_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// goInternals are pieces of Go that a policy author should never read in an error: type
// names of this module (policy.Window, []policy.Layer), pointers, and time layouts.
var goInternals = regexp.MustCompile(`\*policy\.|0x[0-9a-f]{6,}|(into|type|not|to|\(|,) *(\[\]|map\[[^\]]*\])*\*?(policy|aftersale|calendar|money|order|time)\.[A-Z]\w*`)

// goTimeLayout is Go's reference time, which time.Parse errors quote.
var goTimeLayout = regexp.MustCompile(`2006-01-02T15:04:05`)

// echoes are the parts of a message that quote the author's own input: quoted values and
// the source line CEL prints under an error. They are left out of the search for Go
// internals, which the input may well contain.
var echoes = regexp.MustCompile("\"(\\\\.|[^\"\\\\])*\"|`[^`]*`|\\| .*? \\| \\.*\\^")

// unreadable says what is wrong with an error message for a policy author, or "".
func unreadable(msg string) string {
	switch {
	case strings.TrimSpace(msg) == "":
		return "it is empty"
	case utf8.RuneCountInString(msg) >= 2000:
		return "it is 2000 characters or longer"
	case goTimeLayout.MatchString(msg):
		return "it shows Go's time layout"
	case goInternals.MatchString(echoes.ReplaceAllString(msg, "")):
		return "it shows Go internals: " + goInternals.FindString(echoes.ReplaceAllString(msg, ""))
	}
	return ""
}

const categoryLayer = `
schema: aftersales.policy/v1
id: fresh-food
version: 2
layer: category
category: fresh
name: {zh: 生鲜, en: Fresh food}
effective_from: 2026-01-01T00:00:00+08:00
rules:
  - id: fresh_no_reason
    explain: {zh: 生鲜不支持无理由退货, en: fresh food cannot be returned without a reason}
    types: [return_refund]
    reasons: [no_reason, changed_mind]
    ground: perishable
    when: 'item.category == "fresh"'
    effect: refuse
deadlines:
  merchant_response:
    - reasons: [quality_defect]
      span: 12h
    - when: 'case.amount > 100000'
      span: 2wd
    - span: 1d
return_shipping:
  - id: fresh_shipping
    types: [return_refund]
    when: 'order.freight_insurance || case.amount < 5000'
    payer: merchant
`

// floorBreaker disables a statutory window: Load refuses it with a FloorError.
const floorBreaker = `
schema: aftersales.policy/v1
id: sneaky
version: 1
layer: merchant
merchant: sneaky
name: {zh: 狡猾商家, en: Sneaky shop}
disable: [no_reason_return]
`

func loadSeeds(f *testing.F) {
	f.Helper()
	for _, name := range []string{"statutory", "seed-platform"} {
		b, err := policy.Preset(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{generousMerchant, strictMerchant, categoryLayer, floorBreaker, "", "{", "schema: 1"} {
		f.Add([]byte(s))
	}
}

// FuzzLoad: whatever bytes an admin uploads, Load does not panic, and an error says in
// words (not Go) what is wrong, briefly.
func FuzzLoad(f *testing.F) {
	loadSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := policy.New(calendar.Default())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Load(data); err != nil {
			if why := unreadable(err.Error()); why != "" {
				t.Fatalf("error %q: %s", err.Error(), why)
			}
			return
		}
		// A loaded layer resolves and evaluates.
		if _, err := e.Resolve("m-1", "fresh", sampleNow()); err != nil {
			if why := unreadable(err.Error()); why != "" {
				t.Fatalf("Resolve error %q: %s", err.Error(), why)
			}
		}
	})
}

const strictMerchant = `
schema: aftersales.policy/v1
id: strict-shop
version: 1
layer: merchant
merchant: strict
name: {zh: 严格商家, en: Strict shop}
reapply_limit: 0
max_failed_repairs: 1
compensation: {max_bp: 10000}
auto_approve: {on_merchant_silence: false}
`

func sampleNow() time.Time {
	return time.Date(2026, 3, 14, 10, 0, 0, 0, calendar.Default().Location())
}

// sampleRequest is a reship application for a part missing from a parcel signed for four
// days ago, from merchant m-1.
func sampleRequest() policy.Request {
	signed := sampleNow().AddDate(0, 0, -4)
	return policy.Request{
		Order: order.Order{
			No: "O-9", Merchant: "m-1", Customer: "c-9", Currency: money.CNY, PaymentMethod: order.Online,
			ShippingFee: money.Yuan(800), PaidAt: signed.AddDate(0, 0, -3), ShippedAt: signed.AddDate(0, 0, -2), DeliveredAt: signed,
			Items: []order.Item{
				{SKU: "LAMP", Title: "台灯", Category: "home", Quantity: 2, UnitPrice: money.Yuan(15900), PaidAmount: money.Yuan(29800), Tags: []string{"fragile"}},
				{SKU: "BULB", Title: "灯泡", Category: "home", Quantity: 4, UnitPrice: money.Yuan(1000), PaidAmount: money.Yuan(4000)},
			},
		},
		Customer: policy.CustomerVars{ID: "c-9", Cases90d: 2, ReturnRateBP: 500},
		Type:     as.Reship, Reason: as.MissingParts, HasEvidence: true, RefundMethod: as.RefundOriginal,
		Items:       []policy.RequestItem{{SKU: "LAMP", Quantity: 1}},
		Description: "少了灯罩 the shade is missing",
		At:          sampleNow(),
	}
}

// conditionLayers are merchant layers that put cond where conditions are evaluated for a
// reship: a rule and an instant-approval rule (which see the order, the item, the case and
// the customer), and a deadline alternative (which sees only what a case keeps).
func conditionLayers(cond string) ([][]byte, error) {
	head := func() map[string]any {
		return map[string]any{
			"schema": policy.Schema, "id": "fuzzed", "version": 1, "layer": "merchant", "merchant": "m-1",
			"name": map[string]string{"zh": "模糊", "en": "Fuzzed"},
		}
	}
	rules := head()
	rules["rules"] = []map[string]any{{
		"id": "fuzzed_rule", "explain": map[string]string{"zh": "不行", "en": "no"},
		"types": []string{"reship", "compensation"}, "when": cond, "effect": "refuse",
	}}
	rules["auto_approve"] = map[string]any{"instant": []map[string]any{{"id": "fuzzed_instant", "when": cond}}}
	deadlines := head()
	deadlines["deadlines"] = map[string]any{
		"merchant_reship": []map[string]any{{"when": cond, "span": "12h"}, {"span": "24h"}},
	}
	var out [][]byte
	for _, doc := range []map[string]any{rules, deadlines} {
		b, err := yaml.Marshal(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// FuzzCondition: any condition text, quoted properly into a layer, loads or is refused
// with a readable error; a loaded one evaluates without panicking and quickly, because the
// engine bounds the cost of every condition.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"true", "false", `item.category == "home"`, "order.total > 10000 && case.has_evidence",
		`now - order.delivered_at > duration("72h")`, `customer.risk_level in ["low", "medium"]`, `customer.risk >= 70 || customer.watch_listed`,
		`item.tags.exists(t, t == "fragile")`, `case.description.contains("灯")`, "1 / 0 == 1",
		`order.completed_at < now`, "1 +", "order.x", `"a" + 1`, "[1,2,3].all(x, [1,2,3].all(y, [1,2,3].all(z, x+y+z > 0)))",
		`size(case.description) * 1000000000000 > 0`, `case.description.matches("(a+)+$")`,
		`order.payment_method == "cod" && case.amount > 100`,
		`[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, [1,2,3,4,5,6,7,8,9,10].map(d, a*b*c*d)))).size() > 0`,
		strings.Repeat("(", 60) + "true" + strings.Repeat(")", 60), strings.Repeat("true && ", 300) + "true",
		"\x00", "'", `"`, "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cond string) {
		layers, err := conditionLayers(cond)
		if err != nil {
			t.Skip("not representable in YAML")
		}
		for _, layer := range layers {
			e, err := policy.New(calendar.Default())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Load(layer); err != nil {
				if why := unreadable(err.Error()); why != "" {
					t.Fatalf("condition %q: error %q: %s", cond, err.Error(), why)
				}
				continue
			}
			req := sampleRequest()
			start := time.Now()
			d, err := e.Evaluate(req)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			p, err := e.ResolveVersion(d.PolicyVersion)
			if err != nil {
				t.Fatal(err)
			}
			var op as.Opening
			d.Terms(&op)
			c := as.Case{Type: req.Type, Reason: req.Reason, Description: req.Description, ItemsPaid: d.ItemsPaid, Items: op.Items}
			if _, ok := p.Deadline(&c, as.MerchantReship, req.At); !ok {
				t.Fatal("no reship deadline")
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("condition %q took %v to evaluate", cond, took)
			}
			if d.Explanation.ZH == "" || d.Explanation.EN == "" {
				t.Fatalf("decision without explanation: %+v", d)
			}
		}
	})
}

// The error messages a policy author reads when a document does not parse. They name keys
// and YAML shapes, never Go types or Go's time layout.
func TestLoadErrorsSayWhatIsWrongInWords(t *testing.T) {
	const head = "schema: aftersales.policy/v1\nid: m\nversion: 1\nlayer: merchant\nmerchant: m1\nname: {zh: 商, en: M}\n"
	for _, doc := range []string{
		head + "windows: 5\n",                       // cannot unmarshal !!int `5` into []policy.Window
		"layer: [1]\n",                              // cannot unmarshal !!seq into policy.Layer
		head + "effective_from: tomorrow\n",         // parsing time "tomorrow" as "2006-01-02T15:04:05Z07:00" …
		head + "colour: red\n",                      // field colour not found in type policy.Document
		head + "rules: [{id: r, explain: hello}]\n", // cannot unmarshal !!str `hello` into aftersale.Text
	} {
		e := mustEngine(t)
		_, err := e.Load([]byte(doc))
		if err == nil {
			t.Errorf("%q loaded", doc)
			continue
		}
		if why := unreadable(err.Error()); why != "" {
			t.Errorf("%q: error %q: %s", doc, err.Error(), why)
		}
	}
}
