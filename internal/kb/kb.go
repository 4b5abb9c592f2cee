// Package kb is the knowledge base's search: it turns the articles of the help centre
// (知识库) and the questions of customers and agents, in Chinese or English, into search
// terms, ranks the articles that hold a query's terms, and marks the terms in the text
// shown back.
//
// The store keeps, for each article, the weighted count of each of its terms and its
// length (Index); a search asks the store for the rows of the query's terms
// (QueryTerms) and ranks them (Rank). Highlight and Snippet mark the terms in what is
// shown. Nothing here reads a file, a clock or a database: the only work besides
// computing is reading the embedded dictionary, once, on first use (Warm).
//
// Chinese has no spaces, so a text is segmented into words by gse's dictionary (cut as
// gse cuts, by a lexicon of kb's own that needs a fifth of gse's memory), in search
// mode: a long word also yields the dictionary words inside it, so that
// 售后服务 is found by 售后. Characters the dictionary puts in no word of two or more
// characters (到账, 丢件 and 充电宝's 宝 are not in it) are terms on their own, and each
// two neighbours of them is a term too, so that a word the dictionary lacks is still
// found, and found better where its characters stand together.
//
// English is split into words, stop words are dropped and a light stemmer takes the
// plural and -ed/-ing endings off (returns, returned, returning → return).
package kb

// Weights of a term's occurrences in the counts Index returns: a word in the title says
// more about what an article is about than one in a tag, and that more than one in
// the body.
const (
	titleWeight = 3
	tagWeight   = 2
	bodyWeight  = 1
)

// maxQueryTerms bounds the terms of one query, and so the rows a search asks the store
// for; a question longer than that is not a question.
const maxQueryTerms = 32

// Terms returns the search terms of s, in the order they occur and with repeats: the
// words of s after normalisation (NFKC, which also folds full-width letters, digits and
// punctuation to half-width, and lower case), segmentation of Chinese, stop words
// dropped and English words stemmed. Punctuation and single Latin letters are not
// terms; numbers are. Terms is safe for concurrent use; its first call loads the
// dictionary (see Warm).
func Terms(s string) []string {
	var terms []string
	analyze(s, func(t token) { terms = append(terms, t.term) })
	return terms
}

// Index returns what the store keeps for an article: the weighted count of each of its
// terms (an occurrence in the title counts titleWeight, in a tag tagWeight, in the
// body bodyWeight) and its length, the number of its terms counted once each.
func Index(title, body string, tags []string) (counts map[string]int, length int) {
	counts = make(map[string]int)
	add := func(s string, weight int) {
		analyze(s, func(t token) {
			counts[t.term] += weight
			length++
		})
	}
	add(title, titleWeight)
	for _, tag := range tags {
		add(tag, tagWeight)
	}
	add(body, bodyWeight)
	return counts, length
}

// QueryTerms returns the distinct terms of the query q in the order they first occur,
// at most maxQueryTerms of them. A query of stop words and punctuation only has none.
func QueryTerms(q string) []string {
	var terms []string
	seen := make(map[string]bool)
	analyze(q, func(t token) {
		if len(terms) < maxQueryTerms && !seen[t.term] {
			seen[t.term] = true
			terms = append(terms, t.term)
		}
	})
	return terms
}
