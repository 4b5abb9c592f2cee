package main

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testDatabaseEnv names the PostgreSQL database the tests may use; without it the
// PostgreSQL run is skipped.
const testDatabaseEnv = "AFTERSALES_TEST_DATABASE_URL"

// TestRefundsSurviveKills is the money chaos test, CI-sized: 100 refunds through a real
// `aftersales serve` whose gateway fails 30% of its calls and sends 30% of its callbacks
// twice, killed with SIGKILL half-way and started again; every refund settles within the
// timeout, reconcile is clean and each case was paid exactly its refund, once
// (docs/MONEY.md: "one transition never pays twice", "a payment is never lost"). On
// SQLite, and on PostgreSQL (a fresh schema) when AFTERSALES_TEST_DATABASE_URL is set.
//
// The binary is built without -race: it is the system under test, not the test.
func TestRefundsSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the aftersales binary")
	}
	bin := buildAftersales(t)
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", mustDatabaseURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{bin: bin, databaseURL: tc.url(t), addr: "127.0.0.1:0", work: t.TempDir(),
				refunds: 100, kills: 1, clients: 8, failureRate: 0.3, duplicateRate: 0.3,
				settleDelay: 200 * time.Millisecond, retryCap: 2 * time.Second, settleTimeout: 90 * time.Second}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			start := time.Now()
			rep, err := run(ctx, cfg)
			var out strings.Builder
			rep.print(&out)
			t.Logf("in %v:\n%s", time.Since(start).Round(time.Millisecond), out.String())
			if err != nil {
				t.Fatal(err)
			}
			if !rep.passed() {
				t.Fatal("a check failed: see the report above")
			}
		})
	}
}

// TestThresholds: K kills come after 1/(K+1), 2/(K+1)… of the refunds, rounded up.
func TestThresholds(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		want []int64
	}{
		{1000, 2, []int64{334, 667}},
		{100, 1, []int64{50}},
		{10, 3, []int64{3, 5, 8}},
		{5, 0, []int64{}},
	} {
		got := thresholds(tc.n, tc.k)
		if len(got) != len(tc.want) {
			t.Errorf("thresholds(%d, %d) = %v, want %v", tc.n, tc.k, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("thresholds(%d, %d) = %v, want %v", tc.n, tc.k, got, tc.want)
				break
			}
		}
	}
}

// TestOnlyLoopback: the server listens on a loopback address only.
func TestOnlyLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:0": true, "[::1]:8080": true, "localhost:9000": true,
		"0.0.0.0:8080": false, "10.0.0.1:80": false, ":8080": false} {
		cfg := config{bin: "/bin/sh", addr: addr, refunds: 10, kills: 1, clients: 2, retryCap: 2 * time.Second, settleTimeout: time.Second}
		if err := cfg.check(); (err == nil) != ok {
			t.Errorf("-addr %s: %v, want accepted %v", addr, err, ok)
		}
	}
}

// buildAftersales builds the aftersales binary into the test's temporary folder.
func buildAftersales(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aftersales")
	out, err := exec.Command("go", "build", "-o", path, "github.com/aftersales/aftersales/cmd/aftersales").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// mustDatabaseURL creates a schema of the test's own in the test database, dropped when
// the test ends, and returns a URL whose connections use it (as cmd/aftersales's tests do).
func mustDatabaseURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv(testDatabaseEnv)
	if base == "" {
		t.Skip("set " + testDatabaseEnv + "=postgres://… to run the chaos on PostgreSQL")
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		t.Fatalf("%s: want a postgres:// URL (%v)", testDatabaseEnv, err)
	}
	ctx := context.Background()
	schema := "chaos_" + strings.ToLower(rand.Text())
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", testDatabaseEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
