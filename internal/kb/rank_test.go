package kb

import (
	"math"
	"slices"
	"testing"
)

// BM25 by hand for one term in one article of two: idf = ln(1 + (2-1+0.5)/(1+0.5)) =
// ln 2; tf 3, length 10, avgLen 10: 3·2.2 / (3 + 1.2) = 1.5714…; all terms matched.
func TestRankIsBM25(t *testing.T) {
	r := Rank([]Hit{{Article: "a", Term: "refund", Count: 3, Length: 10}}, []string{"refund"}, 2, 10)
	want := math.Ln2 * 3 * 2.2 / (3 + 1.2) * allTermsBonus
	if len(r) != 1 || math.Abs(r[0].Score-want) > 1e-9 {
		t.Fatalf("Rank = %+v, want score %v", r, want)
	}
}

func TestRankRewardsArticlesWithMoreOfTheTerms(t *testing.T) {
	hits := []Hit{
		{"often", "退货", 12, 40},
		{"both", "耳机", 1, 40},
		{"both", "退货", 1, 40},
		{"other", "耳机", 1, 40},
	}
	r := Rank(hits, []string{"耳机", "退货"}, 10, 40)
	if got := articles(r); !slices.Equal(got, []string{"both", "often", "other"}) {
		t.Errorf("order %q", got)
	}
	if !slices.Equal(r[0].Matched, []string{"耳机", "退货"}) {
		t.Errorf("matched %q, want in the query's order", r[0].Matched)
	}
}

func TestRankBreaksTiesByArticle(t *testing.T) {
	hits := []Hit{{"b", "退货", 1, 5}, {"c", "退货", 1, 5}, {"a", "退货", 1, 5}}
	if got := articles(Rank(hits, []string{"退货"}, 3, 5)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("order %q", got)
	}
}

func TestRankIgnoresWhatTheQueryDidNotAsk(t *testing.T) {
	hits := []Hit{
		{"a", "发票", 5, 10}, // not a query term
		{"b", "退货", 0, 10}, // no count
		{"c", "退货", 1, 10},
		{"c", "退货", 1, 10}, // a second row adds up
		{"d", "退货", 2, 10},
	}
	r := Rank(hits, []string{"退货", "退货"}, 4, 10)
	if got := articles(r); !slices.Equal(got, []string{"c", "d"}) {
		t.Fatalf("order %q", got)
	}
	if r[0].Score != r[1].Score {
		t.Errorf("two rows of 1 score %v, one row of 2 %v", r[0].Score, r[1].Score)
	}
	if Rank(hits, nil, 4, 10) != nil || Rank(nil, []string{"退货"}, 4, 10) != nil {
		t.Error("nothing to rank gives results")
	}
}

// A store whose counters lag (docs fewer than the articles of hits, avgLen zero) still
// gives finite, positive scores.
func TestRankSurvivesInconsistentTotals(t *testing.T) {
	hits := []Hit{{"a", "退货", 1, 0}, {"b", "退货", 2, 8}, {"b", "耳机", 1, 8}}
	for _, avg := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		for _, r := range Rank(hits, []string{"退货", "耳机"}, 1, avg) {
			if !(r.Score > 0) || math.IsInf(r.Score, 0) {
				t.Errorf("avgLen %v: score %v for %s", avg, r.Score, r.Article)
			}
		}
	}
}

func articles(results []Result) []string {
	var ids []string
	for _, r := range results {
		ids = append(ids, r.Article)
	}
	return ids
}
