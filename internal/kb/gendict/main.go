// Command gendict writes the Chinese dictionary the knowledge base segments with
// (internal/kb/zh_s.txt): gse's simplified-Chinese dictionary, trimmed.
//
//	go generate ./internal/kb    # from the repository's root
//
// gse's dictionary has 352,279 words and keeps about 120 MiB once loaded, most of the
// server's memory. Half of its words occur three times or fewer in the corpus it was
// counted from, and words of other scripts are never looked up (kb cuts runs of
// Chinese characters only). The trimmed dictionary keeps, in gse's order and with
// gse's frequencies:
//
//   - every word of one character (gse gives them all the same weight);
//   - every word at or above -min (12: about 100,000 words, the size of jieba's
//     dict.txt.small, which jieba ships for the same reason);
//   - every word that occurs in the product's own Chinese text, however rare: the
//     after-sales vocabulary (换货, 开发票, 退换货 have frequency 3), found in every
//     file under internal/ and cmd/ except tests and the evaluation sets, which must
//     not shape the model they measure.
//
// A text made of the product's words is cut exactly as the whole dictionary would
// cut it, since every word that could match in it is kept; other texts differ only
// where a rare word would have matched, and there kb's character pairs still find it.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxWordRunes bounds the words looked for in the product's text; gse's longest
// Chinese word has 16 characters.
const maxWordRunes = 16

func main() {
	root := flag.String("root", ".", "the repository's root")
	out := flag.String("o", "internal/kb/zh_s.txt", "the dictionary to write, relative to -root")
	minFreq := flag.Float64("min", DefaultMinFreq, "keep the words of at least this frequency")
	flag.Parse()
	if err := run(*root, *out, *minFreq); err != nil {
		fmt.Fprintln(os.Stderr, "gendict:", err)
		os.Exit(1)
	}
}

// DefaultMinFreq is the frequency from which a word is kept whatever the product's text.
const DefaultMinFreq = 12

func run(root, out string, minFreq float64) error {
	full, err := GSEDictionary()
	if err != nil {
		return err
	}
	defer full.Close()
	corpus, err := Corpus(root)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	kept, total, err := Trim(full, corpus, minFreq, &buf)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, out), buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gendict: kept %d of %d words\n", kept, total)
	return nil
}

// GSEDictionary opens gse's simplified-Chinese dictionary in the module cache, at the
// version go.mod requires.
func GSEDictionary() (io.ReadCloser, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/go-ego/gse")
	dir, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("locate gse's module (go mod download first): %w", err)
	}
	return os.Open(filepath.Join(strings.TrimSpace(string(dir)), "data", "dict", "zh", "s_1.txt"))
}

// Corpus returns the Chinese of the product's own files under root: every file in
// internal/ and cmd/ but tests, test data and the evaluation sets, and the
// dictionary itself.
func Corpus(root string) ([]string, error) {
	var texts []string
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if name == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "heldout") || name == "zh_s.txt" {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if utf8.Valid(b) && bytes.ContainsFunc(b, isHan) {
				texts = append(texts, string(b))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(texts) == 0 {
		return nil, errors.New("no Chinese text under " + root)
	}
	return texts, nil
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Trim copies the lines of dict (gse's format: word, frequency, part of speech) that
// the dictionary keeps to w, in their order, and reports how many it kept of how many.
func Trim(dict io.Reader, corpus []string, minFreq float64, w io.Writer) (kept, total int, err error) {
	inText := substrings(corpus)
	sc := bufio.NewScanner(dict)
	bw := bufio.NewWriter(w)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		total++
		word := fields[0]
		freq, err := strconv.ParseFloat(fields[1], 64)
		if err != nil || strings.IndexFunc(word, func(r rune) bool { return !isHan(r) }) >= 0 {
			continue // kb cuts runs of Chinese characters only
		}
		if utf8.RuneCountInString(word) == 1 || freq >= minFreq || inText[word] {
			kept++
			bw.WriteString(line)
			bw.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	return kept, total, bw.Flush()
}

// substrings returns every run of two to maxWordRunes Chinese characters found in the
// texts: every dictionary word that could match in them is one of these.
func substrings(texts []string) map[string]bool {
	set := make(map[string]bool)
	for _, t := range texts {
		var run []rune
		flush := func() {
			for i := range run {
				for j := i + 2; j <= len(run) && j-i <= maxWordRunes; j++ {
					set[string(run[i:j])] = true
				}
			}
			run = run[:0]
		}
		for _, r := range t {
			if isHan(r) {
				run = append(run, r)
			} else {
				flush()
			}
		}
		flush()
	}
	return set
}
