package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/policy"
)

// shopHead is the header of a valid merchant layer; shopDoc adds sections to it.
const shopHead = `schema: aftersales.policy/v1
id: shop-rules
version: 1
layer: merchant
merchant: m1
name: {zh: 商家规则, en: Shop rules}
`

func shopDoc(body string) string { return shopHead + body }

// statutoryDoc is a statutory layer (which only the floor is) with body added: Parse
// accepts it, so that the floor's own keys can be checked.
func statutoryDoc(body string) string {
	return "schema: aftersales.policy/v1\nid: law\nversion: 1\nlayer: statutory\nname: {zh: 法律, en: Law}\n" + body
}

// header is a document of only the header keys given, one per line.
func header(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func newEngine(t *testing.T) *policy.Engine {
	t.Helper()
	e, err := policy.New(calendar.Default())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// checkParseError checks that err is a *ParseError on field whose message contains msg, and
// that the whole error reads in words.
func checkParseError(t *testing.T, err error, field, msg string) {
	t.Helper()
	var pe *policy.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ParseError on %q", err, field)
	}
	if pe.Field != field || !strings.Contains(pe.Msg, msg) {
		t.Errorf("error on %q: %q; want %q on %q", pe.Field, pe.Msg, msg, field)
	}
	if why := unreadable(err.Error()); why != "" {
		t.Errorf("error %q: %s", err.Error(), why)
	}
}

const (
	aWindow = "  - id: w\n    name: {zh: 窗口, en: a window}\n    types: [exchange]\n    from: signed\n    length: 30d\n"
	aRule   = "  - id: r\n    explain: {zh: 不行, en: no}\n    types: [reship]\n    when: 'true'\n    effect: refuse\n"
)

// Every rule of document.go, validate: a document that breaks it is refused with the key at
// fault and what is wrong in words (docs/POLICY.md).
func TestParseRefusesEachInvalidKey(t *testing.T) {
	long := strings.Repeat("a", 65)
	tests := []struct {
		name, doc, field, msg string
	}{
		{"no schema", header("id: x", "version: 1", "layer: platform", "name: {zh: 平台, en: P}"), "schema", `must be "aftersales.policy/v1"`},
		{"another schema", strings.Replace(shopHead, "v1", "v2", 1), "schema", `must be "aftersales.policy/v1"`},
		{"no id", strings.Replace(shopHead, "id: shop-rules\n", "", 1), "id", "1–64 lower-case letters"},
		{"upper-case id", strings.Replace(shopHead, "shop-rules", "Shop-Rules", 1), "id", "lower-case"},
		{"id of 65 characters", strings.Replace(shopHead, "shop-rules", long, 1), "id", "1–64"},
		{"id starting with a dash", strings.Replace(shopHead, "shop-rules", "-shop", 1), "id", "1–64"},
		{"no version", strings.Replace(shopHead, "version: 1\n", "", 1), "version", "whole number ≥ 1"},
		{"version 0", strings.Replace(shopHead, "version: 1", "version: 0", 1), "version", "≥ 1"},
		{"negative version", strings.Replace(shopHead, "version: 1", "version: -3", 1), "version", "≥ 1"},

		{"platform layer naming a merchant", header("schema: aftersales.policy/v1", "id: p", "version: 1", "layer: platform", "merchant: m1", "name: {zh: 平台, en: P}"), "layer", "a platform layer applies to everyone"},
		{"platform layer naming a category", header("schema: aftersales.policy/v1", "id: p", "version: 1", "layer: platform", "category: fresh", "name: {zh: 平台, en: P}"), "layer", "leave merchant and category empty"},
		{"statutory layer naming a merchant", header("schema: aftersales.policy/v1", "id: p", "version: 1", "layer: statutory", "merchant: m1", "name: {zh: 法, en: L}"), "layer", "a statutory layer applies to everyone"},
		{"merchant layer without a merchant", strings.Replace(shopHead, "merchant: m1\n", "", 1), "merchant", "names its merchant"},
		{"merchant layer naming a category", shopHead + "category: fresh\n", "category", "no category"},
		{"category layer without a category", strings.Replace(shopHead, "layer: merchant", "layer: category", 1), "category", "names its category"},
		{"unknown layer", strings.Replace(shopHead, "layer: merchant", "layer: shop", 1), "layer", "must be platform, merchant or category"},
		{"no layer", strings.Replace(shopHead, "layer: merchant\n", "", 1), "layer", "must be platform, merchant or category"},
		{"no zh name", strings.Replace(shopHead, "zh: 商家规则, ", "", 1), "name", "needs zh and en"},
		{"no en name", strings.Replace(shopHead, ", en: Shop rules", "", 1), "name", "needs zh and en"},

		{"bad window id", shopDoc("windows:\n  - id: W 1\n"), "windows[0].id", "lower-case letters"},
		{"two windows with one id", shopDoc("windows:\n" + aWindow + aWindow), "windows[1].id", `"w" is also used by windows[0]`},
		{"a rule with a window's id", shopDoc("windows:\n" + aWindow + "rules:\n" + strings.Replace(aRule, "id: r", "id: w", 1)), "rules[0].id", `"w" is also used by windows[0]`},
		{"a deduction with a shipping rule's id", shopDoc("return_shipping: [{id: x, payer: merchant}]\nrefund: {deductions: [{id: x, explain: {zh: 扣, en: fee}, when: 'true', rate_bp: 100}]}\n"), "refund.deductions[0].id", `"x" is also used by return_shipping[0]`},
		{"an instant rule with a rule's id", shopDoc("rules:\n" + aRule + "auto_approve: {instant: [{id: r, when: 'true'}]}\n"), "auto_approve.instant[0].id", `"r" is also used by rules[0]`},
		{"window without an en name", shopDoc("windows:\n  - id: w\n    name: {zh: 窗口}\n"), "windows[0].name", "needs zh and en"},
		{"window without types", shopDoc("windows:\n  - id: w\n    name: {zh: 窗口, en: a window}\n    from: signed\n"), "windows[0].types", "at least one case type"},
		{"window of an unknown type", shopDoc(strings.Replace("windows:\n"+aWindow, "[exchange]", "[exchange, swap]", 1)), "windows[0].types[1]", `unknown case type "swap"`},
		{"window for an unknown reason", shopDoc("windows:\n" + aWindow + "    reasons: [bored]\n"), "windows[0].reasons[0]", `unknown reason "bored"`},
		{"window without a start", shopDoc(strings.Replace("windows:\n"+aWindow, "    from: signed\n", "", 1)), "windows[0].from", "must be signed, purchase or shipment"},
		{"window from arrival", shopDoc(strings.Replace("windows:\n"+aWindow, "from: signed", "from: arrival", 1)), "windows[0].from", "must be signed, purchase or shipment"},
		{"window in business hours", shopDoc(strings.Replace("windows:\n"+aWindow, "30d", "24bh", 1)), "windows[0].length", "business hours are for service clocks"},

		{"rule without an en explanation", shopDoc("rules: [{id: r, explain: {zh: 不行}}]\n"), "rules[0].explain", "needs zh and en"},
		{"rule of an unknown type", shopDoc(strings.Replace("rules:\n"+aRule, "[reship]", "[swap]", 1)), "rules[0].types[0]", `unknown case type "swap"`},
		{"rule for an unknown reason", shopDoc("rules:\n" + aRule + "    reasons: [bored]\n"), "rules[0].reasons[0]", `unknown reason "bored"`},
		{"rule without a condition", shopDoc(strings.Replace("rules:\n"+aRule, "    when: 'true'\n", "", 1)), "rules[0].when", "is required"},
		{"rule that warns", shopDoc(strings.Replace("rules:\n"+aRule, "effect: refuse", "effect: warn", 1)), "rules[0].effect", "must be refuse or require_evidence"},
		{"rule on an unknown ground", shopDoc("rules:\n" + aRule + "    ground: cheap\n"), "rules[0].ground", `unknown ground "cheap"`},

		{"shipping rule with a bad id", shopDoc("return_shipping: [{id: '', payer: merchant}]\n"), "return_shipping[0].id", "lower-case letters"},
		{"shipping rule for an unknown type", shopDoc("return_shipping: [{id: s, types: [swap], payer: merchant}]\n"), "return_shipping[0].types[0]", `unknown case type "swap"`},
		{"shipping paid by insurance", shopDoc("return_shipping: [{id: s, payer: insurance}]\n"), "return_shipping[0].payer", "must be customer or merchant"},
		{"shipping without a payer", shopDoc("return_shipping: [{id: s}]\n"), "return_shipping[0].payer", "must be customer or merchant"},

		{"deduction without an en explanation", shopDoc("refund: {deductions: [{id: d, explain: {zh: 扣}, when: 'true', rate_bp: 100}]}\n"), "refund.deductions[0].explain", "needs zh and en"},
		{"deduction without a condition", shopDoc("refund: {deductions: [{id: d, explain: {zh: 扣, en: fee}, rate_bp: 100}]}\n"), "refund.deductions[0].when", "is required"},
		{"deduction of nothing", shopDoc("refund: {deductions: [{id: d, explain: {zh: 扣, en: fee}, when: 'true', rate_bp: 0}]}\n"), "refund.deductions[0].rate_bp", "between 1 and 10000 basis points"},
		{"deduction of more than everything", shopDoc("refund: {deductions: [{id: d, explain: {zh: 扣, en: fee}, when: 'true', rate_bp: 10001}]}\n"), "refund.deductions[0].rate_bp", "between 1 and 10000"},
		{"negative inspection cap", shopDoc("refund: {max_inspection_deduction_bp: -1}\n"), "refund.max_inspection_deduction_bp", "between 0 and 10000"},
		{"inspection cap above everything", shopDoc("refund: {max_inspection_deduction_bp: 10001}\n"), "refund.max_inspection_deduction_bp", "between 0 and 10000"},
		{"instant approval with a bad id", shopDoc("auto_approve: {instant: [{id: 'x y', when: 'true'}]}\n"), "auto_approve.instant[0].id", "lower-case letters"},
		{"instant approval without a condition", shopDoc("auto_approve: {instant: [{id: i}]}\n"), "auto_approve.instant[0].when", "is required"},

		{"unknown deadline kind", shopDoc("deadlines: {merchant_reply: 1d}\n"), "deadlines.merchant_reply", "unknown deadline kind; known kinds: [merchant_response customer_info"},
		{"deadline without a span", shopDoc("deadlines: {merchant_response: []}\n"), "deadlines.merchant_response", "needs a span"},
		{"deadline of zero", shopDoc("deadlines: {merchant_response: 0h}\n"), "deadlines.merchant_response[0].span", "longer than zero"},
		{"alternative of zero", shopDoc("deadlines: {merchant_response: [{reasons: [no_reason], span: 0d}, {span: 1d}]}\n"), "deadlines.merchant_response[0].span", "longer than zero"},
		{"default before the last alternative", shopDoc("deadlines: {merchant_response: [{span: 1d}, {when: 'true', span: 2d}]}\n"), "deadlines.merchant_response[0]", "every alternative but the last needs a condition"},
		{"last alternative with a condition", shopDoc("deadlines: {merchant_response: [{when: 'true', span: 1d}, {reasons: [no_reason], span: 2d}]}\n"), "deadlines.merchant_response[1]", "the last is the default and has none"},
		{"only alternative with a condition", shopDoc("deadlines: {merchant_response: [{when: 'true', span: 1d}]}\n"), "deadlines.merchant_response[0]", "the last is the default"},
		{"alternative for an unknown reason", shopDoc("deadlines: {merchant_response: [{reasons: [bored], span: 1d}, {span: 2d}]}\n"), "deadlines.merchant_response[0].reasons[0]", `unknown reason "bored"`},

		{"deadline limit outside the floor", shopDoc("deadline_limits: [{kind: merchant_refund, span: 7d}]\n"), "deadline_limits[0]", "only the statutory floor sets deadline limits"},
		{"deadline limit of an unknown kind", statutoryDoc("deadline_limits: [{kind: refund, span: 7d}]\n"), "deadline_limits[0].kind", `unknown deadline kind "refund"`},
		{"deadline limit of zero", statutoryDoc("deadline_limits: [{kind: merchant_refund, span: 0d}]\n"), "deadline_limits[0].span", "longer than zero"},
		{"deadline limit without a span", statutoryDoc("deadline_limits: [{kind: merchant_refund}]\n"), "deadline_limits[0].span", "longer than zero"},
		{"deadline limit from delivery", statutoryDoc("deadline_limits: [{kind: merchant_refund, span: 7d, from: delivery}]\n"), "deadline_limits[0].from", "must be empty (the state's start) or receipt"},
		{"deadline limit for an unknown reason", statutoryDoc("deadline_limits: [{kind: merchant_refund, span: 7d, reasons: [bored]}]\n"), "deadline_limits[0].reasons[0]", `unknown reason "bored"`},

		{"negative re-application limit", shopDoc("reapply_limit: -1\n"), "reapply_limit", "between 0 and 100"},
		{"re-application limit of 101", shopDoc("reapply_limit: 101\n"), "reapply_limit", "between 0 and 100"},
		{"no failed repair", shopDoc("max_failed_repairs: 0\n"), "max_failed_repairs", "between 1 and 10"},
		{"eleven failed repairs", shopDoc("max_failed_repairs: 11\n"), "max_failed_repairs", "between 1 and 10"},
		{"free repairs out of warranty", shopDoc("repair: {out_of_warranty: free}\n"), "repair.out_of_warranty", "must be paid or refuse"},
		{"no out-of-warranty answer", shopDoc("repair: {}\n"), "repair.out_of_warranty", "must be paid or refuse"},
		{"negative compensation cap", shopDoc("compensation: {max_bp: -1}\n"), "compensation.max_bp", "between 0 and 10000"},
		{"compensation above everything", shopDoc("compensation: {max_bp: 10001}\n"), "compensation.max_bp", "between 0 and 10000"},
		{"disabling what is not an id", shopDoc("disable: [r, 'No Reason']\n"), "disable[1]", "is not a rule id"},
		{"a merchant locking a window", shopDoc("windows:\n" + aWindow + "    locked: true\n"), "windows[0].locked", "only the statutory floor locks rules"},
		{"a merchant locking a shipping rule", shopDoc("return_shipping: [{id: s, payer: merchant, locked: true}]\n"), "return_shipping[0].locked", "only the statutory floor locks rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse accepted the document: %+v", d)
			}
			checkParseError(t, err, tt.field, tt.msg)
		})
	}
}

