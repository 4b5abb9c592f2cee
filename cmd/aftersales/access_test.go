package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/store"
)

// runIn runs one command line with stdin as its standard input.
func runIn(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	p := newProgram(env)
	p.Stdin = strings.NewReader(stdin)
	err = p.Run(context.Background(), args)
	if cerr := p.Close(); cerr != nil {
		t.Errorf("Close: %v", cerr)
	}
	return p.stdout.String(), p.stderr.String(), err
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// login logs in through the login form and returns the session cookie, or "" with the
// status of a refusal.
func (s *server) login(t *testing.T, username, password string) (cookie string, status int) {
	t.Helper()
	res, err := noRedirects.Get(s.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("login form: %d %s", res.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/login", strings.NewReader(url.Values{
		"username": {username}, "password": {password}, "csrf_token": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "as_login_csrf", Value: string(m[1])})
	if res, err = noRedirects.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "as_session" && res.StatusCode == http.StatusSeeOther {
			return c.Value, res.StatusCode
		}
	}
	return "", res.StatusCode
}

// open follows a login link and returns the session cookie ("" when refused).
func open(t *testing.T, link string) (cookie string, status int) {
	t.Helper()
	res, err := noRedirects.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "as_session" {
			return c.Value, res.StatusCode
		}
	}
	return "", res.StatusCode
}

// withCookie does a GET with a session cookie and returns the status.
func (s *server) withCookie(t *testing.T, path, cookie string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	req.AddCookie(&http.Cookie{Name: "as_session", Value: cookie})
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestUserCommandsManageWhoCanLogIn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"AFTERSALES_DATA": dir}
	s := MustServe(t, env, "")
	mustImportShops(t, env, "shop-a", "shop-b")
	userCreateRefusesUnknownMerchants(t, env)

	_, stderr, err := runIn(t, env, "a long password one\n", "user", "create", "--username", "agent.li", "--role", "agent", "--scope", "shop-a,shop-b")
	if err != nil || !strings.Contains(stderr, "user agent.li (agent serving shop-a, shop-b) created") {
		t.Fatalf("user create: %v %q", err, stderr)
	}
	stdout, stderr, err := run(t, env, "user", "create", "--username", "staff.a", "--role", "merchant", "--merchant", "shop-a", "--generate-password")
	password := strings.TrimSpace(stdout)
	if err != nil || len(password) < 20 || strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "shown only once") {
		t.Fatalf("user create --generate-password: %v %q %q", err, stdout, stderr)
	}
	if _, _, err := run(t, env, "user", "create", "--username", "staff.b", "--role", "merchant", "--merchant", "shop-b"); ExitCode(err) != exitUsage ||
		!strings.Contains(ErrorMessage(err), "no password on standard input") {
		t.Errorf("without a password: %v", err)
	}
	if _, _, err := runIn(t, env, "short\n", "user", "create", "--username", "staff.b", "--role", "merchant", "--merchant", "shop-b"); ExitCode(err) != exitError ||
		!strings.Contains(ErrorMessage(err), "10–200 characters") {
		t.Errorf("a short password: %v", err)
	}
	stdout, _, err = run(t, env, "user", "list")
	if err != nil || !regexp.MustCompile(`(?m)^agent\.li +agent +shop-a,shop-b +active `).MatchString(stdout) ||
		!regexp.MustCompile(`(?m)^staff\.a +merchant +shop-a +active `).MatchString(stdout) {
		t.Errorf("user list: %v\n%s", err, stdout)
	}

	cookie, status := s.login(t, "staff.a", password)
	if cookie == "" || s.withCookie(t, "/api/v1/cases", cookie) != http.StatusOK {
		t.Fatalf("login as staff.a: %d", status)
	}
	if c, _ := s.login(t, "agent.li", "a long password one"); c == "" {
		t.Error("login as agent.li (password from standard input)")
	}
	stdout, _, err = run(t, env, "user", "set", "--username", "staff.a", "--disable")
	if err != nil || stdout != "user staff.a: disabled, its sessions ended\n" {
		t.Errorf("user set --disable: %v %q", err, stdout)
	}
	if code := s.withCookie(t, "/api/v1/cases", cookie); code != http.StatusUnauthorized {
		t.Errorf("the session of a disabled account: %d", code)
	}
	if c, _ := s.login(t, "staff.a", password); c != "" {
		t.Error("a disabled account logged in")
	}
	stdout, _, err = runIn(t, env, "a brand new password\r\n", "user", "set", "--username", "staff.a", "--enable", "--password-stdin", "--unlock")
	if err != nil || stdout != "user staff.a: password changed, enabled, unlocked, its sessions ended\n" {
		t.Errorf("user set --enable --password-stdin: %v %q", err, stdout)
	}
	if c, _ := s.login(t, "staff.a", "a brand new password"); c == "" {
		t.Error("login with the new password")
	}
	if _, _, err := run(t, env, "user", "set", "--username", "nobody", "--unlock"); ExitCode(err) != exitError || !strings.Contains(ErrorMessage(err), "not found") {
		t.Errorf("user set of nobody: %v", err)
	}
}

