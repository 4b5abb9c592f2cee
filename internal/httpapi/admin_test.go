package httpapi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// Admins manage staff accounts over the API: create, list, disable (which ends the
// account's sessions at once), enable with a new password, lift a lockout. Nobody else
// may, and no answer holds a password or its hash.
func TestAdminManagesStaffAccounts(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		in := app.UserInput{Username: "staff.a1", DisplayName: "店小二", Role: app.RoleMerchant, Merchant: "shop-a", Password: "correct horse battery"}
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users", Token: w.admin, JSON: in})
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var u app.UserView
		res.JSON(t, &u)
		if u.Username != "staff.a1" || u.Role != app.RoleMerchant || u.Merchant != "shop-a" || u.Locked || u.Disabled || u.ID == "" {
			t.Errorf("created %+v", u)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users", Token: w.admin, JSON: in}),
			http.StatusUnprocessableEntity, app.CodeInvalid, "username")
		short := in
		short.Username, short.Password = "staff.a2", "short"
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users", Token: w.admin, JSON: short}),
			http.StatusUnprocessableEntity, app.CodeInvalid, "password")

		var list httpapi.UserList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/users", Token: w.admin}).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Username != "staff.a1" {
			t.Errorf("users %+v", list.Items)
		}

		sess := env.Login(t, "staff.a1", in.Password)
		yes, no := true, false
		change := func(c app.UserChange) app.UserView {
			t.Helper()
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users/staff.a1", Token: w.admin, JSON: c})
			var v app.UserView
			if res.Status != http.StatusOK {
				t.Fatalf("change %+v: %d %s", c, res.Status, res.Body)
			}
			res.JSON(t, &v)
			return v
		}
		if v := change(app.UserChange{Disabled: &yes}); !v.Disabled {
			t.Errorf("disabled: %+v", v)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Session: sess}), http.StatusUnauthorized, app.CodeUnauthorized)
		wantPage(t, loginAttempt(t, env, "staff.a1", in.Password, english()), http.StatusUnauthorized, "wrong username or password")
		password := "a new password, long enough"
		if v := change(app.UserChange{Disabled: &no, Password: &password}); v.Disabled {
			t.Errorf("enabled: %+v", v)
		}
		wantPage(t, loginAttempt(t, env, "staff.a1", in.Password, english()), http.StatusUnauthorized)
		for range app.MaxFailedLogins {
			loginAttempt(t, env, "staff.a1", "wrong password!", nil)
		}
		var locked httpapi.UserList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/users", Token: w.admin}).JSON(t, &locked)
		if !locked.Items[0].Locked {
			t.Errorf("not locked after %d wrong passwords: %+v", app.MaxFailedLogins, locked.Items[0])
		}
		if v := change(app.UserChange{Unlock: true}); v.Locked {
			t.Errorf("unlocked: %+v", v)
		}
		env.Login(t, "staff.a1", password)
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users/nobody", Token: w.admin, JSON: app.UserChange{Unlock: true}}),
			http.StatusNotFound, app.CodeNotFound)

		// Only admins, and the merchant's own staff is no admin either.
		for _, token := range []string{w.agent, w.merchantA, w.customer1, w.shop} {
			wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/users", Token: token}), http.StatusForbidden, app.CodeForbidden)
			wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users", Token: token, JSON: short}), http.StatusForbidden, app.CodeForbidden)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users/staff.a1", Session: env.Login(t, "staff.a1", password),
			JSON: app.UserChange{Disabled: &yes}}), http.StatusForbidden, app.CodeForbidden)

		everything := env.Logs()
		for _, secret := range []string{in.Password, password, "$argon2id$"} {
			if strings.Contains(everything, secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
	})
}