// The limits of validate are inclusive, and each layer may have the scope it is meant for.
func TestParseAcceptsDocumentsAtTheLimits(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"the statutory preset", mustPreset(t, "statutory")},
		{"the seed platform preset", mustPreset(t, "seed-platform")},
		{"a bare merchant layer", shopHead},
		{"a platform-wide category layer", header("schema: aftersales.policy/v1", "id: fresh", "version: 1", "layer: category", "category: fresh", "name: {zh: 生鲜, en: Fresh}")},
		{"a merchant's category layer", header("schema: aftersales.policy/v1", "id: m1-fresh", "version: 1", "layer: category", "merchant: m1", "category: fresh", "name: {zh: 生鲜, en: Fresh}")},
		{"an id of 64 characters with every allowed sign", strings.Replace(shopHead, "shop-rules", "0a_.:/-"+strings.Repeat("z", 57), 1)},
		{"the widest ranges", shopDoc("reapply_limit: 100\nmax_failed_repairs: 10\ncompensation: {max_bp: 10000}\nrefund: {max_inspection_deduction_bp: 10000, deductions: [{id: d, explain: {zh: 扣, en: fee}, when: 'true', rate_bp: 10000}]}\n")},
		{"the narrowest ranges", shopDoc("reapply_limit: 0\nmax_failed_repairs: 1\ncompensation: {max_bp: 0}\nrefund: {max_inspection_deduction_bp: 0, deductions: [{id: d, explain: {zh: 扣, en: fee}, when: 'true', rate_bp: 1}]}\n")},
		{"alternatives by reason, by condition, then the default", shopDoc("deadlines: {merchant_response: [{reasons: [quality_defect], span: 12h}, {when: 'case.amount > 100', span: 2wd}, {span: 1d}]}\n")},
		{"a window with no end, in any unit but business hours", shopDoc("windows:\n  - id: w\n    name: {zh: 窗口, en: a window}\n    types: [refund_only]\n    from: purchase\n  - id: w2\n    name: {zh: 窗口, en: a window}\n    types: [repair]\n    from: shipment\n    length: 1y\n")},
		{"refusing out-of-warranty repairs", shopDoc("repair: {out_of_warranty: refuse}\n")},
	}
	for _, tt := range tests {
		if _, err := policy.Parse([]byte(tt.doc)); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func mustPreset(t *testing.T, name string) string {
	t.Helper()
	b, err := policy.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPresetNamesTheOnesItHas(t *testing.T) {
	_, err := policy.Preset("generous")
	if err == nil || !strings.Contains(err.Error(), `"generous"`) || !strings.Contains(err.Error(), "statutory, seed-platform") {
		t.Errorf("Preset(%q) = %v, want an error naming the presets there are", "generous", err)
	}
}

// Parse refuses what is not a document at all before reading it (document.go, Parse).
func TestParseRefusesEmptyAndOversizedDocuments(t *testing.T) {
	big := shopDoc("source: '" + strings.Repeat("x", 1<<20) + "'\n")
	tests := []struct {
		name string
		doc  []byte
		msg  string
	}{
		{"nothing", nil, "the document is empty"},
		{"only a comment", []byte("# a policy\n"), "the document is empty"},
		{"larger than 1 MiB", []byte(big), "larger than 1 MiB"},
	}
	for _, tt := range tests {
		_, err := policy.Parse(tt.doc)
		var pe *policy.ParseError
		if !errors.As(err, &pe) || pe.Msg != tt.msg && !strings.Contains(pe.Msg, tt.msg) || pe.Field != "" {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.msg)
		}
	}
	// Exactly 1 MiB is still read.
	doc := shopDoc("source: ''\n")
	doc = strings.Replace(doc, "source: ''", "source: '"+strings.Repeat("x", 1<<20-len(doc))+"'", 1)
	if len(doc) != 1<<20 {
		t.Fatalf("the document is %d bytes", len(doc))
	}
	if _, err := policy.Parse([]byte(doc)); err != nil {
		t.Errorf("a document of exactly 1 MiB: %v", err)
	}
}

// Load keeps each document's identity (engine.go, Load): the statutory floor is built in, an
// id and version stand for one content, a scope has one id, and an id one scope.
func TestLoadRefusesDocumentsThatBreakTheirIdentity(t *testing.T) {
	v2 := strings.Replace(shopHead, "version: 1", "version: 2", 1)
	tests := []struct {
		name   string
		before []string // loaded first, successfully
		doc    string
		field  string
		msg    string
	}{
		{"a statutory layer", nil, mustPreset(t, "statutory"), "layer", "the statutory floor is built in"},
		{"the same id and version with other content", []string{shopHead}, shopDoc("reapply_limit: 1\n"), "version", "already loaded with different content: raise the version"},
		{"a second id for a merchant's scope", []string{shopHead}, strings.Replace(v2, "shop-rules", "other-rules", 1), "id", `this scope already has policy "shop-rules"`},
		{"an id reused for another merchant", []string{shopHead}, strings.Replace(v2, "merchant: m1", "merchant: m2", 1), "id", `id "shop-rules" is used by shop-rules@1 for another scope`},
		{"an id reused for another layer", []string{shopHead}, strings.Replace(strings.Replace(v2, "layer: merchant", "layer: category", 1), "merchant: m1", "category: fresh", 1), "id", "for another scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			for _, b := range tt.before {
				if _, err := e.Load([]byte(b)); err != nil {
					t.Fatal(err)
				}
			}
			_, err := e.Load([]byte(tt.doc))
			checkParseError(t, err, tt.field, tt.msg)
		})
	}
}

