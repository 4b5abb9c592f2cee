package inbound

import "testing"

// RMA numbers are "AS" + yymmdd + a six-digit sequence (app.caseNumber), found anywhere
// in a subject but not inside a longer run of letters and digits.
func TestRMAFindsCaseNumberInSubject(t *testing.T) {
	for _, tc := range []struct{ subject, want string }{
		{"AS261205000123", "AS261205000123"},
		{"Re: [AS261205000123] 退货", "AS261205000123"},
		{"回复:售后单 AS261205000123", "AS261205000123"},
		{"回复：售后单AS261205000123已寄回", "AS261205000123"}, // Chinese characters are no letters here
		{"RE: Fwd: case as261205000123 - refund", "AS261205000123"},
		{"(As261205000123)", "AS261205000123"},
		{"AS261205000123/AS261206000001", "AS261205000123"},
		{"XAS261205000124 then AS261205000125", "AS261205000125"},
		{"售后单 ＡＳ２６１２０５０００１２３", "AS261205000123"}, // full-width, as IMEs type it
		{"", ""},
		{"退货申请", ""},
		{"XAS261205000123", ""},
		{"AS2612050001234", ""},
		{"1AS261205000123", ""},
		{"AS26120500012", ""},
		{"AS 261205000123", ""},
		{"AS261205000123x", ""},
		{"order 20261205000123", ""},
		{"Aſ261205000123", ""}, // long s folds to s in (?i), not here
	} {
		if got := RMA(tc.subject); got != tc.want {
			t.Errorf("RMA(%q) = %q, want %q", tc.subject, got, tc.want)
		}
	}
}
