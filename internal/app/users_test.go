package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// A staff account names merchants the platform knows: merchant staff of an unknown
// merchant, or an agent or supervisor whose scope names one, is refused and nothing is
// written — no account, no merchant, no audit entry. (Issue 17, item 7: user create
// --merchant X used to create merchant X.)
func TestCreateUserRefusesAnUnknownMerchant(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			env := apitest.New(t, b)
			ctx := context.Background()
			admin := app.Principal{Role: app.RoleAdmin, ID: "test"}
			if err := env.App.UpdateMerchantProfile(ctx, admin, app.MerchantProfile{Code: "shop-a", Name: "A 店"}); err != nil {
				t.Fatal(err)
			}
			merchants, users, audit := env.Rows(t, "merchants"), env.Rows(t, "users"), env.Rows(t, "audit_log")
			for name, in := range map[string]app.UserInput{
				"merchant staff":               {Username: "staff.x", Role: app.RoleMerchant, Merchant: "shop-x"},
				"an agent's scope":             {Username: "agent.x", Role: app.RoleAgent, Scope: []string{"shop-a", "shop-x"}},
				"a supervisor's scope":         {Username: "sup.x", Role: app.RoleSupervisor, Scope: []string{"shop-x"}},
				"a merchant differing in case": {Username: "staff.y", Role: app.RoleMerchant, Merchant: "SHOP-A"},
			} {
				in.Password = "correct horse battery"
				_, err := env.App.CreateUser(ctx, admin, in)
				var ae *app.Error
				if app.ErrorCode(err) != app.CodeInvalid || !errors.As(err, &ae) || len(ae.Fields) != 1 ||
					!strings.Contains(strings.ToLower(ae.Fields[0].Message.EN), `unknown merchant "shop-`) || ae.Fields[0].Message.ZH == "" {
					t.Errorf("%s: %v, want invalid naming the unknown merchant", name, err)
				}
			}
			if m, u, a := env.Rows(t, "merchants"), env.Rows(t, "users"), env.Rows(t, "audit_log"); m != merchants || u != users || a != audit {
				t.Errorf("refusals wrote: merchants %d→%d, users %d→%d, audit %d→%d", merchants, m, users, u, audit, a)
			}

			// Known merchants, and an empty scope (all merchants), are fine.
			for _, in := range []app.UserInput{
				{Username: "staff.a", Role: app.RoleMerchant, Merchant: "shop-a"},
				{Username: "agent.a", Role: app.RoleAgent, Scope: []string{"shop-a"}},
				{Username: "sup.all", Role: app.RoleSupervisor},
			} {
				in.Password = "correct horse battery"
				if _, err := env.App.CreateUser(ctx, admin, in); err != nil {
					t.Errorf("%s: %v", in.Username, err)
				}
			}
			if m := env.Rows(t, "merchants"); m != merchants {
				t.Errorf("merchants %d→%d", merchants, m)
			}
		})
	}
}