func TestTokenListAndRevoke(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"AFTERSALES_DATA": dir}
	s := MustServe(t, env, "")
	stdout, _, err := run(t, env, "token", "create", "--role", "merchant", "--merchant", "shop-a", "--name", "erp")
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(stdout)
	list, _, err := run(t, env, "token", "list")
	m := regexp.MustCompile(`(?m)^(\S+) +merchant +shop-a +\S+ \S+ +\S+ \S+ +- +erp$`).FindStringSubmatch(list)
	if err != nil || m == nil || strings.Contains(list, "ast_") {
		t.Fatalf("token list: %v\n%s", err, list)
	}
	if code := s.get(t, "/api/v1/cases", secret, nil); code != http.StatusOK {
		t.Fatalf("before revoke: %d", code)
	}
	if stdout, _, err := run(t, env, "token", "revoke", m[1]); err != nil || !strings.Contains(stdout, "revoked") {
		t.Fatalf("token revoke: %v %q", err, stdout)
	}
	if code := s.get(t, "/api/v1/cases", secret, nil); code != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", code)
	}
	list, _, _ = run(t, env, "token", "list")
	if regexp.MustCompile(`(?m)^` + m[1] + ` .* - +erp$`).MatchString(list) {
		t.Errorf("token list does not show the revocation:\n%s", list)
	}
	if _, _, err := run(t, env, "token", "revoke", "no-such-token"); ExitCode(err) != exitError || !strings.Contains(ErrorMessage(err), "not found") {
		t.Errorf("revoke an unknown token: %v", err)
	}
}

func TestShopSecretAndLoginLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"AFTERSALES_DATA": dir}
	s := MustServe(t, env, "")
	if _, _, err := run(t, env, "shop", "link", "--shop", "platform", "--customer", "C1"); ExitCode(err) != exitError ||
		!strings.Contains(ErrorMessage(err), "no login-link secret") {
		t.Errorf("a link before the secret: %v", err)
	}
	stdout, stderr, err := run(t, env, "shop", "secret", "--shop", "platform")
	if secret, herr := hex.DecodeString(strings.TrimSpace(stdout)); err != nil || herr != nil || len(secret) != 32 || !strings.Contains(stderr, "shown only once") {
		t.Fatalf("shop secret: %v %q %q", err, stdout, stderr)
	}
	stdout, _, err = run(t, env, "shop", "link", "--shop", "platform", "--customer", "C1", "--base", s.url+"/")
	link := strings.TrimSpace(stdout)
	if err != nil || !strings.HasPrefix(link, s.url+"/login/link?") {
		t.Fatalf("shop link: %v %q", err, stdout)
	}
	cookie, status := open(t, link)
	if status != http.StatusSeeOther || cookie == "" || s.withCookie(t, "/", cookie) != http.StatusOK {
		t.Fatalf("open the link: %d", status)
	}
	// A new secret: links signed with the old one no longer open.
	if _, _, err := run(t, env, "shop", "secret", "--shop", "platform"); err != nil {
		t.Fatal(err)
	}
	if _, status := open(t, link); status != http.StatusUnauthorized {
		t.Errorf("a link of the old secret: %d", status)
	}
	if _, _, err := run(t, env, "shop", "link", "--shop", "platform", "--customer", "C1", "--ttl", "1h"); ExitCode(err) != exitError ||
		!strings.Contains(ErrorMessage(err), "at most 15 minutes") {
		t.Errorf("a link valid for an hour: %v", err)
	}
}

