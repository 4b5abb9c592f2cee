package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/aftersales/aftersales/internal/app"
)

// syncBuffer is an output the program writes from one goroutine while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// program is a Main with captured output and its own environment.
type program struct {
	*Main
	stdout, stderr *syncBuffer
}

func newProgram(env map[string]string) *program {
	p := &program{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	p.Main = &Main{Stdin: strings.NewReader(""), Stdout: p.stdout, Stderr: p.stderr, Version: "test",
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	return p
}

// run runs one command line to its end and closes the program.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	p := newProgram(env)
	err = p.Run(context.Background(), args)
	if cerr := p.Close(); cerr != nil {
		t.Errorf("Close: %v", cerr)
	}
	return p.stdout.String(), p.stderr.String(), err
}

// server is "serve" running in the background.
type server struct {
	*program
	url    string
	cancel context.CancelFunc
	done   chan error
}

var servingLine = regexp.MustCompile(`serving on (http://\S+)`)

// MustServe starts "serve" with args and waits until it prints its address (and, when
// until is set, until its output contains until). It is stopped when the test ends.
func MustServe(t *testing.T, env map[string]string, until string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{program: newProgram(env), cancel: cancel, done: make(chan error, 1)}
	if _, ok := env["AFTERSALES_ADDR"]; !ok {
		args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	}
	go func() { s.done <- s.Run(ctx, append([]string{"serve"}, args...)) }()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.After(3 * time.Minute)
	for {
		out := s.stdout.String()
		if m := servingLine.FindStringSubmatch(out); m != nil && strings.Contains(out, until) {
			s.url = m[1]
			return s
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("serve ended before it served: %v\nstdout:\n%s\nstderr:\n%s", err, out, s.stderr.String())
		case <-deadline:
			t.Fatalf("serve did not start in time\nstdout:\n%s\nstderr:\n%s", out, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop cancels serve (as SIGINT would) and checks that it shut down cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve: %v\nstderr:\n%s", err, s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not shut down within 30s of cancellation")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// get does a GET with a bearer token and decodes the JSON answer into v.
func (s *server) get(t *testing.T, path, token string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, body)
		}
	}
	return res.StatusCode
}

var tokenLine = regexp.MustCompile(`(?m)^  (customer|merchant|agent|supervisor|admin|integration) +(\S+) +(ast_\S+)$`)

func TestServeDemoPrintsATokenPerRoleThatTheAPIAccepts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := MustServe(t, nil, "integration ", "--demo", "--demo-orders", "100", "--data", dir)

	tokens := map[string][]string{} // role → token secrets
	subjects := map[string][]string{}
	for _, m := range tokenLine.FindAllStringSubmatch(s.stdout.String(), -1) {
		tokens[m[1]] = append(tokens[m[1]], m[3])
		subjects[m[1]] = append(subjects[m[1]], m[2])
	}
	for _, role := range app.Roles {
		if len(tokens[string(role)]) == 0 {
			t.Errorf("no demo token for %s in:\n%s", role, s.stdout.String())
		}
	}
	if len(tokens["customer"]) != 1 || len(tokens["merchant"]) < 2 {
		t.Errorf("want one customer token and one per demo merchant: %v", subjects)
	}

	var health struct{ Status, Version string }
	if code := s.get(t, "/healthz", "", &health); code != http.StatusOK || health.Status != "ok" || health.Version != "test" {
		t.Errorf("/healthz: %d %+v", code, health)
	}
	var list struct {
		Items []struct{ Customer, Merchant string }
	}
	if code := s.get(t, "/api/v1/cases?limit=50", tokens["customer"][0], &list); code != http.StatusOK || len(list.Items) == 0 {
		t.Fatalf("customer's cases: %d, %d items", code, len(list.Items))
	}
	for _, c := range list.Items {
		if c.Customer != subjects["customer"][0] {
			t.Errorf("the customer token of %s sees a case of %s", subjects["customer"][0], c.Customer)
		}
	}
	if code := s.get(t, "/api/v1/cases", "ast_not-a-token", nil); code != http.StatusUnauthorized {
		t.Errorf("a bad token: %d, want 401", code)
	}
	s.stop(t)

	// Started again on the same folder, serve --demo does not seed twice but still prints
	// tokens that work.
	again := MustServe(t, nil, "integration ", "--demo", "--data", dir)
	if !strings.Contains(again.stderr.String(), "demo data not loaded again") {
		t.Errorf("second start: %s", again.stderr.String())
	}
	m := tokenLine.FindStringSubmatch(again.stdout.String())
	if m == nil || again.get(t, "/api/v1/cases?limit=1", m[3], nil) != http.StatusOK {
		t.Errorf("second start tokens:\n%s", again.stdout.String())
	}
}

