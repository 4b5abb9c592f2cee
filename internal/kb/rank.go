package kb

import (
	"cmp"
	"math"
	"slices"
)

// BM25's parameters, the usual ones: k1 is how fast more occurrences of a term stop
// adding to an article's score, b how much a long article's counts are discounted.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// allTermsBonus multiplies the score of an article that holds every term of the query,
// so that an article about 耳机 and 退货 ranks above one that says 退货 ten times.
const allTermsBonus = 1.5

// Hit is a row the store returns for a search: the weighted count (see Index) of one of
// the query's terms in an article, and the article's length.
type Hit struct {
	Article string
	Term    string
	Count   int
	Length  int
}

// Result is an article found by a search, its score and the query's terms it holds,
// in the order of the query.
type Result struct {
	Article string
	Score   float64
	Matched []string
}

// Rank scores the articles of hits for the query's terms and returns them best first,
// ties by article id. docs is the number of articles searched and avgLen their mean
// length; a term's document frequency is the number of distinct articles hits holds
// it in, which is exact when hits has every row of the query's terms.
//
// An article's score is its BM25 score (k1 = 1.2, b = 0.75), times the share of the
// query's terms it holds, times allTermsBonus when it holds them all. Hits for terms
// not in the query and counts of zero or less are ignored; two rows for one article
// and term are added up. When docs or avgLen is inconsistent with hits (fewer
// articles, a length of zero) the figures of hits are used instead.
func Rank(hits []Hit, queryTerms []string, docs int, avgLen float64) []Result {
	position := make(map[string]int, len(queryTerms))
	var terms []string
	for _, t := range queryTerms {
		if _, ok := position[t]; !ok {
			position[t] = len(terms)
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil
	}

	type article struct {
		length int
		counts []int // by position of the term in terms
	}
	articles := make(map[string]*article)
	for _, h := range hits {
		p, ok := position[h.Term]
		if !ok || h.Count <= 0 {
			continue
		}
		a := articles[h.Article]
		if a == nil {
			a = &article{counts: make([]int, len(terms))}
			articles[h.Article] = a
		}
		a.counts[p] += h.Count
		a.length = max(a.length, h.Length)
	}
	if len(articles) == 0 {
		return nil
	}

	df := make([]int, len(terms))
	totalLen := 0
	for _, a := range articles {
		for p, c := range a.counts {
			if c > 0 {
				df[p]++
			}
		}
		totalLen += a.length
	}
	n := float64(max(docs, len(articles)))
	if !(avgLen > 0) || math.IsInf(avgLen, 0) {
		avgLen = max(float64(totalLen)/float64(len(articles)), 1)
	}
	idf := make([]float64, len(terms))
	for p, d := range df {
		idf[p] = math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5))
	}

	results := make([]Result, 0, len(articles))
	for id, a := range articles {
		r := Result{Article: id}
		norm := bm25K1 * (1 - bm25B + bm25B*float64(a.length)/avgLen)
		for p, c := range a.counts {
			if c == 0 {
				continue
			}
			tf := float64(c)
			r.Score += idf[p] * tf * (bm25K1 + 1) / (tf + norm)
			r.Matched = append(r.Matched, terms[p])
		}
		r.Score *= float64(len(r.Matched)) / float64(len(terms))
		if len(r.Matched) == len(terms) {
			r.Score *= allTermsBonus
		}
		results = append(results, r)
	}
	slices.SortFunc(results, func(x, y Result) int {
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		return cmp.Compare(x.Article, y.Article)
	})
	return results
}
