package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
)

// Both catalogues have the same keys, none empty, and the Chinese one is Chinese.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range c.Keys() {
		zh, _ := c.Message(ZH, k)
		if !strings.ContainsFunc(zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) && !zhWithoutHan[k] {
			t.Errorf("the Chinese %s = %q is not Chinese", k, zh)
		}
	}
}

// zhWithoutHan are the messages that are the same in both languages' scripts.
var zhWithoutHan = map[string]bool{"lang.other": true}

var (
	action   = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tKey     = regexp.MustCompile(`\bt \$?[A-Za-z.]*Lang "([a-z0-9_.]+)"|\bt \$l "([a-z0-9_.]+)"`)
	readable = []string{"alt", "title", "placeholder", "aria-label", "data-confirm", "label"}
)

// Templates hold no words of their own: every text and every readable attribute comes
// from the catalogue (or the data), and every key a template names is in it.
func TestTemplatesHaveNoLiteralText(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(files, "templates/*.html")
	partials, _ := fs.Glob(files, "templates/partials/*.html")
	for _, name := range append(names, partials...) {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, m := range tKey.FindAllStringSubmatch(src, -1) {
			key := m[1] + m[2]
			if _, err := c.Message(ZH, key); err != nil {
				t.Errorf("%s names %s, which the catalogue lacks", name, key)
			}
		}
		z := html.NewTokenizer(strings.NewReader(action.ReplaceAllString(src, "\x00")))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			tok := z.Token()
			switch tt {
			case html.TextToken:
				if hasWords(tok.Data) {
					t.Errorf("%s: literal text %q", name, strings.TrimSpace(tok.Data))
				}
			case html.StartTagToken, html.SelfClosingTagToken:
				for _, a := range tok.Attr {
					for _, r := range readable {
						if a.Key == r && hasWords(a.Val) {
							t.Errorf("%s: literal %s=%q on <%s>", name, a.Key, a.Val, tok.Data)
						}
					}
				}
			}
		}
	}
}

// hasWords reports whether s has letters outside the template actions (replaced by NUL).
func hasWords(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) })
}
