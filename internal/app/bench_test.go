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

// BenchmarkApplySQLite is intake without HTTP: one application per op, each on its own
// order, through the application layer on the SQLite store.
func BenchmarkApplySQLite(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "a.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	engine, _ := policy.New(calendar.Default())
	blobs, _ := blob.NewDir(filepath.Join(dir, "blobs"))
	a := app.New(app.Config{Store: db, Engine: engine, Blobs: blobs})
	if err := a.LoadPolicies(ctx); err != nil {
		b.Fatal(err)
	}
	integ := app.Principal{Role: app.RoleIntegration, ID: "shop"}
	agent := app.Principal{Role: app.RoleAgent, ID: "agent-1"}
	now := time.Now().UTC()
	n := b.N
	for i := range n {
		in := app.OrderInput{OrderNo: fmt.Sprintf("B%07d", i), Merchant: "m1", Customer: "c1", PaymentMethod: "online",
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
