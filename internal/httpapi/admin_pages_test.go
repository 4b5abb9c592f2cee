package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
)

// admin is an admin's browser: a session on the admin pages.
type admin struct {
	env *apitest.Env
	s   *apitest.Session
}

func newAdmin(t *testing.T, env *apitest.Env, username string) *admin {
	t.Helper()
	return &admin{env: env, s: env.Login(t, username, env.User(t, username, app.RoleAdmin, ""))}
}

func (a *admin) get(t *testing.T, path string) *apitest.Response {
	t.Helper()
	return a.env.Do(t, apitest.Request{Method: http.MethodGet, Path: path, Session: a.s})
}

// post sends a form as the page does: with the session's CSRF token.
func (a *admin) post(t *testing.T, path string, form url.Values) *apitest.Response {
	t.Helper()
	form.Set("csrf_token", a.s.CSRF)
	return a.env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Form: form, Session: a.s})
}

// upload sends a multipart form with fields and one file.
func (a *admin) upload(t *testing.T, path string, fields map[string]string, field, filename string, content []byte) *apitest.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf_token", a.s.CSRF)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if field != "" {
		part, _ := w.CreateFormFile(field, filename)
		_, _ = part.Write(content)
	}
	_ = w.Close()
	return a.env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Body: buf.Bytes(), ContentType: w.FormDataContentType(), Session: a.s})
}

func wantStatus(t *testing.T, what string, res *apitest.Response, status int) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("%s: %d, want %d:\n%s", what, res.Status, status, res.Body)
	}
}

func wantBody(t *testing.T, what string, res *apitest.Response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(string(res.Body), p) {
			t.Errorf("%s lacks %q:\n%s", what, p, res.Body)
		}
	}
}

// Every admin page answers an admin's session, in both languages, with its
// sub-navigation; any other role's session is refused with 403 and a customer's too; an
// admin lands on /admin.
func TestAdminPagesAreAdminsOnly(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		env.Merchant(t, "shop-a")
		a := newAdmin(t, env, "root")
		home := a.get(t, "/")
		if loc := home.Header.Get("Location"); home.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin") {
			t.Errorf("an admin's home: %d to %q", home.Status, loc)
		}
		others := map[string]*apitest.Session{
			"merchant staff": env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a")),
			"a supervisor":   env.Login(t, "boss", env.User(t, "boss", app.RoleSupervisor, "")),
			"a customer":     env.CustomerSession(t, "platform", "cust-1"),
		}
		paths := map[string]string{"/admin/policies/{id}/diff": "/admin/policies/seed-platform/diff"}
		words := map[string][2]string{"zh": {"管理后台", "营业日历"}, "en": {"Administration", "Business calendar"}}
		for _, rt := range httpapi.Routes() {
			if rt.Method != http.MethodGet || !strings.HasPrefix(rt.Path, "/admin") || strings.HasPrefix(rt.Path, "/admin/import/") {
				continue
			}
			path := rt.Path
			if p, ok := paths[path]; ok {
				path = p
			}
			for lang, w := range words {
				res := a.get(t, path+"?lang="+lang)
				wantStatus(t, path, res, http.StatusOK)
				wantBody(t, path+" in "+lang, res, `aria-current="page"`, w[0], w[1])
			}
			for who, s := range others {
				if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: path, Session: s}); res.Status != http.StatusForbidden {
					t.Errorf("%s on %s: %d, want 403", who, path, res.Status)
				}
			}
		}
	})
}

