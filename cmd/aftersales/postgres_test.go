package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testDatabaseEnv names the PostgreSQL database the tests may use; without it the
// PostgreSQL tests are skipped.
const testDatabaseEnv = "AFTERSALES_TEST_DATABASE_URL"

// MustDatabaseURL creates a schema of the test's own in the test database, dropped when the
// test ends, and returns a URL whose connections use it.
func MustDatabaseURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv(testDatabaseEnv)
	if base == "" {
		t.Skip("set " + testDatabaseEnv + "=postgres://… to run the command against PostgreSQL")
	}
	ctx := context.Background()
	schema := "cmd_" + strings.ToLower(rand.Text())
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
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestCommandsOnPostgreSQL(t *testing.T) {
	t.Parallel()
	db := MustDatabaseURL(t)
	dir := t.TempDir()
	env := map[string]string{"AFTERSALES_DATABASE_URL": db, "AFTERSALES_DATA": dir}

	stdout, _, err := run(t, env, "migrate")
	if err != nil || !strings.Contains(stdout, "PostgreSQL") || !strings.Contains(stdout, "is migrated") {
		t.Fatalf("migrate: %v %q", err, stdout)
	}
	if strings.Contains(stdout, "@") {
		t.Errorf("migrate shows credentials: %q", stdout)
	}

	csv := filepath.Join(dir, "orders.csv")
	os.WriteFile(csv, []byte(header()+
		"P1,shop-a,c1,,online,6,true,2025-06-18 20:30:00,,,,S1,,,1,59.90,59.90,\n"+
		"P2,shop-a,c2,,online,,,2025-06-18 20:30:00,,,,S1,,,0,59.90,59.90,\n"), 0o600)
	stdout, _, err = run(t, env, "import", "orders", csv)
	if ExitCode(err) != exitBadRows || !strings.Contains(stdout, "1 orders stored") || !strings.Contains(stdout, "row 3: quantity") {
		t.Errorf("import: exit %d %v\n%s", ExitCode(err), err, stdout)
	}

	s := MustServe(t, env, "")
	stdout, _, err = run(t, env, "token", "create", "--role", "integration", "--merchant", "shop-a")
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	var o struct {
		OrderNo     string `json:"order_no"`
		ShippingFee int64  `json:"shipping_fee"`
	}
	if code := s.get(t, "/api/v1/orders/P1", strings.TrimSpace(stdout), &o); code != http.StatusOK || o.ShippingFee != 600 {
		t.Errorf("GET the imported order: %d %+v", code, o)
	}
	if code := s.get(t, "/readyz", "", nil); code != http.StatusOK {
		t.Errorf("/readyz: %d", code)
	}

	// Accounts, tokens and login links on PostgreSQL.
	userCreateRefusesUnknownMerchants(t, env)
	stdout, _, err = run(t, env, "user", "create", "--username", "staff.a", "--role", "merchant", "--merchant", "shop-a", "--generate-password")
	if err != nil {
		t.Fatalf("user create: %v", err)
	}
	if cookie, status := s.login(t, "staff.a", strings.TrimSpace(stdout)); cookie == "" {
		t.Errorf("login: %d", status)
	}
	if stdout, _, err := run(t, env, "user", "list"); err != nil || !strings.Contains(stdout, "staff.a") {
		t.Errorf("user list: %v %q", err, stdout)
	}
	if stdout, _, err := run(t, env, "token", "list"); err != nil || !strings.Contains(stdout, "integration") {
		t.Errorf("token list: %v %q", err, stdout)
	}
	if _, _, err := run(t, env, "shop", "secret", "--shop", "shop-a"); err != nil {
		t.Fatalf("shop secret: %v", err)
	}
	stdout, _, err = run(t, env, "shop", "link", "--shop", "shop-a", "--customer", "c1", "--base", s.url)
	if cookie, status := open(t, strings.TrimSpace(stdout)); err != nil || cookie == "" {
		t.Errorf("shop link: %v, opened %d", err, status)
	}
}

// header is the English header row of an order file.
func header() string {
	return "order_no,merchant,customer,currency,payment_method,shipping_fee,freight_insurance,paid_at,shipped_at,delivered_at,completed_at,sku,title,category,quantity,unit_price,paid_amount,tags\n"
}
