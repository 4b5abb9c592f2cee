package kb

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

func TestTermsNormalisesWidthAndCase(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"ＲＥＦＵＮＤ", []string{"refund"}},
		{"Ｏｒｄｅｒ １２３４５", []string{"order", "12345"}},
		{"iPhone15退货！", []string{"iphone15", "退货"}},
		{"退货，退款。", []string{"退货", "退款"}},
		{"ＳＯ２０２４０１０１－７７", []string{"so20240101", "77"}},
		{"café", []string{"café"}},
		{"cafe\u0301", []string{"café"}}, // decomposed é is the same word
		{"RETURNED Items", []string{"return", "item"}},
	}
	for _, c := range cases {
		if got := Terms(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// NFKC folds every code point as width.Fold does (and more), which is why Terms applies
// NFKC only: x/text's width package would change nothing after it.
func TestNFKCFoldsWidthAsWidthFoldDoes(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if a, b := norm.NFKC.String(width.Fold.String(s)), norm.NFKC.String(s); a != b {
			t.Fatalf("%U: NFKC(Fold) = %q, NFKC = %q", r, a, b)
		}
	}
}

func TestTermsDropsStopWordsPunctuationAndSingleLetters(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"How do I return my parcel?", []string{"return", "parcel"}},
		{"When will I get the refund", []string{"refund"}},
		{"a b c 7 x", []string{"7"}}, // single letters go, single digits stay
		{"我的退款什么时候到账？", []string{"退款", "到", "账", "到账"}},
		{"如何申请售后？", []string{"申请", "售后"}},
		{"是不是可以退货了吗", []string{"退货"}},
		{"……！？、——", nil},
	}
	for _, c := range cases {
		if got := Terms(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Search mode: a compound yields the dictionary's words inside it, so 售后 finds
// 售后服务; words the dictionary has not got as one (蓝牙耳机) are its parts.
func TestTermsSegmentsChineseForSearch(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"蓝牙耳机的退货流程", []string{"蓝牙", "耳机", "退货", "流程"}},
		{"耳机退货", []string{"耳机", "退货"}},
		{"售后服务", []string{"售后", "服务", "售后服务"}},
		{"开发票", []string{"开发", "发票", "开发票"}},
		{"退换货", []string{"退换", "换货", "退换货"}},
	}
	for _, c := range cases {
		if got := Terms(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Characters the dictionary puts in no word (到账, 丢件 are not in it) are terms, and so
// is each pair of neighbours among them; a stop word breaks the pairs.
func TestTermsPairsCharactersTheDictionaryLacks(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"退款多久到账", []string{"退款", "多久", "到", "账", "到账"}},
		{"快递丢件", []string{"快递", "丢", "件", "丢件"}},
		{"充电宝", []string{"充电", "宝"}},
		{"丢的件", []string{"丢", "件"}}, // 的 is a stop word: no 丢件 across it
	}
	for _, c := range cases {
		if got := Terms(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The pairs are what ranks an article where 到账 stands together above one that has 到
// and 账 more often but apart.
func TestBigramsRankCharactersStandingTogetherFirst(t *testing.T) {
	store := MustIndexCorpus(t, []article{
		{"together", "zh-CN", "退款说明", nil, "审核通过后原路退回，一般3个工作日到账。"},
		{"apart", "zh-CN", "提现说明", nil, "余额提现到银行卡，货款打到您的账上；提现到支付宝也是到您的账上。"},
		{"other", "zh-CN", "发票", nil, "电子发票。"},
	})
	if r := store.search("到账"); len(r) < 2 || r[0].Article != "together" {
		t.Errorf("到账 with pairs:\n%s", describe(r))
	}
	// Without the pair the other article wins: what the pairs are for.
	var hits []Hit
	for _, term := range []string{"到", "账"} {
		hits = append(hits, store.rows[term]...)
	}
	if r := Rank(hits, []string{"到", "账"}, store.docs, store.avgLen); r[0].Article != "apart" {
		t.Errorf("到, 账 without the pair: the test no longer shows what pairs do\n%s", describe(r))
	}
}

// Rule: plural and -ed/-ing forms meet at one stem; words whose ends are not
// inflections keep them.
func TestStemMeetsTheFormsOfAWord(t *testing.T) {
	groups := [][]string{
		{"return", "returns", "returned", "returning"},
		{"refund", "refunds", "refunded", "refunding"},
		{"parcel", "parcels"},
		{"ship", "ships", "shipped", "shipping"},
		{"box", "boxes"},
		{"watch", "watches"},
		{"reply", "replies", "replied"},
		{"size", "sizes", "sized"},
		{"exchange", "exchanges", "exchanged", "exchanging"},
		{"arrive", "arrives", "arrived", "arriving"},
		{"shoe", "shoes"},
		{"address", "addresses"},
		{"miss", "missed", "missing"},
		{"damage", "damaged"},
	}
	for _, g := range groups {
		want := stem(g[0])
		for _, w := range g[1:] {
			if got := stem(w); got != want {
				t.Errorf("stem(%q) = %q, stem(%q) = %q", w, got, g[0], want)
			}
		}
	}
	for _, w := range []string{"status", "need", "bring", "string", "add", "this", "iphone15", "über"} {
		if got := stem(w); got != w {
			t.Errorf("stem(%q) = %q, want it unchanged", w, got)
		}
	}
}

func TestIndexWeightsTitleTagsAndBody(t *testing.T) {
	counts, length := Index("Refund policy", "A refund is issued within 5 days.", []string{"refunds", "billing"})
	// title: refund, policy; tags: refund, bill; body: refund, issu, within, 5, day.
	want := map[string]int{"refund": 3 + 2 + 1, "policy": 3, "bill": 2, "issu": 1, "within": 1, "5": 1, "day": 1}
	if len(counts) != len(want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	for term, c := range want {
		if counts[term] != c {
			t.Errorf("count of %q = %d, want %d", term, counts[term], c)
		}
	}
	if length != 9 {
		t.Errorf("length %d, want 9", length)
	}
}

func TestQueryTermsAreDistinctAndBounded(t *testing.T) {
	if got, want := QueryTerms("退货 退货 return Returns RETURNED"), []string{"退货", "return"}; !slices.Equal(got, want) {
		t.Errorf("QueryTerms = %q, want %q", got, want)
	}
	var long strings.Builder
	for i := range 100 {
		long.WriteString("word")
		long.WriteRune('a' + rune(i%26))
		long.WriteRune('a' + rune(i/26))
		long.WriteByte(' ')
	}
	if got := QueryTerms(long.String()); len(got) != maxQueryTerms {
		t.Errorf("%d query terms, want %d", len(got), maxQueryTerms)
	}
}

func TestTermsDropsOverlongWordsAndBadBytes(t *testing.T) {
	long := strings.Repeat("x", maxTermBytes+1)
	if got := Terms(long + " parcel \xff\xfe退货\x80"); !slices.Equal(got, []string{"parcel", "退货"}) {
		t.Errorf("Terms = %q", got)
	}
}

// The dictionary loads once and is shared; the race detector watches.
func TestTermsIsSafeForConcurrentUse(t *testing.T) {
	want := Terms(corpus[2].body)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, a := range corpus {
				Terms(a.title + a.body)
			}
			if got := Terms(corpus[2].body); !slices.Equal(got, want) {
				t.Errorf("concurrent Terms differ")
			}
		})
	}
	wg.Wait()
	for _, term := range want {
		if !utf8.ValidString(term) {
			t.Errorf("term %q", term)
		}
	}
}