var accountLine = regexp.MustCompile(`(?m)^  (merchant|agent|supervisor|admin) +(\S+) +([a-z2-7]{26})$`)

func TestServeDemoPrintsStaffAccountsAndACustomerLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := MustServe(t, nil, "customer login link", "--demo", "--demo-orders", "40", "--data", dir)
	out := s.stdout.String()
	accounts := map[string]string{}
	roles := map[string]int{}
	for _, m := range accountLine.FindAllStringSubmatch(out, -1) {
		accounts[m[2]] = m[3]
		roles[m[1]]++
	}
	if roles["admin"] != 1 || roles["supervisor"] != 1 || roles["agent"] != 1 || roles["merchant"] < 2 {
		t.Fatalf("demo accounts by role %v in:\n%s", roles, out)
	}
	for _, username := range []string{"admin", "agent", "staff.yichu-fashion"} {
		if c, status := s.login(t, username, accounts[username]); c == "" {
			t.Errorf("login as %s: %d", username, status)
		}
	}
	link := regexp.MustCompile(`(?m)^  (http://\S+/login/link\?\S+)$`).FindStringSubmatch(out)
	if link == nil {
		t.Fatalf("no login link in:\n%s", out)
	}
	cookie, status := open(t, link[1])
	if cookie == "" || s.withCookie(t, "/api/v1/cases", cookie) != http.StatusOK {
		t.Errorf("the demo link: %d", status)
	}
	s.stop(t)

	// A second start gives the accounts new passwords.
	again := MustServe(t, nil, "customer login link", "--demo", "--data", dir)
	m := accountLine.FindAllStringSubmatch(again.stdout.String(), -1)
	if len(m) != len(accounts) {
		t.Fatalf("second start accounts:\n%s", again.stdout.String())
	}
	if c, _ := again.login(t, "admin", accounts["admin"]); c != "" {
		t.Error("the old admin password still works")
	}
	for _, a := range m {
		if a[2] == "admin" {
			if c, status := again.login(t, "admin", a[3]); c == "" {
				t.Errorf("the new admin password: %d", status)
			}
		}
	}
}

