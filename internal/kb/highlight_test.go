package kb

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// show renders spans as text with [marks], which reads better in a failure.
func show(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.Mark {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestHighlightMarksWhereTheSearchMatched(t *testing.T) {
	cases := []struct {
		name, text, query, want string
	}{
		{"Chinese words in a longer word", "蓝牙耳机的退货流程", "耳机退货", "蓝牙[耳机]的[退货]流程"},
		{"neighbouring marks are one", "耳机退货怎么办", "耳机退货", "[耳机退货]怎么办"},
		{"characters the dictionary lacks", "退款一般3个工作日到账。", "什么时候到账", "退款一般3个工作日[到账]。"},
		{"English forms of the stem", "Returns are free. RETURN the item and we return your money; returnable items only.",
			"returning", "[Returns] are free. [RETURN] the item and we [return] your money; returnable items only."},
		{"full-width text keeps its bytes", "ＲＥＦＵＮＤ已到账", "refund 到账", "[ＲＥＦＵＮＤ]已[到账]"},
		{"stop words are not marked", "How do I return the parcel?", "how return the parcel", "How do I [return] the [parcel]?"},
		{"nothing matches", "发票开具", "refund", "发票开具"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spans := Highlight(c.text, QueryTerms(c.query))
			if got := show(spans); got != c.want {
				t.Errorf("Highlight(%q, %q) = %s, want %s", c.text, QueryTerms(c.query), got, c.want)
			}
			assertReassembles(t, c.text, spans)
		})
	}
}

// Terms a caller did not normalise are normalised: what the customer typed can be
// passed as it is.
func TestHighlightNormalisesRawTerms(t *testing.T) {
	spans := Highlight("Your parcels were returned.", []string{"Parcel", "RETURNING"})
	if got, want := show(spans), "Your [parcels] were [returned]."; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestHighlightOfNothing(t *testing.T) {
	if spans := Highlight("", []string{"退货"}); len(spans) != 0 {
		t.Errorf("spans of empty text: %v", spans)
	}
	if got := show(Highlight("退货流程", nil)); got != "退货流程" {
		t.Errorf("no terms: %s", got)
	}
}

func assertReassembles(t *testing.T, text string, spans []Span) {
	t.Helper()
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	if b.String() != text {
		t.Errorf("spans make %q, not %q", b.String(), text)
	}
}

func TestSnippetShowsTheFirstMatch(t *testing.T) {
	body := strings.Repeat("商品签收后请检查外包装是否完好。", 6) + "如果快递丢了，请联系客服为您补发。" + strings.Repeat("其他说明。", 10)
	got := Snippet(body, QueryTerms("快递丢了"), 30)
	if !strings.HasPrefix(got, ellipsis) || !strings.HasSuffix(got, ellipsis) {
		t.Errorf("snippet %q is cut on both sides but does not say so", got)
	}
	if !strings.Contains(got, "快递丢了") {
		t.Errorf("snippet %q misses the match", got)
	}
	if n := utf8.RuneCountInString(got); n > 32 {
		t.Errorf("snippet of %d characters, want about 30", n)
	}
}

func TestSnippetWithoutMatchIsTheStart(t *testing.T) {
	body := "You can return most items within 30 days of delivery. Open your order and choose Return item."
	if got, want := Snippet(body, QueryTerms("invoice"), 30), "You can return most items…"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := Snippet("退货流程", QueryTerms("发票"), 30); got != "退货流程" {
		t.Errorf("short body: %q", got)
	}
	if got := Snippet(body, nil, 0); got != "" {
		t.Errorf("no room: %q", got)
	}
}

func TestSnippetDoesNotCutEnglishWords(t *testing.T) {
	body := "Refunds are issued to your original payment method once the returned item has been inspected by our warehouse team."
	got := Snippet(body, QueryTerms("inspected"), 40)
	if !strings.Contains(got, "inspected") {
		t.Fatalf("snippet %q misses the match", got)
	}
	words := strings.Fields(strings.Trim(got, ellipsis))
	for _, w := range words {
		if !strings.Contains(body, " "+w+" ") && !strings.HasPrefix(body, w+" ") && !strings.HasSuffix(body, " "+w) {
			t.Errorf("snippet %q cuts the word %q", got, w)
		}
	}
}
