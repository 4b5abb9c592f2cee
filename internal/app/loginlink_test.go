package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// A link naming its shop or customer in invalid UTF-8 is malformed: the stores refuse
// such text, which would lose the audit entry of the attempt.
func TestLoginLinkInInvalidUTF8IsMalformed(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	exp := time.Now().Add(time.Minute)
	for _, l := range []app.LoginLink{{Shop: "platform", Customer: "c\xff1"}, {Shop: "sh\xc3op", Customer: "c1"}} {
		l.Expires = exp
		if _, _, err := app.ParseLoginLink(app.SignLoginLink(secret, l)); err == nil {
			t.Errorf("%q of %q: parsed", l.Customer, l.Shop)
		}
	}
}

// MakeLoginLink signs with the shop's stored secret a link that OpenLoginLink accepts, for
// at most LoginLinkMaxAge; it is for admins and recorded in the audit log.
func TestMakeLoginLink(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			env := apitest.New(t, b)
			ctx := context.Background()
			admin := app.Principal{Role: app.RoleAdmin, ID: "test"}
			if _, err := env.App.MakeLoginLink(ctx, admin, "shop-a", "cust-1", time.Minute); app.ErrorCode(err) != app.CodeInvalid {
				t.Errorf("without a secret: %v", err)
			}
			if _, err := env.App.SetShopSecret(ctx, admin, "shop-a"); err != nil {
				t.Fatal(err)
			}
			for _, ttl := range []time.Duration{0, app.LoginLinkMaxAge + time.Second} {
				if _, err := env.App.MakeLoginLink(ctx, admin, "shop-a", "cust-1", ttl); app.ErrorCode(err) != app.CodeInvalid {
					t.Errorf("ttl %v: %v", ttl, err)
				}
			}
			if _, err := env.App.MakeLoginLink(ctx, app.Principal{Role: app.RoleMerchant, Merchant: "shop-a", ID: "m"}, "shop-a", "cust-1", time.Minute); app.ErrorCode(err) != app.CodeForbidden {
				t.Errorf("as merchant staff: %v", err)
			}
			query, err := env.App.MakeLoginLink(ctx, admin, "shop-a", "cust-1", app.LoginLinkMaxAge)
			if err != nil {
				t.Fatal(err)
			}
			if q, _ := url.ParseQuery(query); q.Get("shop") != "shop-a" || q.Get("customer") != "cust-1" {
				t.Errorf("link %s", query)
			}
			s, err := env.App.OpenLoginLink(ctx, query, "127.0.0.1", "test")
			if err != nil || s.Principal.Customer != "cust-1" || s.Principal.Merchant != "shop-a" || !strings.HasPrefix(s.Secret, "ass_") {
				t.Fatalf("open: %v %+v", err, s)
			}
			page, err := env.App.Audit(ctx, admin, app.AuditInput{Action: "shop.link"})
			if err != nil || len(page.Items) != 1 || page.Items[0].ResourceID != "shop-a" {
				t.Errorf("audit %v %+v", err, page)
			}
		})
	}
}