// mustImportShops imports one order of each merchant: merchants come with their orders.
func mustImportShops(t *testing.T, env map[string]string, merchants ...string) {
	t.Helper()
	csv := filepath.Join(t.TempDir(), "shops.csv")
	rows := header()
	for i, m := range merchants {
		rows += fmt.Sprintf("SHOP%d,%s,c1,,online,,,2025-06-18 20:30:00,,,,S1,,,1,59.90,59.90,\n", i, m)
	}
	if err := os.WriteFile(csv, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	if stdout, _, err := run(t, env, "import", "orders", csv); err != nil {
		t.Fatalf("import the shops' orders: %v\n%s", err, stdout)
	}
}

// userCreateRefusesUnknownMerchants checks that user create of merchant staff of an
// unknown merchant, or of an agent or supervisor whose scope names one, fails with exit
// status 1 and a message naming the merchant, and writes nothing: no account, and no
// merchant (issue 17, item 7: it used to create the merchant). shop-a must exist.
func userCreateRefusesUnknownMerchants(t *testing.T, env map[string]string) {
	t.Helper()
	before, _, err := run(t, env, "user", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--username", "staff.x", "--role", "merchant", "--merchant", "shop-x"},
		{"--username", "agent.x", "--role", "agent", "--scope", "shop-a,shop-x"},
		{"--username", "sup.x", "--role", "supervisor", "--scope", "shop-x"},
	} {
		_, _, err := runIn(t, env, "a long password one\n", append([]string{"user", "create"}, args...)...)
		if ExitCode(err) != exitError || !strings.Contains(ErrorMessage(err), `unknown merchant "shop-x"`) || !strings.Contains(ErrorMessage(err), "商家") {
			t.Errorf("user create %s: exit %d %v", strings.Join(args, " "), ExitCode(err), err)
		}
	}
	if after, _, err := run(t, env, "user", "list"); err != nil || after != before {
		t.Errorf("the refusals changed the accounts: %v\n%s\nwas\n%s", err, after, before)
	}
	p := newProgram(env)
	defer p.Close()
	var sf storeFlags
	sf.data, sf.databaseURL = env["AFTERSALES_DATA"], env["AFTERSALES_DATABASE_URL"]
	st, err := p.openStack(context.Background(), stackConfig{store: sf})
	if err != nil {
		t.Fatal(err)
	}
	err = st.store.View(context.Background(), func(tx store.Tx) error {
		_, err := tx.Merchant(context.Background(), "shop-x")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("merchant shop-x after the refusals: %v, want not found", err)
	}
}

// serve --metrics-token (or AFTERSALES_METRICS_TOKEN) opens /metrics to a scraper that is
// not on this host; without the token such a request is refused, and a short token is
// a usage error. (Issue 17, item 11.)
func TestServeMetricsToken(t *testing.T) {
	t.Parallel()
	if _, _, err := run(t, map[string]string{"AFTERSALES_DATA": t.TempDir()}, "serve", "--metrics-token", "short"); ExitCode(err) != exitUsage ||
		!strings.Contains(ErrorMessage(err), "--metrics-token must be at least 16 characters") {
		t.Errorf("a short token: exit %d %v", ExitCode(err), err)
	}
	const token = "scrape-0123456789abcdef"
	s := MustServe(t, map[string]string{"AFTERSALES_DATA": t.TempDir(), "AFTERSALES_METRICS_TOKEN": token}, "")
	scrape := func(authorization string) int {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/metrics", nil)
		req.Header.Set("X-Forwarded-For", "192.0.2.1") // relayed: not loopback
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := scrape("Bearer " + token); code != http.StatusOK {
		t.Errorf("with the token: %d", code)
	}
	if code := scrape(""); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d", code)
	}
	if code := s.get(t, "/metrics", "", nil); code != http.StatusOK {
		t.Errorf("from loopback: %d", code)
	}
}

// token create --user makes a token that acts as a staff account: the queue's "me" is
// that person, and disabling the account ends the token.
func TestTokenActsAsStaffAccount(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"AFTERSALES_DATA": dir}
	s := MustServe(t, env, "")
	if _, stderr, err := run(t, env, "user", "create", "--username", "agent.wang", "--role", "agent", "--generate-password"); err != nil {
		t.Fatalf("user create: %v %s", err, stderr)
	}
	stdout, stderr, err := run(t, env, "token", "create", "--user", "agent.wang", "--name", "wang's script")
	if err != nil {
		t.Fatalf("token create --user: %v %s", err, stderr)
	}
	secret := strings.TrimSpace(stdout)
	if !strings.Contains(stderr, "role agent") {
		t.Errorf("the token does not take the account's role: %s", stderr)
	}
	if code := s.get(t, "/api/v1/queue?assignee=me", secret, nil); code != http.StatusOK {
		t.Errorf("the queue's me with a staff token: %d", code)
	}
	if _, _, err := run(t, env, "token", "create", "--user", "nobody.here"); ExitCode(err) != exitError || !strings.Contains(ErrorMessage(err), "user") {
		t.Errorf("a token for an unknown account: %v", err)
	}
	if _, _, err := run(t, env, "user", "set", "--username", "agent.wang", "--disable"); err != nil {
		t.Fatalf("user set --disable: %v", err)
	}
	if code := s.get(t, "/api/v1/queue", secret, nil); code != http.StatusUnauthorized {
		t.Errorf("the token of a disabled account: %d", code)
	}
}
