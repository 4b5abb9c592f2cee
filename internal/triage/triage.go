// Package triage suggests, for the free text of an application or a message (Chinese
// or English), a reason code, an urgency and a sentiment (issue 16, item 3). It is pure:
// no I/O; the model is trained at start-up from the labelled texts embedded from data/.
// Its answers are suggestions, never decisions.
package triage

import (
	"bufio"
	"embed"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/kb"
)

//go:embed data/train.tsv data/heldout.tsv
var dataFS embed.FS

// Urgency levels, most pressing first.
const (
	Urgent = "urgent"
	High   = "high"
	Normal = "normal"
	Low    = "low"
)

// Example is one labelled text.
type Example struct {
	Reason  string
	Urgency string
	Text    string
}

// Suggestion is what triage proposes for one text.
type Suggestion struct {
	Reason    string  `json:"reason"`
	Urgency   string  `json:"urgency"`
	Sentiment float64 `json:"sentiment"`
	// Terms are the text's search terms, for finding knowledge-base articles.
	Terms []string `json:"-"`
}

// ParseTSV reads labelled examples: reason, urgency and text separated by tabs, one a
// line; empty lines and lines starting with # are skipped.
func ParseTSV(s string) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want reason, urgency and text separated by tabs", n)
		}
		out = append(out, Example{Reason: f[0], Urgency: f[1], Text: f[2]})
	}
	return out, sc.Err()
}

// TrainingData and HeldOut return the embedded labelled sets.
func TrainingData() []Example { return mustEmbedded("data/train.tsv") }

// HeldOut returns the held-out labelled set that Evaluate measures against.
func HeldOut() []Example { return mustEmbedded("data/heldout.tsv") }

func mustEmbedded(name string) []Example {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	ex, err := ParseTSV(string(b))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return ex
}

// Tokens returns the features of s: kb's analysis (gse segmentation of Chinese,
// character pairs for what its dictionary lacks, English stemming, stop words dropped),
// the pairs of adjacent Han characters, which carry the meaning of short colloquial
// Chinese phrases that segment oddly, and the pairs of adjacent English words with the
// stop words kept, which search drops but a reason often turns on ("came without",
// "no lid", "signed for", "only got").
func Tokens(s string) []string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	toks := kb.Terms(s)
	var prev rune
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			if prev != 0 {
				toks = append(toks, "§"+string(prev)+string(r))
			}
			prev = r
		} else {
			prev = 0
		}
	}
	return append(toks, wordPairs(s)...)
}

// wordPairs returns "§w first second" for each two adjacent Latin words of s, lower
// case, apostrophes dropped (didn't → didnt). Anything that is not a letter or a digit
// ends a word, and any other character than a space between two words keeps them from
// being a pair, so that pairs stay within a phrase.
func wordPairs(s string) []string {
	var out []string
	var word, last []rune
	gap := false // something other than spaces since the last word
	flush := func() {
		if len(word) == 0 {
			return
		}
		if last != nil && !gap {
			out = append(out, "§w "+string(last)+" "+string(word))
		}
		last, word, gap = word, nil, false
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			word = append(word, r)
		case r == '\'' || r == '’':
			// didn't, it's: one word
		case r == ' ':
			flush()
		default:
			flush()
			gap = true
		}
	}
	flush()
	return out
}

// Model is a multinomial naive Bayes classifier of reason codes.
type Model struct {
	classes []string
	prior   map[string]float64
	logp    map[string]map[string]float64
	unseen  map[string]float64
	vocab   map[string]bool
}

// Train fits the model to examples (add-one smoothing).
func Train(examples []Example) *Model {
	m := &Model{prior: map[string]float64{}, logp: map[string]map[string]float64{}, unseen: map[string]float64{}}
	counts := map[string]map[string]float64{}
	totals := map[string]float64{}
	docs := map[string]float64{}
	vocab := map[string]bool{}
	for _, e := range examples {
		if counts[e.Reason] == nil {
			counts[e.Reason] = map[string]float64{}
			m.classes = append(m.classes, e.Reason)
		}
		docs[e.Reason]++
		seen := map[string]bool{}
		for _, t := range Tokens(e.Text) {
			if seen[t] { // binarised counts suit short texts
				continue
			}
			seen[t] = true
			counts[e.Reason][t]++
			totals[e.Reason]++
			vocab[t] = true
		}
	}
	sort.Strings(m.classes)
	m.vocab = vocab
	v := float64(len(vocab))
	for _, c := range m.classes {
		m.prior[c] = math.Log(docs[c] / float64(len(examples)))
		m.logp[c] = map[string]float64{}
		den := totals[c] + v
		for t, n := range counts[c] {
			m.logp[c][t] = math.Log((n + 1) / den)
		}
		m.unseen[c] = math.Log(1 / den)
	}
	return m
}

// Reason returns the most likely reason code of text ("other" for a model with no
// classes or a text without features).
func (m *Model) Reason(text string) string {
	toks := Tokens(text)
	if len(m.classes) == 0 || len(toks) == 0 {
		return "other"
	}
	known := m.vocab
	best, bestScore := "other", math.Inf(-1)
	seen := map[string]bool{}
	var feats []string
	for _, t := range toks {
		if !seen[t] && known[t] {
			seen[t] = true
			feats = append(feats, t)
		}
	}
	if len(feats) == 0 {
		return "other"
	}
	for _, c := range m.classes {
		s := m.prior[c]
		for _, t := range feats {
			if p, ok := m.logp[c][t]; ok {
				s += p
			} else {
				s += m.unseen[c]
			}
		}
		if s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}

// Suggest returns the suggestion for text.
func (m *Model) Suggest(text string) Suggestion {
	return Suggestion{Reason: m.Reason(text), Urgency: UrgencyOf(text), Sentiment: Sentiment(text), Terms: kb.QueryTerms(text)}
}

var (
	defaultOnce  sync.Once
	defaultModel *Model
)

// Default returns the model trained on the embedded training set, trained once.
func Default() *Model {
	defaultOnce.Do(func() { defaultModel = Train(TrainingData()) })
	return defaultModel
}