// Admins list API tokens (never a secret or hash) and revoke them: the next request with a
// revoked token is refused at once.
func TestAdminListsAndRevokesTokens(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/tokens", Token: w.admin})
		var list httpapi.TokenList
		res.JSON(t, &list)
		if len(list.Items) != len(w.tokens()) {
			t.Errorf("%d tokens listed, want %d", len(list.Items), len(w.tokens()))
		}
		if strings.Contains(string(res.Body), "ast_") {
			t.Errorf("the list shows a secret: %s", res.Body)
		}
		id := ""
		for _, tok := range list.Items {
			if tok.Role == app.RoleMerchant && tok.Merchant == "shop-b" {
				id = tok.ID
			}
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: w.merchantB}); res.Status != http.StatusOK {
			t.Fatalf("before revocation: %d", res.Status)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/tokens/" + id + "/revoke", Token: w.merchantB}), http.StatusForbidden, app.CodeForbidden)
		for range 2 { // revoking twice is no error
			if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/tokens/" + id + "/revoke", Token: w.admin}); res.Status != http.StatusNoContent || len(res.Body) != 0 {
				t.Fatalf("revoke: %d %s", res.Status, res.Body)
			}
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: w.merchantB}), http.StatusUnauthorized, app.CodeUnauthorized)
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/tokens/no-such-token/revoke", Token: w.admin}), http.StatusNotFound, app.CodeNotFound)
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/tokens", Token: w.admin}).JSON(t, &list)
		for _, tok := range list.Items {
			if (tok.ID == id) != (tok.RevokedAt != nil) {
				t.Errorf("token %s (%s) revoked at %v", tok.ID, tok.Name, tok.RevokedAt)
			}
		}
	})
}

// The audit log: filters, pages by cursor, and the CSV export of every matching entry
// across pages, with formula-like values defused.
func TestAdminReadsAndExportsTheAuditLog(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		const many = 1234 // more than one export page
		err := env.Store.Update(context.Background(), func(tx store.Tx) error {
			for i := range many {
				if err := tx.AppendAudit(context.Background(), store.AuditEntry{ActorRole: "integration", ActorID: "bulk",
					Action: "order.upsert", Resource: "order", ResourceID: fmt.Sprintf("ORD-%d", i), Outcome: "ok",
					Addr: "10.0.0.1", Client: "=HYPERLINK(\"http://evil\")", Detail: []byte(`{"n":1}`)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, loginAttempt(t, env, "-nobody", "a-password-123", nil), http.StatusUnauthorized)

		var page app.AuditPage
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?action=login", Token: w.admin}).JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].ActorID != "-nobody" || page.Items[0].Outcome != "failed" || page.Items[0].Addr != "127.0.0.1" {
			t.Errorf("login attempts: %+v", page.Items)
		}
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			q := url.Values{"actor": {"bulk"}, "limit": {"500"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?" + q.Encode(), Token: w.admin})
			page = app.AuditPage{}
			res.JSON(t, &page)
			for _, e := range page.Items {
				seen[e.ResourceID] = true
			}
			if cursor = page.NextCursor; cursor == "" || pages > 5 {
				break
			}
		}
		if len(seen) != many {
			t.Errorf("paged through %d entries, want %d", len(seen), many)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?limit=1001", Token: w.admin}), http.StatusUnprocessableEntity, app.CodeInvalid, "limit")
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?from=yesterday", Token: w.admin}), http.StatusUnprocessableEntity, app.CodeInvalid, "from")
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?format=xml", Token: w.admin}), http.StatusUnprocessableEntity, app.CodeInvalid, "format")
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?format=csv", Token: w.agent}), http.StatusForbidden, app.CodeForbidden)

		// The export, with an admin's session this time.
		sess := env.Login(t, "admin.zhou", env.User(t, "admin.zhou", app.RoleAdmin, ""))
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?format=csv&action=order.", Session: sess})
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("export: %d %v", res.Status, res.Header)
		}
		rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != many+1 || strings.Join(rows[0], ",") != "id,at,actor_role,actor_id,action,resource,resource_id,outcome,addr,client,detail" {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		ids := map[string]bool{}
		for _, r := range rows[1:] {
			ids[r[6]] = true
			if r[9] != `'=HYPERLINK("http://evil")` || r[10] != `{"n":1}` {
				t.Fatalf("row %v", r)
			}
		}
		if len(ids) != many {
			t.Errorf("the export has %d distinct entries, want %d", len(ids), many)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?format=csv&action=login", Token: w.admin})
		if !strings.Contains(string(res.Body), ",'-nobody,") {
			t.Errorf("a username starting with - is not defused:\n%s", res.Body)
		}
	})
}
