package httpapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
)

// Every message has both languages, and every page renders in both for every role: a
// key missing from the table would fail the render.
func TestPagesRenderInBothLanguages(t *testing.T) {
	for key, m := range messages {
		if strings.TrimSpace(m.ZH) == "" || strings.TrimSpace(m.EN) == "" {
			t.Errorf("message %s lacks a language: %+v", key, m)
		}
	}
	for _, lang := range []string{langZH, langEN} {
		pages := map[string]pageData{
			"login": {Title: "login.title", FormToken: "tok", Username: "<script>", Message: "wrong"},
			"error": {Title: "error.title", Message: "gone", Status: 401, RequestID: "r1"},
		}
		for _, role := range app.Roles {
			pages["home:"+string(role)] = pageData{Title: "home.title", CSRF: "csrf",
				Who: app.Principal{Role: role, Merchant: "shop-a", Customer: "c1", Scope: []string{"shop-a"}, ID: "u1"}}
		}
		for name, d := range pages {
			d.Lang, d.Switch = lang, "/?lang="+otherLang(lang)
			tmpl, _, _ := strings.Cut(name, ":")
			var buf bytes.Buffer
			if err := pageTemplates[tmpl].ExecuteTemplate(&buf, "layout", d); err != nil {
				t.Errorf("%s in %s: %v", name, lang, err)
			}
			if strings.Contains(buf.String(), "<script>") {
				t.Errorf("%s in %s: a value is not escaped", name, lang)
			}
		}
	}
}
