package kb

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lexicon is the Chinese dictionary as kb uses it: which strings are words, and each
// word's distance, the cost of cutting it out of a text (log₂ of the dictionary's total
// frequency over the word's). It segments as gse's Segmenter.Cut without HMM — the
// shortest path through the dictionary's words — and gives the same cuts
// (TestLexiconCutsAsGse), but keeps one map instead of gse's double-array trie, its
// token slices and their pre-computed sub-segments: about 7 MiB for the trimmed
// dictionary against gse's 33, and no heap to load, since the keys are slices of the
// embedded text.
type lexicon struct {
	// dist holds every word and every proper prefix of a word (the cut walks a prefix
	// for as long as it may still become a word). A word maps to its distance, a prefix
	// that is no word to notWord.
	dist map[string]float32
	// maxRunes is the longest word in characters: no cut looks further.
	maxRunes int
}

// notWord marks a prefix of a word that is no word itself.
const notWord float32 = -1

// minFreq is the lowest frequency of a word loaded; gse drops rarer ones
// (Segmenter.MinTokenFreq's default), and so does the lexicon.
const minFreq = 2

// loneDistance is the distance of a character the dictionary does not know, cut out on
// its own (gse's pseudo-token).
const loneDistance float32 = 32

// parseLexicon reads a dictionary in gse's format — a word, its frequency and its part
// of speech on each line, separated by spaces — as gse's LoadDictStr does: a word of
// frequency under 2 or without a frequency is left out, a word of one character counts
// frequency 2 whatever its line says, and a word seen twice keeps its first line. The
// words must be Chinese characters only (gendict writes no others): gse splits Latin
// letters and digits into tokens of their own, which the lexicon does not.
func parseLexicon(text string) (*lexicon, error) {
	freq := make(map[string]float64, strings.Count(text, "\n")+1)
	var order []string
	total := 0.0
	for n := 1; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		word := fields[0]
		f, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: frequency %q: %w", n, fields[1], err)
		}
		if f < minFreq {
			continue
		}
		if utf8.RuneCountInString(word) == 1 {
			f = minFreq
		}
		if _, seen := freq[word]; seen {
			continue
		}
		for _, r := range word {
			if !isHan(r) {
				return nil, fmt.Errorf("line %d: %q is not all Chinese characters", n, word)
			}
		}
		freq[word] = f
		order = append(order, word)
		total += f
	}
	lx := &lexicon{dist: make(map[string]float32, len(freq)*3/2)}
	logTotal := float32(math.Log2(total))
	for _, w := range order {
		// float32, as gse computes it: a tie between two cuts must fall as it falls there.
		lx.dist[w] = logTotal - float32(math.Log2(freq[w]))
		lx.maxRunes = max(lx.maxRunes, utf8.RuneCountInString(w))
	}
	for _, w := range order {
		for i := range w {
			if _, ok := lx.dist[w[:i]]; i > 0 && !ok {
				lx.dist[w[:i]] = notWord
			}
		}
	}
	return lx, nil
}

// isWord reports whether s is a word of the dictionary.
func (lx *lexicon) isWord(s string) bool {
	d, ok := lx.dist[s]
	return ok && d != notWord
}

// cut returns the lengths in characters of the words s is cut into, in order: the cut
// whose words' distances add up to the least, as gse's shortest path. off holds the
// byte offset of each of s's characters and len(s) after them. Of two cuts equally
// short the one found first stays, as in gse: at each end, the word that starts
// earliest.
func (lx *lexicon) cut(s string, off []int) []int {
	n := len(off) - 1
	if n <= 0 {
		return nil
	}
	// best[j] is the least distance of a cut of the first j+1 characters, and word[j] the
	// length of its last word; 0 while none has reached j.
	best := make([]float32, n)
	word := make([]int, n)
	reach := func(j, length int, d float32) {
		if best[j] == 0 || best[j] > d {
			best[j], word[j] = d, length
		}
	}
	for i := range n {
		var base float32
		if i > 0 {
			base = best[i-1]
		}
		oneChar := false
		for j := i; j < n && j-i < lx.maxRunes; j++ {
			d, ok := lx.dist[s[off[i]:off[j+1]]]
			if !ok {
				break
			}
			if d != notWord {
				reach(j, j-i+1, base+d)
				oneChar = oneChar || j == i
			}
		}
		if !oneChar {
			reach(i, 1, base+loneDistance)
		}
	}
	count := 0
	for j := n - 1; j >= 0; j -= word[j] {
		count++
	}
	lengths := make([]int, count)
	for j := n - 1; j >= 0; j -= word[j] {
		count--
		lengths[count] = word[j]
	}
	return lengths
}
