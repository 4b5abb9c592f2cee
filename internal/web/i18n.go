package web

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Lang is a page language: Chinese (the default) or English.
type Lang string

// The page languages.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// Tag is the language's BCP 47 tag, for <html lang> and the lang cookie.
func (l Lang) Tag() string {
	if l == EN {
		return "en"
	}
	return "zh-CN"
}

// Other is the language a page's switch link leads to.
func (l Lang) Other() Lang {
	if l == EN {
		return ZH
	}
	return EN
}

// Pick is the text in this language.
func (l Lang) Pick(t aftersale.Text) string {
	if l == EN {
		return t.EN
	}
	return t.ZH
}

// ParseLang reads a language as the lang parameter and cookie carry it: zh, zh-CN or en.
func ParseLang(s string) (Lang, bool) {
	switch strings.ToLower(s) {
	case "zh", "zh-cn", "zh-hans":
		return ZH, true
	case "en", "en-us", "en-gb":
		return EN, true
	}
	return "", false
}

// LangCookie remembers the language a person chose with ?lang=.
const LangCookie = "lang"

var langMatcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// RequestLang is the language of a page: the lang parameter of the address or the form,
// else the lang cookie (what the person chose before), else Accept-Language, else Chinese.
func RequestLang(r *http.Request) Lang {
	if l, ok := ParseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	if r.PostForm != nil {
		if l, ok := ParseLang(r.PostForm.Get("lang")); ok {
			return l
		}
	}
	if c, err := r.Cookie(LangCookie); err == nil {
		if l, ok := ParseLang(c.Value); ok {
			return l
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if len(tags) == 0 {
		return ZH
	}
	tag, _, _ := langMatcher.Match(tags...)
	if base, _ := tag.Base(); base.String() == "en" {
		return EN
	}
	return ZH
}

//go:embed locales/*.yaml
var localeFS embed.FS

// Catalogue is every string of the pages in both languages, read from the files of
// locales/. A key present in one file only is an error at start (and in the
// tests); a key a template asks for that neither has fails the render.
type Catalogue struct {
	zh, en map[string]string
}

// loadCatalogue reads the embedded message files — locales/<area>.zh-CN.yaml and
// <area>.en.yaml, one pair per area of the pages — and checks that the languages have the
// same keys, that no key is in two areas, and that no message is empty.
func loadCatalogue() (*Catalogue, error) {
	read := func(lang string) (map[string]string, error) {
		names, err := fs.Glob(localeFS, "locales/*."+lang+".yaml")
		if err != nil {
			return nil, err
		}
		all := map[string]string{}
		for _, name := range names {
			b, err := localeFS.ReadFile(name)
			if err != nil {
				return nil, err
			}
			m := map[string]string{}
			if err := yaml.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for k, v := range m {
				if _, dup := all[k]; dup {
					return nil, fmt.Errorf("%s: %s is in another file too", name, k)
				}
				all[k] = v
			}
		}
		return all, nil
	}
	zh, err := read("zh-CN")
	if err != nil {
		return nil, err
	}
	en, err := read("en")
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, k := range slices.Sorted(maps.Keys(zh)) {
		if _, ok := en[k]; !ok {
			problems = append(problems, "English lacks "+k)
		}
		if strings.TrimSpace(zh[k]) == "" {
			problems = append(problems, "Chinese has an empty "+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(en)) {
		if _, ok := zh[k]; !ok {
			problems = append(problems, "Chinese lacks "+k)
		}
		if strings.TrimSpace(en[k]) == "" {
			problems = append(problems, "English has an empty "+k)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("message catalogues: %s", strings.Join(problems, "; "))
	}
	return &Catalogue{zh: zh, en: en}, nil
}

// Keys lists the catalogue's keys, sorted.
func (c *Catalogue) Keys() []string { return slices.Sorted(maps.Keys(c.zh)) }

// Message is the message of key in l, formatted with args (fmt verbs); an unknown key is an
// error.
func (c *Catalogue) Message(l Lang, key string, args ...any) (string, error) {
	m := c.zh
	if l == EN {
		m = c.en
	}
	s, ok := m[key]
	if !ok {
		return "", fmt.Errorf("no message %q", key)
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s, nil
}

// Text is both languages of key, for messages that leave the page (a flash, an error).
func (c *Catalogue) Text(key string, args ...any) aftersale.Text {
	zh, _ := c.Message(ZH, key, args...)
	en, _ := c.Message(EN, key, args...)
	return aftersale.Text{ZH: zh, EN: en}
}