// Loading the very same document again is harmless: the application reloads every stored
// version at start-up (app.LoadPolicies), and a new version of a scope keeps its id.
// Loaded tells which are loaded, so that a replica catching up (app.RefreshPolicies)
// compiles only the versions it lacks.
func TestLoadAcceptsTheSameDocumentAgainAndNewVersions(t *testing.T) {
	e := newEngine(t)
	if e.Loaded("shop-rules@1") {
		t.Error("Loaded before Load")
	}
	first, err := e.Load([]byte(shopHead))
	if err != nil {
		t.Fatal(err)
	}
	if !e.Loaded("shop-rules@1") || e.Loaded("shop-rules@2") {
		t.Error("Loaded: want shop-rules@1 only")
	}
	again, err := e.Load([]byte(shopHead))
	if err != nil || again != first {
		t.Errorf("loading the same document again: %p, %v; want the first document %p", again, err, first)
	}
	v2, err := e.Load([]byte(strings.Replace(shopHead, "version: 1", "version: 2", 1) + "reapply_limit: 1\n"))
	if err != nil || v2.Key() != "shop-rules@2" {
		t.Fatalf("version 2: %v, %v", v2, err)
	}
	r, err := e.Resolve("m1", "", sampleNow())
	if err != nil || !strings.HasSuffix(r.Version(), "+shop-rules@2") || r.ReapplyLimit(nil) != 1 {
		t.Errorf("Resolve = %v, %v; want version 2 with its re-application limit", r, err)
	}
}
