package kb

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/go-ego/gse"
)

// gseSegmenter loads the embedded dictionary into gse, as kb did before it had a
// lexicon of its own: the reference its cuts are checked against.
func gseSegmenter(t testing.TB) *gse.Segmenter {
	t.Helper()
	seg := &gse.Segmenter{SkipLog: true, NotLoadHMM: true}
	if err := seg.LoadDictStr(zhS); err != nil {
		t.Fatal(err)
	}
	return seg
}

// lexiconCut cuts s with lx and returns the words.
func lexiconCut(lx *lexicon, s string) []string {
	var off []int
	for i := range s {
		off = append(off, i)
	}
	off = append(off, len(s))
	var words []string
	i := 0
	for _, n := range lx.cut(s, off) {
		words = append(words, s[off[i]:off[i+n]])
		i += n
	}
	return words
}

// hanRuns returns the runs of Chinese characters in s.
func hanRuns(s string) []string {
	var runs []string
	start := -1
	for i, r := range s + "." {
		switch {
		case isHan(r) && start < 0:
			start = i
		case !isHan(r) && start >= 0:
			runs = append(runs, s[start:i])
			start = -1
		}
	}
	return runs
}

// productText returns the runs of Chinese characters in the repository's source,
// documents and test data: the articles, questions and case texts kb and triage cut.
func productText(t *testing.T) []string {
	t.Helper()
	var runs []string
	for _, root := range []string{"../../internal", "../../cmd", "../../docs"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path == "zh_s.txt" || strings.HasSuffix(path, "/zh_s.txt") {
				return err
			}
			switch filepath.Ext(path) {
			case ".go", ".md", ".txt", ".json", ".yaml", ".csv", ".tmpl", ".html", ".toml":
			default:
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			runs = append(runs, hanRuns(string(b))...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range corpus {
		runs = append(runs, hanRuns(a.title+"。"+a.body)...)
	}
	return runs
}

// TestLexiconCutsAsGse checks the lexicon against gse on the same dictionary: every run
// of Chinese characters in the repository, and 20,000 texts made of the dictionary's
// words, their prefixes and random characters, so that the ties and the characters no
// word holds come up often. The two must cut every one of them the same way.
func TestLexiconCutsAsGse(t *testing.T) {
	seg := gseSegmenter(t)
	lx := dict()
	runs := productText(t)
	if len(runs) < 1000 {
		t.Fatalf("only %d runs of Chinese found in the repository", len(runs))
	}

	var vocab []string
	for line := range strings.SplitSeq(zhS, "\n") {
		if w, _, ok := strings.Cut(line, " "); ok {
			vocab = append(vocab, w)
		}
	}
	rng := rand.New(rand.NewPCG(18, 2026))
	for range 20_000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			w := vocab[rng.IntN(len(vocab))]
			switch rng.IntN(4) {
			case 0: // a prefix of a word
				rs := []rune(w)
				w = string(rs[:1+rng.IntN(len(rs))])
			case 1: // any character of the CJK block, most of them in no word
				w = string(rune(0x4e00 + rng.IntN(0x9fa5-0x4e00)))
			}
			b.WriteString(w)
		}
		runs = append(runs, b.String())
	}

	differ := 0
	for _, s := range runs {
		want, got := seg.Cut(s), lexiconCut(lx, s)
		if !slices.Equal(got, want) {
			if differ++; differ <= 10 {
				t.Errorf("%s: lexicon cuts %q, gse %q", s, got, want)
			}
		}
	}
	if differ > 0 {
		t.Fatalf("%d of %d texts cut otherwise than gse cuts them", differ, len(runs))
	}
	t.Logf("%d texts cut as gse cuts them", len(runs))
}

// TestLexiconKnowsTheWordsGseKnows checks isWord, which search mode asks of every two
// and three characters inside a long word, against gse's Find: for every word of the
// dictionary, every prefix of one (which gse's trie holds without a frequency) and
// random pairs and triples of characters.
func TestLexiconKnowsTheWordsGseKnows(t *testing.T) {
	seg := gseSegmenter(t)
	lx := dict()
	known := func(s string) bool {
		freq, _, ok := seg.Find(s)
		return ok && freq > 0
	}
	var probes []string
	for line := range strings.SplitSeq(zhS, "\n") {
		w, _, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		for i := range w {
			if i > 0 {
				probes = append(probes, w[:i])
			}
		}
		probes = append(probes, w)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 50_000 {
		n := 2 + rng.IntN(2)
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = rune(0x4e00 + rng.IntN(0x9fa5-0x4e00))
		}
		probes = append(probes, string(rs))
	}
	words := 0
	for _, p := range probes {
		if got, want := lx.isWord(p), known(p); got != want {
			t.Fatalf("isWord(%q) = %v, gse finds it: %v", p, got, want)
		} else if got {
			words++
		}
	}
	if words < 100_000 {
		t.Fatalf("only %d words known", words)
	}
}

// TestParseLexiconReadsAsGseLoads covers the loading rules gse applies and the lexicon
// copies: rare words and lines without a frequency left out, single characters at
// frequency 2, the first of two lines for one word kept.
func TestParseLexiconReadsAsGseLoads(t *testing.T) {
	lx, err := parseLexicon("退货 10 v\n退货 1000 v\n换 500 v\n罕见词 1 n\n无频率\n\n退款 6 v\n")
	if err != nil {
		t.Fatal(err)
	}
	for w, want := range map[string]bool{"退货": true, "换": true, "退款": true, "罕见词": false, "无频率": false, "退": false} {
		if got := lx.isWord(w); got != want {
			t.Errorf("isWord(%q) = %v, want %v", w, got, want)
		}
	}
	// total 10 + 2 + 6 = 18: 退货 keeps its first frequency, 换 counts 2.
	if d := lx.dist["退货"]; d < 0.84 || d > 0.85 { // log2(18/10)
		t.Errorf("distance of 退货 = %v, want log2(1.8)", d)
	}
	if d := lx.dist["换"]; d < 3.16 || d > 3.17 { // log2(18/2)
		t.Errorf("distance of 换 = %v, want log2(9)", d)
	}
	if _, err := parseLexicon("退货 many v\n"); err == nil {
		t.Error("a frequency that is no number was accepted")
	}
	if _, err := parseLexicon("iPhone 100 n\n"); err == nil {
		t.Error("a word of Latin letters was accepted")
	}
}

// BenchmarkLoadDictionary measures what Warm costs: the time to read the trimmed
// simplified-Chinese dictionary into a lexicon, and the heap the lexicon keeps; and
// the same for gse's Segmenter, which kb used before.
func BenchmarkLoadDictionary(b *testing.B) {
	for _, c := range []struct {
		name string
		load func() any
	}{
		{"lexicon", func() any {
			lx, err := parseLexicon(zhS)
			if err != nil {
				b.Fatal(err)
			}
			return lx
		}},
		{"gse", func() any { return gseSegmenter(b) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var retained float64
			for b.Loop() {
				var before, after runtime.MemStats
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.StartTimer()
				v := c.load()
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				retained = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
				runtime.KeepAlive(v)
				b.StartTimer()
			}
			b.ReportMetric(retained, "MiB-kept")
		})
	}
}
