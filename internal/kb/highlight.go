package kb

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a piece of a text Highlight cut, marked when it is where a search term
// occurs.
type Span struct {
	Text string
	Mark bool
}

// Highlight cuts text into spans, marking where the terms occur; the spans' texts put
// together are text, byte for byte. A term is marked where the text yields it as
// Terms does, so marks land where the search matched: a Latin word whose stem is a
// term (the term "return" marks "Returns" and "returned"), a Chinese word or
// character the segmentation found (耳机 in 蓝牙耳机). Terms may be QueryTerms' or
// raw words, which are normalised. Marks that touch are one span.
func Highlight(text string, terms []string) []Span {
	marks := markRanges(text, terms)
	var spans []Span
	at := 0
	for _, m := range marks {
		if m[0] > at {
			spans = append(spans, Span{Text: text[at:m[0]]})
		}
		spans = append(spans, Span{Text: text[m[0]:m[1]], Mark: true})
		at = m[1]
	}
	if at < len(text) {
		spans = append(spans, Span{Text: text[at:]})
	}
	return spans
}

// markRanges returns the byte ranges of text where terms occur, in order, with
// overlapping and touching ranges merged.
func markRanges(text string, terms []string) [][2]int {
	want := make(map[string]bool)
	for _, t := range terms {
		want[t] = true
		for _, u := range Terms(t) {
			want[u] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	var found [][2]int
	analyze(text, func(t token) {
		if want[t.term] {
			found = append(found, [2]int{t.start, t.end})
		}
	})
	// Search mode gives a word's parts before the word, and a bigram after its second
	// character, so the ranges come nearly but not quite in order.
	slices.SortFunc(found, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	var marks [][2]int
	for _, f := range found {
		if n := len(marks); n > 0 && f[0] <= marks[n-1][1] {
			marks[n-1][1] = max(marks[n-1][1], f[1])
			continue
		}
		marks = append(marks, f)
	}
	return marks
}

// ellipsis marks where Snippet cut the body.
const ellipsis = "…"

// Snippet returns about maxRunes characters of body around the first place a term occurs
// (a third of them before it), with an ellipsis where body was cut, or the start of
// body when no term occurs. A cut inside a Latin word moves to the word's edge when
// that is near. Snippet returns "" when maxRunes is not positive.
func Snippet(body string, terms []string, maxRunes int) string {
	if maxRunes <= 0 {
		return ""
	}
	// starts[i] is the byte offset of body's i-th character; bytes that are not UTF-8
	// count as a character each, as they do in a range loop.
	starts := make([]int, 0, len(body))
	for i := range body {
		starts = append(starts, i)
	}
	n := len(starts)
	if n <= maxRunes {
		return body
	}
	first, last := 0, 0 // the first match's characters, [first, last)
	if marks := markRanges(body, terms); len(marks) > 0 {
		first = utf8.RuneCountInString(body[:marks[0][0]])
		last = first + utf8.RuneCountInString(body[marks[0][0]:marks[0][1]])
	}
	from := max(min(first-maxRunes/3, n-maxRunes), 0)
	to := from + maxRunes

	// Move a cut inside a word to the word's edge, when that is within a few
	// characters and keeps the match in the window.
	const near = 12
	runeAt := func(i int) rune { r, _ := utf8.DecodeRuneInString(body[starts[i]:]); return r }
	inWord := func(i int) bool { return i > 0 && i < n && isWordChar(runeAt(i-1)) && isWordChar(runeAt(i)) }
	for k := 0; k < near && inWord(from) && from < first; k++ {
		from++
	}
	for k := 0; k < near && inWord(to) && to > max(last, from+1); k++ {
		to--
	}

	end := len(body)
	if to < n {
		end = starts[to]
	}
	snippet := body[starts[from]:end]
	if from > 0 {
		snippet = ellipsis + strings.TrimLeftFunc(snippet, unicode.IsSpace)
	}
	if to < n {
		snippet = strings.TrimRightFunc(snippet, unicode.IsSpace) + ellipsis
	}
	return snippet
}
