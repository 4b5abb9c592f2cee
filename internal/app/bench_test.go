package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/blob"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/sqlite"
)

// benchApp is an app on a new SQLite store.
func benchApp(b *testing.B) *app.App {
	b.Helper()
	a, _ := benchAppStore(b)
	return a
}

// benchAppStore is an app on a new SQLite store, and the store.
func benchAppStore(b *testing.B) (*app.App, store.Store) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "a.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	engine, _ := policy.New(calendar.Default())
	blobs, _ := blob.NewDir(filepath.Join(dir, "blobs"))
	a := app.New(app.Config{Store: db, Engine: engine, Blobs: blobs})
	if err := a.LoadPolicies(ctx); err != nil {
		b.Fatal(err)
	}
	return a, db
}

// BenchmarkCheckPassword is what a login costs in CPU: one argon2id hash (19 MiB, 2 passes).
func BenchmarkCheckPassword(b *testing.B) {
	hash, err := app.HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !app.CheckPassword(hash, "correct horse battery staple") {
			b.Fatal("the password does not match")
		}
	}
}

// BenchmarkAuthenticate is what every API request pays to know who it is: the token's
// shape, its SHA-256 and one indexed lookup (SQLite).
func BenchmarkAuthenticate(b *testing.B) {
	a := benchApp(b)
	secret, _, err := a.CreateToken(context.Background(), app.TokenSpec{Role: app.RoleAgent, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := a.Authenticate(context.Background(), secret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionPrincipal is the same for a browser's session cookie: its hash, the
// session and its account (SQLite); the idle clock is touched at most once a minute.
func BenchmarkSessionPrincipal(b *testing.B) {
	a := benchApp(b)
	ctx := context.Background()
	admin := app.Principal{Role: app.RoleAdmin, ID: "bench"}
	if _, err := a.CreateUser(ctx, admin, app.UserInput{Username: "agent.bench", Role: app.RoleAgent, Password: "correct horse battery"}); err != nil {
		b.Fatal(err)
	}
	sess, err := a.Login(ctx, "agent.bench", "correct horse battery", "127.0.0.1", "bench")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := a.SessionPrincipal(ctx, sess.Secret, "127.0.0.1", "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplySQLite is intake without HTTP: one application per op, each on its own
// order, through the application layer on the SQLite store.
// BenchmarkApplySQLite applies for orders of one customer (each application reads a longer
// history, up to riskHistory) and of a thousand.
func BenchmarkApplySQLite(b *testing.B) {
	for _, customers := range []int{1, 1000} {
		b.Run(fmt.Sprintf("customers=%d", customers), func(b *testing.B) { benchApply(b, customers) })
	}
}

func benchApply(b *testing.B, customers int) {
	ctx := context.Background()
	a := benchApp(b)
	integ := app.Principal{Role: app.RoleIntegration, ID: "shop"}
	agent := app.Principal{Role: app.RoleAgent, ID: "agent-1"}
	now := time.Now().UTC()
	n := b.N
	for i := range n {
		in := app.OrderInput{OrderNo: fmt.Sprintf("B%07d", i), Merchant: "m1", Customer: fmt.Sprintf("c%d", i%customers), PaymentMethod: "online",
			PaidAt: now.Add(-96 * time.Hour), ShippedAt: ptr(now.Add(-72 * time.Hour)), DeliveredAt: ptr(now.Add(-48 * time.Hour)),
			Items: []app.OrderItemInput{{SKU: "S", Title: "耳机", Category: "electronics", Quantity: 2, UnitPrice: 19900, PaidAmount: 35800}}}
		if _, err := a.UpsertOrder(ctx, integ, in, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.ReportAllocs()
	for i := range n {
		_, err := a.Apply(ctx, agent, app.ApplyInput{OrderNo: fmt.Sprintf("B%07d", i), Type: "return_refund", Reason: "no_reason",
			Items: []policy.RequestItem{{SKU: "S", Quantity: 1}}}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