// A document with a bad line is refused and shown with that line marked and the reason
// beside it; nothing is installed. A good one becomes the platform's policy in force, and
// the diff of the two versions marks the line that changed.
func TestAdminInstallsAPolicyAndShowsItsDiff(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		a := newAdmin(t, env, "root")
		seed, err := policy.Preset("seed-platform")
		if err != nil {
			t.Fatal(err)
		}
		v3 := strings.Replace(string(seed), "version: 4\n", "version: 5\n", 1)
		line := 1 + strings.Count(v3[:strings.Index(v3, "reapply_limit: 2")], "\n")
		idLine := 1 + strings.Count(v3[:strings.Index(v3, "\nid: seed-platform")], "\n") + 1

		bad := strings.Replace(v3, "reapply_limit: 2\n", "reapply_limit: 500\n", 1)
		res := a.upload(t, "/admin/policies", map[string]string{"lang": "en"}, "policy", "seed.yaml", []byte(bad))
		wantStatus(t, "a bad document", res, http.StatusUnprocessableEntity)
		marked := regexp.MustCompile(`<li value="(\d+)" id="line-\d+" class="bad"><code>([^<]*)</code><span class="field-error" role="alert">([^<]*)</span>`)
		m := marked.FindStringSubmatch(string(res.Body))
		if m == nil {
			t.Fatalf("no line marked:\n%s", res.Body)
		}
		if m[1] != strconv.Itoa(line) || m[2] != "reapply_limit: 500" || !strings.Contains(m[3], "between 0 and 100") {
			t.Errorf("marked line %s %q with %q; want line %d, reapply_limit: 500 and its range", m[1], m[2], m[3], line)
		}
		wantBody(t, "the refused form", res, `href="#line-`+strconv.Itoa(line)+`"`)
		if !regexp.MustCompile(`(?s)<textarea name="policy"[^>]*>\n# The platform rules.*reapply_limit: 500\n.*</textarea>`).Match(res.Body) {
			t.Errorf("the text area does not hold the refused document")
		}
		if live := liveVersion(t, env); strings.Contains(live, "seed-platform@5") {
			t.Errorf("a refused document is in force: %s", live)
		}

		// Below the floor: the line of the key that gives less than the law.
		floor := strings.Replace(v3, "reapply_limit: 2\n", "reapply_limit: 2\ndisable: [no_reason_return]\n", 1)
		res = a.post(t, "/admin/policies", url.Values{"policy": {floor}, "lang": {"zh"}})
		wantStatus(t, "a document below the floor", res, http.StatusUnprocessableEntity)
		wantBody(t, "the floor's refusal", res, `<li value="`+strconv.Itoa(line+1)+`" id="line-`+strconv.Itoa(line+1)+`" class="bad"><code>disable: [no_reason_return]</code><span class="field-error" role="alert">disable[0]: 不能关闭法定规则`)

		// Typed into the text area (CRLF, as browsers send it), the good one is installed.
		good := strings.Replace(v3, "reapply_limit: 2\n", "reapply_limit: 3\n", 1)
		res = a.post(t, "/admin/policies", url.Values{"policy": {strings.ReplaceAll(good, "\n", "\r\n")}, "lang": {"en"}})
		wantStatus(t, "a good document", res, http.StatusSeeOther)
		if live := liveVersion(t, env); !strings.Contains(live, "seed-platform@5") {
			t.Errorf("in force after the upload: %s", live)
		}
		page := a.get(t, res.Header.Get("Location"))
		wantBody(t, "the policies page", page, "The new version is installed.", "<code>seed-platform@5</code>", `<span class="badge ok">in force</span>`,
			`<span class="badge">superseded</span>`, `href="/admin/policies/seed-platform/diff?from=4&amp;to=5&amp;lang=en"`)

		diff := a.get(t, "/admin/policies/seed-platform/diff?from=4&to=5&lang=en")
		wantStatus(t, "the diff", diff, http.StatusOK)
		wantBody(t, "the diff", diff, "Lines added: 2; removed: 2",
			`<tr class="del"><td>`+strconv.Itoa(line)+`</td><td></td><td><code><del>- reapply_limit: 2</del></code></td></tr>`,
			`<tr class="add"><td></td><td>`+strconv.Itoa(line)+`</td><td><code><ins>+ reapply_limit: 3</ins></code></td></tr>`,
			`<tr class="same"><td>`+strconv.Itoa(idLine)+`</td><td>`+strconv.Itoa(idLine)+`</td><td><code>  id: seed-platform</code>`)
		if strings.Count(string(diff.Body), `class="del"`) != 2 { // the version line and reapply_limit
			t.Errorf("the diff marks %d removed lines", strings.Count(string(diff.Body), `class="del"`))
		}
		wantStatus(t, "a version that is not there", a.get(t, "/admin/policies/seed-platform/diff?from=9"), http.StatusNotFound)
		wantStatus(t, "a policy that is not there", a.get(t, "/admin/policies/nothing/diff"), http.StatusNotFound)
	})
}

// liveVersion is the platform's chain in force now.
func liveVersion(t *testing.T, env *apitest.Env) string {
	t.Helper()
	r, err := env.App.Engine().Resolve("", "", env.App.Now())
	if err != nil {
		t.Fatal(err)
	}
	return r.Version()
}

// The business calendar shows a year's holidays as periods and its make-up working days,
// and switches years.
func TestAdminCalendarShowsAYear(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		a := newAdmin(t, env, "root")
		zh := a.get(t, "/admin/calendar?year=2026&lang=zh")
		wantStatus(t, "2026", zh, http.StatusOK)
		wantBody(t, "2026 in Chinese", zh, "营业日历 2026 年", "<td>春节</td>", `<time datetime="2026-02-15">2026年2月15日</time> 星期日`,
			`<time datetime="2026-02-23">2026年2月23日</time> 星期一</td><td>9 天</td>`, `<time datetime="2026-02-14">2026年2月14日</time> 星期六`,
			"09:00–18:00", "国办发明电", `href="/admin/calendar?year=2027&amp;lang=zh"`)
		en := a.get(t, "/admin/calendar?year=2025&lang=en")
		wantBody(t, "2025 in English", en, "Business calendar 2025", "Spring Festival", "Saturday, Sunday", `<option value="2025" selected>`)
		none := a.get(t, "/admin/calendar?year=2040&lang=en")
		wantBody(t, "a year without data", none, "There is no data for 2040", "No public holidays are recorded")
	})
}
