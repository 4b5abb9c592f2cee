package app_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
)

// Two replicas on one store, each remembering the tokens it read: a token revoked on one
// stops working there at once and on the other within a second (app.tokenTTL).
func TestTokenCacheForgetsRevokedTokens(t *testing.T) {
	admin := app.Principal{Role: app.RoleAdmin, ID: "test"}
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			st, _ := b.Open(t, time.Now)
			replica := func() *app.App {
				engine, err := policy.New(calendar.Default())
				if err != nil {
					t.Fatal(err)
				}
				return app.New(app.Config{Store: st, Engine: engine, Logger: slog.New(slog.DiscardHandler)})
			}
			one, two := replica(), replica()
			secret, tok, err := one.CreateToken(ctx, app.TokenSpec{Role: app.RoleAgent, Name: "agent"})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*app.App{one, two, one, two} { // both read it, then remember it
				if p, err := r.Authenticate(ctx, secret); err != nil || p.Role != app.RoleAgent {
					t.Fatalf("Authenticate = %+v, %v", p, err)
				}
			}
			if err := one.RevokeToken(ctx, admin, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := one.Authenticate(ctx, secret); err == nil {
				t.Fatal("the replica that revoked the token still takes it")
			}
			revoked := time.Now()
			for {
				_, err := two.Authenticate(ctx, secret)
				if err != nil {
					t.Logf("the other replica refused the token %v after it was revoked", time.Since(revoked).Round(time.Millisecond))
					break
				}
				if time.Since(revoked) > 1500*time.Millisecond {
					t.Fatal("the other replica still takes the revoked token after 1.5 s")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
