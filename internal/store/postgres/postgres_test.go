package postgres

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersales/aftersales/internal/store"
)

const urlEnv = "AFTERSALES_TEST_DATABASE_URL"

// testURL returns the database URL of the tests, or skips the test.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(urlEnv)
	if u == "" {
		t.Skip("set " + urlEnv + "=postgres://… to run the PostgreSQL store tests")
	}
	return u
}

// MustSchema creates a schema of its own for the test, dropped when the test ends, and
// returns a URL whose connections use it (search_path).
func MustSchema(t testing.TB) string {
	t.Helper()
	base := testURL(t)
	ctx := context.Background()
	schema := "test_" + strings.ToLower(rand.Text())
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", urlEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	for k := range q {
		if strings.HasPrefix(k, "pool_") { // pgxpool's settings, unknown to a plain connection
			q.Del(k)
		}
	}
	plain := *u
	plain.RawQuery = q.Encode()
	admin, err := pgx.Connect(ctx, plain.String())
	if err != nil {
		t.Fatalf("connect %s: %v", base, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, plain.String())
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q = u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpen opens a store on a fresh schema, closed when the test ends.
func MustOpen(t testing.TB, opts store.Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), MustSchema(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// mustOpenConfig is MustOpen with a chance to change the pool's configuration.
func mustOpenConfig(t testing.TB, opts store.Options, change func(*pgxpool.Config)) *DB {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(MustSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	change(cfg)
	db, err := open(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixedClock is a test clock that moves only when told.
type fixedClock struct{ now time.Time }

func (c *fixedClock) Now() time.Time          { return c.now }
func (c *fixedClock) Advance(d time.Duration) { c.now = c.now.Add(d) }