func TestTokenCreateWorksWhileAServerRunsOnTheSameStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := MustServe(t, nil, "", "--data", dir)

	stdout, stderr, err := run(t, nil, "token", "create", "--role", "merchant", "--merchant", "shop-a", "--name", "ci", "--data", dir)
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr)
	}
	secret := strings.TrimSpace(stdout)
	if _, ok := app.ParseToken(secret); !ok || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout = %q, want the secret alone on a line", stdout)
	}
	if !strings.Contains(stderr, "role merchant") || !strings.Contains(stderr, "shown only once") {
		t.Errorf("stderr = %q", stderr)
	}
	var list struct{ Items []any }
	if code := s.get(t, "/api/v1/cases", secret, &list); code != http.StatusOK {
		t.Errorf("the new token on the running server: %d", code)
	}

	// The application's rules come back as a usage of the command line.
	_, _, err = run(t, nil, "token", "create", "--role", "merchant", "--data", dir)
	if ExitCode(err) != exitError || !strings.Contains(ErrorMessage(err), "a merchant token needs --merchant") {
		t.Errorf("merchant token without merchant: %v (exit %d)", err, ExitCode(err))
	}
	_, _, err = run(t, nil, "token", "create", "--data", dir)
	if ExitCode(err) != exitUsage {
		t.Errorf("without --role: %v (exit %d)", err, ExitCode(err))
	}
}

func TestImportOrdersStoresTheGoodOrdersAndExits2OnABadRow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := filepath.Join(dir, "orders.csv")
	os.WriteFile(csv, []byte(strings.Join([]string{
		"订单号,商家,买家,支付方式,付款时间,签收时间,发货时间,商品编码,商品名称,数量,单价,实付金额,标签",
		"A1,shop-a,c1,online,2025-06-18 20:30:00,2025-06-20 10:00:00,2025-06-19 09:00:00,S1,保温杯,2,59.90,99.80,gift",
		"A1,shop-a,c1,online,2025-06-18 20:30:00,2025-06-20 10:00:00,2025-06-19 09:00:00,S2,杯套,1,10,10,",
		"A2,shop-a,c2,online,2025-06-18 21:00:00,,,S1,保温杯,1,59.90,12.345,",
		"A3,shop-b,c3,cod,2025-06-18 22:00:00,,,S9,茶叶,1,88,88,perishable",
	}, "\n")+"\n"), 0o600)

	stdout, stderr, err := run(t, nil, "import", "orders", csv, "--data", dir, "--progress", "always")
	if code := ExitCode(err); code != exitBadRows {
		t.Fatalf("exit %d (%v), want 2\n%s\n%s", code, err, stdout, stderr)
	}
	for _, want := range []string{
		"4 rows, 2 orders stored (2 new, 0 updated), 1 orders skipped (1 rows)",
		"order A2, row 4:",
		`row 4: paid_amount: "12.345" is not an amount of CNY`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "\rimport ") || !strings.Contains(stderr, "100%") || !strings.Contains(stderr, "4 rows") {
		t.Errorf("progress bar on stderr = %q", stderr)
	}

	p := newProgram(nil)
	defer p.Close()
	st, err := p.openStack(context.Background(), stackConfig{store: storeFlags{data: dir}})
	if err != nil {
		t.Fatal(err)
	}
	a1, err := st.app.GetOrder(context.Background(), cliPrincipal, "A1")
	if err != nil || len(a1.Items) != 2 || a1.Items[0].PaidAmount != 9980 {
		t.Errorf("A1 = %+v, %v", a1, err)
	}
	if _, err := st.app.GetOrder(context.Background(), cliPrincipal, "A3"); err != nil {
		t.Errorf("A3: %v", err)
	}
	if _, err := st.app.GetOrder(context.Background(), cliPrincipal, "A2"); app.ErrorCode(err) != app.CodeNotFound {
		t.Errorf("A2, the bad one, was stored: %v", err)
	}

	// Imported again with the bad row fixed: every order is there, the others updated.
	fixed, _ := os.ReadFile(csv)
	os.WriteFile(csv, bytes.Replace(fixed, []byte("12.345"), []byte("12.34"), 1), 0o600)
	stdout, _, err = run(t, nil, "import", "orders", csv, "--data", dir)
	if err != nil || !strings.Contains(stdout, "3 orders stored (1 new, 2 updated), 0 orders skipped") {
		t.Errorf("second import: %v\n%s", err, stdout)
	}
}

func TestImportOrdersRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	xls := filepath.Join(dir, "orders.xls")
	os.WriteFile(xls, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), 0o600)
	noHeader := filepath.Join(dir, "orders.csv")
	os.WriteFile(noHeader, []byte("A1,shop,c1\n"), 0o600)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "orders", xls}, exitError, "legacy .xls"},
		{[]string{"import", "orders", noHeader}, exitError, "row 1 (header): missing required columns"},
		{[]string{"import", "orders", filepath.Join(dir, "missing.csv")}, exitError, "no such file"},
		{[]string{"import", "orders"}, exitUsage, "give exactly one FILE"},
		{[]string{"import", "cases", noHeader}, exitUsage, "import orders FILE"},
	}
	for _, tt := range tests {
		_, _, err := run(t, nil, append(tt.args, "--data", dir)...)
		if ExitCode(err) != tt.code || !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("%v: exit %d %v; want %d and %q", tt.args, ExitCode(err), err, tt.code, tt.want)
		}
	}
}

func TestEveryFlagHasAnEnvironmentTwin(t *testing.T) {
	t.Parallel()
	flagLine := regexp.MustCompile(`(?m)^  --([a-z-]+)\b(.*)$`)
	for _, c := range commands {
		if c.name == "help" {
			continue
		}
		stdout, _, err := run(t, nil, "help", c.name)
		if err != nil && ExitCode(err) != exitOK {
			t.Fatalf("help %s: %v", c.name, err)
		}
		lines := flagLine.FindAllStringSubmatch(stdout, -1)
		if c.name != "version" && len(lines) == 0 {
			t.Errorf("help %s shows no flags:\n%s", c.name, stdout)
		}
		for _, m := range lines {
			if want := "[$" + envName(m[1]) + "]"; !strings.Contains(m[2], want) {
				t.Errorf("help %s: --%s does not name %s", c.name, m[1], want)
			}
		}
	}
	if got := envName("database-url"); got != "AFTERSALES_DATABASE_URL" {
		t.Errorf("envName(database-url) = %s", got)
	}
}

func TestEnvironmentTwinsSetFlagsAndTheCommandLineWins(t *testing.T) {
	t.Parallel()
	fromEnv, fromFlag := t.TempDir(), t.TempDir()

	// AFTERSALES_DATA and AFTERSALES_ROLE stand in for --data and --role.
	_, stderr, err := run(t, map[string]string{"AFTERSALES_DATA": fromEnv, "AFTERSALES_ROLE": "agent", "AFTERSALES_TTL": "1h"}, "token", "create")
	if err != nil {
		t.Fatalf("token create from the environment: %v", err)
	}
	if !strings.Contains(stderr, "role agent") || !strings.Contains(stderr, filepath.Join(fromEnv, "aftersales.db")) {
		t.Errorf("stderr = %q", stderr)
	}

	// --data on the command line beats AFTERSALES_DATA.
	_, stderr, err = run(t, map[string]string{"AFTERSALES_DATA": fromEnv}, "token", "create", "--role", "admin", "--data", fromFlag)
	if err != nil || !strings.Contains(stderr, filepath.Join(fromFlag, "aftersales.db")) {
		t.Errorf("--data beside AFTERSALES_DATA: %v, %q", err, stderr)
	}

	// A bad value in the environment is a usage error that names the variable.
	_, _, err = run(t, map[string]string{"AFTERSALES_TTL": "a month"}, "token", "create", "--role", "admin", "--data", fromFlag)
	if ExitCode(err) != exitUsage || !strings.Contains(ErrorMessage(err), "AFTERSALES_TTL") {
		t.Errorf("bad AFTERSALES_TTL: %v (exit %d)", err, ExitCode(err))
	}

	// serve reads AFTERSALES_ADDR and AFTERSALES_DEMO like --addr and --demo.
	s := MustServe(t, map[string]string{"AFTERSALES_ADDR": "127.0.0.1:0",
		"AFTERSALES_DATA": t.TempDir(), "AFTERSALES_DEMO": "true", "AFTERSALES_DEMO_ORDERS": "20"}, "integration ")
	if !strings.HasPrefix(s.url, "http://127.0.0.1:") || !strings.Contains(s.stdout.String(), "demo data: ") {
		t.Errorf("serve from the environment: %s\n%s", s.url, s.stdout.String())
	}
}

func TestMigrateAndVersionAndUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := run(t, nil, "migrate", "--data", dir)
	if err != nil || !strings.Contains(stdout, "aftersales.db is migrated") {
		t.Errorf("migrate: %v %q", err, stdout)
	}
	stdout, _, err = run(t, nil, "version")
	if err != nil || !regexp.MustCompile(`^aftersales test \(go1\.\d+`).MatchString(stdout) {
		t.Errorf("version: %v %q", err, stdout)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "no command given"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, exitUsage, "flag provided but not defined: -no-such-flag"},
		{[]string{"seed", "--data", dir}, exitUsage, "add --demo"},
		{[]string{"token", "revoke"}, exitUsage, "say which token"},
		{[]string{"token", "rotate"}, exitUsage, `unknown subcommand "rotate"`},
		{[]string{"user"}, exitUsage, "create, list or set"},
		{[]string{"user", "create", "--role", "agent"}, exitUsage, "--username is required"},
		{[]string{"user", "set", "--username", "x"}, exitUsage, "nothing to change"},
		{[]string{"user", "set", "--username", "x", "--enable", "--disable"}, exitUsage, "contradict"},
		{[]string{"shop", "link", "--shop", "platform"}, exitUsage, "--customer is required"},
		{[]string{"shop", "rotate", "--shop", "platform"}, exitUsage, `unknown subcommand "rotate"`},
		{[]string{"help", "serve"}, exitOK, ""},
		{[]string{"--help"}, exitOK, ""},
	}
	for _, tt := range tests {
		_, _, err := run(t, nil, tt.args...)
		if ExitCode(err) != tt.code || !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("%q: exit %d %v; want %d and %q", tt.args, ExitCode(err), err, tt.code, tt.want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	b := &progressBar{w: &out, label: "import", unit: "rows", start: time.Now().Add(-2 * time.Second), frac: -1, enabled: true}
	b.update(1234567, 0.5)
	b.update(1234568, 0.6) // within 100ms: not drawn
	b.frac, b.done = -1, 7
	b.finish()
	lines := strings.Split(out.String(), "\r")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "import  [############············]  50%  1,234,567 rows  6") {
		t.Fatalf("progress = %q", out.String())
	}
	if !strings.HasPrefix(lines[2], "import   7 rows") || !strings.HasSuffix(lines[2], " \n") || len([]rune(lines[2])) < len([]rune(lines[1])) {
		t.Errorf("the last line must blank the longer one before it: %q", lines[2])
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}

func Example_usage() {
	m := &Main{Stdout: os.Stdout, Stderr: io.Discard, LookupEnv: func(string) (string, bool) { return "", false }}
	err := m.Run(context.Background(), []string{"help", "version"})
	fmt.Println(errors.Is(err, errHelp))
	// Output:
	// Usage: aftersales version
	//
	// Prints the version of aftersales and of the Go toolchain that built it.
	// true
}

func TestImportOrdersFromXLSX(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := excelize.NewFile()
	rows := [][]any{
		{"订单号", "商家", "买家", "支付方式", "付款时间", "商品编码", "数量", "单价", "实付金额"},
		{"X1", "shop-x", "c1", "货到付款", "2025-06-18 20:30:00", "S1", 2, 19.9, 39.8},
		{"X1", "shop-x", "c1", "货到付款", "2025-06-18 20:30:00", "S2", 1, 5, 5},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(f.GetSheetName(0), cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "export") // no extension: told by content
	if err := f.SaveAs(path + ".xlsx"); err != nil {
		t.Fatal(err)
	}
	os.Rename(path+".xlsx", path)
	stdout, _, err := run(t, nil, "import", "orders", path, "--data", dir)
	if err != nil || !strings.Contains(stdout, "(XLSX)") || !strings.Contains(stdout, "2 rows, 1 orders stored (1 new, 0 updated)") {
		t.Errorf("import: %v\n%s", err, stdout)
	}
}
