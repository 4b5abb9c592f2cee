package kb

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxTermBytes bounds a Latin term: longer "words" are URLs, hashes and keyboard
// mashing, which nobody searches for and the store need not keep.
const maxTermBytes = 64

// token is a term found in a text and the bytes [start, end) of the original text it
// came from, which Highlight marks.
type token struct {
	term       string
	start, end int
}

// char is one character of a text after normalisation, with the bytes of the original
// text it came from. NFKC may turn one original character into several (㍿ → 株式会社)
// or several into one (e + ◌́ → é); each char then carries the whole original range.
type char struct {
	r          rune
	start, end int
}

var (
	dictOnce sync.Once
	words    *lexicon
)

// Warm loads the Chinese dictionary now rather than on the first call that needs it,
// which would wait about 0.1 s; a server calls it at start-up. The dictionary then
// keeps about 7 MiB (BenchmarkLoadDictionary measures both).
func Warm() { dict() }

// zhS is gse's simplified-Chinese dictionary trimmed to about 105,000 of its 352,279
// words: the frequent ones and every word of the product's own Chinese text (gendict
// says which and why; regenerate it after changing the product's Chinese text or gse's
// version, or TestDictionaryIsCurrent fails). kb reads it into a lexicon of its own,
// which cuts as gse does but keeps a fifth of gse's memory.
//
//go:generate go run ./gendict -root ../..
//go:embed zh_s.txt
var zhS string

// dict returns the lexicon, loaded on first use. It is only read after loading, so
// one serves concurrent callers.
func dict() *lexicon {
	dictOnce.Do(func() {
		lx, err := parseLexicon(zhS)
		if err != nil {
			panic("kb: the dictionary: " + err.Error()) // it is compiled in: a broken build
		}
		words = lx
	})
	return words
}

// normalize returns the characters of s after NFKC normalisation and lower-casing.
// NFKC folds full-width Latin letters, digits and punctuation to half-width and
// half-width katakana to full-width: everything width.Fold does (kb_test checks it
// on every code point), so width.Fold is not applied separately. Bytes that are not
// UTF-8 become U+FFFD, which is no term.
func normalize(s string) []char {
	chars := make([]char, 0, len(s)/2)
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	for !it.Done() {
		start := it.Pos()
		seg := it.Next()
		end := it.Pos()
		for len(seg) > 0 {
			r, size := utf8.DecodeRune(seg)
			seg = seg[size:]
			chars = append(chars, char{r: unicode.ToLower(r), start: start, end: end})
		}
	}
	return chars
}

// isHan reports whether r is a Chinese character, which the lexicon segments.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isWordChar reports whether r belongs in a word that is not Chinese: letters of any
// other script, digits and the marks that combine with them.
func isWordChar(r rune) bool {
	return !isHan(r) && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

// analyze calls emit with each term of s in order.
func analyze(s string, emit func(token)) {
	chars := normalize(s)
	for i := 0; i < len(chars); {
		j := i + 1
		switch r := chars[i].r; {
		case isHan(r):
			for j < len(chars) && isHan(chars[j].r) {
				j++
			}
			analyzeHan(chars[i:j], emit)
		case isWordChar(r) && !unicode.IsMark(r):
			for j < len(chars) && isWordChar(chars[j].r) {
				j++
			}
			analyzeWord(chars[i:j], emit)
		}
		i = j
	}
}

// analyzeWord emits the term of a word that is not Chinese, if it is one: English
// words are stemmed; stop words, single letters and overlong words are no terms.
func analyzeWord(chars []char, emit func(token)) {
	runes := make([]rune, len(chars))
	for i, c := range chars {
		runes[i] = c.r
	}
	if len(runes) == 1 && !unicode.IsNumber(runes[0]) {
		return
	}
	w := string(runes)
	if len(w) > maxTermBytes || englishStopWords[w] {
		return
	}
	emit(token{term: stem(w), start: chars[0].start, end: chars[len(chars)-1].end})
}

// analyzeHan emits the terms of a run of Chinese characters: the dictionary's words,
// in search mode, and for the characters in no word of two or more, each character and
// each two neighbours (bigrams). Stop words are no terms and break a run of characters.
func analyzeHan(chars []char, emit func(token)) {
	var b strings.Builder
	off := make([]int, len(chars)+1)
	for i, c := range chars {
		off[i] = b.Len()
		b.WriteRune(c.r)
	}
	off[len(chars)] = b.Len()
	s := b.String()
	lx := dict()
	span := func(i, j int) token {
		return token{term: s[off[i]:off[j]], start: chars[i].start, end: chars[j-1].end}
	}
	single := -1 // index of the previous lone character, while a run of them lasts
	i := 0
	// The most likely words by the dictionary's frequencies (the shortest path, as
	// gse's Cut without HMM, its fastest mode; on our articles it cuts as its DAG
	// mode does).
	for _, n := range lx.cut(s, off) {
		w := s[off[i]:off[i+n]]
		switch {
		case n == 1 && chineseStopWords[w]:
			single = -1
		case n == 1:
			emit(span(i, i+1))
			if single == i-1 && single >= 0 {
				emit(span(single, i+1))
			}
			single = i
		default:
			single = -1
			if chineseStopWords[w] {
				break
			}
			// Search mode as gse's CutSearch: the dictionary's words of two and three
			// characters inside a longer word, then the word.
			for k := 2; k <= 3 && k < n; k++ {
				for a := i; a+k <= i+n; a++ {
					if part := s[off[a]:off[a+k]]; lx.isWord(part) && !chineseStopWords[part] {
						emit(span(a, a+k))
					}
				}
			}
			emit(span(i, i+n))
		}
		i += n
	}
}
