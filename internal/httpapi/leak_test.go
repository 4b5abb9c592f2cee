package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// Two merchants with the same shape of business — orders, cases in several states,
// photos, conversations, a customer they share — and merchant A's staff walk every read
// the server has: every GET route of the route table with every id of both merchants, the
// case list with every filter and every page, the policy dry run on B's orders, and the
// home page. Nothing of merchant B may appear in any answer: its case, order and
// attachment ids, order numbers, merchant code, customers, item titles, messages and
// customer contacts. And A sees all of its own, so that the walk cannot pass by seeing
// nothing.
func TestMerchantSeesNothingOfAnotherMerchant(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		a := seedMerchant(t, w, "shop-a", "JACKET", "cust-a1", "cust-a2")
		b := seedMerchant(t, w, "shop-b", "KETTLE", "cust-b1", "cust-b2")
		secrets := b.markers()

		staffPassword := env.User(t, "staff.a", app.RoleMerchant, "shop-a")
		agentPassword := env.User(t, "agent.a", app.RoleAgent, "", "shop-a")
		walkers := []principal{
			{name: "merchant A's token", token: w.merchantA},
			{name: "merchant A's staff (session)", session: env.Login(t, "staff.a", staffPassword)},
			{name: "an agent serving shop-a (session)", session: env.Login(t, "agent.a", agentPassword)},
		}
		ids := map[string][]string{
			"cases":       slices.Concat(a.cases, b.cases),
			"attachments": slices.Concat(a.photos, b.photos),
			"orders":      slices.Concat(a.orders, b.orders),
			"disputes":    slices.Concat(a.disputes, b.disputes),
			"complaints":  slices.Concat(a.complaints, b.complaints),
			"parcels":     slices.Concat(a.parcels, b.parcels),
			"webhooks":    slices.Concat(a.webhooks, b.webhooks),
			"customers":   slices.Concat(a.customers, b.customers),
			// Canned replies of each merchant (B's names its merchant code); no review
			// there, so that the desk's review page is walked too.
			"replies": {leakReply(t, env, "shop-a"), leakReply(t, env, "shop-b")},
			"reviews": {"no-such-review"},
			// The knowledge base is the platform's, no merchant's: one article to walk.
			"articles": {leakArticle(t, env)},
		}
		for _, who := range walkers {
			t.Run(who.name, func(t *testing.T) {
				seen := 0
				check := func(what string, res *apitest.Response) {
					t.Helper()
					body := string(res.Body)
					for _, s := range secrets {
						if strings.Contains(body, s) {
							t.Errorf("%s (%d) shows merchant B's %q", what, res.Status, s)
						}
					}
					if res.Status < 300 {
						seen++
					}
				}
				for _, rt := range httpapi.Routes() {
					if rt.Method != http.MethodGet {
						continue
					}
					for _, path := range fillPath(t, rt.Path, ids) {
						for _, q := range leakQueries(rt.OperationID, b) {
							res := env.Do(t, who.as(apitest.Request{Method: http.MethodGet, Path: path + q}))
							if rt.Page { // a page repeats what was asked (a search box): that is no leak
								res.Body = withoutEcho(res.Body, q)
							}
							check("GET "+path+q, res)
						}
					}
				}
				// Every page of the list, one case a page.
				cursor, pages := "", 0
				for {
					res := env.Do(t, who.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?limit=1&cursor=" + url.QueryEscape(cursor)}))
					check("the case list, page by page", res)
					var page app.CaseList
					res.JSON(t, &page)
					pages++
					if page.NextCursor == "" || pages > 100 {
						break
					}
					cursor = page.NextCursor
				}
				if pages < len(a.cases) {
					t.Errorf("%d pages of one case for merchant A's %d cases", pages, len(a.cases))
				}
				// The dry run reads an order.
				for _, no := range ids["orders"] {
					res := env.Do(t, who.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate",
						JSON: app.EvaluateInput{ApplyInput: returnRefund(no, "JACKET", 1)}}))
					check("the policy dry run on "+no, res)
				}
				// A's own is all there.
				res := env.Do(t, who.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?limit=500"}))
				var list app.CaseList
				res.JSON(t, &list)
				var got []string
				for _, c := range list.Items {
					got = append(got, c.ID)
				}
				slices.Sort(got)
				if want := slices.Sorted(slices.Values(a.cases)); !slices.Equal(got, want) {
					t.Errorf("merchant A's list: %v, want its cases %v", got, want)
				}
				if min := len(a.cases) + len(a.orders) + len(a.photos); seen < min {
					t.Errorf("only %d answers showed anything, fewer than merchant A's %d resources", seen, min)
				}
			})
		}
	})
}

// merchantData is what one merchant's business left on the platform.
type merchantData struct {
	code, title string
	customers   []string
	orders      []string
	cases       []string
	photos      []string
	messages    []string
	contacts    []string
	disputes    []string // the disputes of its rejected cases, escalated by the customers
	complaints  []string // a customer's about it, and its staff's about the platform
	subjects    []string // the complaints' subjects
	parcels     []string // the tracking numbers of its cases' parcels (SF; each lost: a task)
	webhooks    []string
}

// markers are the strings that identify a merchant's data in an answer.
func (m *merchantData) markers() []string {
	return slices.Concat([]string{m.code, m.title}, m.customers, m.orders, m.cases, m.photos, m.messages, m.contacts, m.disputes,
		m.complaints, m.subjects, m.parcels, m.webhooks)
}

// seedMerchant gives merchant code the same business as any other: two customers of its
// own and one shared with every merchant (cust-shared), each with an order of sku; cases
// waiting for the merchant, approved, rejected and refunded; photos; a public reply and an
// internal note on every case.
func seedMerchant(t *testing.T, w *world, code, sku string, customers ...string) *merchantData {
	t.Helper()
	env := w.env
	m := &merchantData{code: code, title: "Item " + sku, customers: customers}
	admin := app.Principal{Role: app.RoleAdmin, ID: "test"}
	for i, cu := range customers {
		phone := fmt.Sprintf("139%04d%04d", code[len(code)-1], i+1) // 139 0097 0001 for shop-a
		addr := fmt.Sprintf("%s 路 %d 号 / %d %s Road", code, i+1, i+1, code)
		if err := env.App.UpdateCustomerProfile(t.Context(), admin, app.CustomerProfile{ID: cu, Name: "Name of " + cu, Phone: phone, Address: addr}); err != nil {
			t.Fatal(err)
		}
		m.contacts = append(m.contacts, "Name of "+cu, phone, addr)
	}
	staff := env.Token(t, app.RoleMerchant, code)
	buyers := append(slices.Clone(customers), "cust-shared")
	for i, cu := range buyers {
		order := w.mustOrder(t, w.orderInput(code, cu, line(sku, 3, 19900)))
		m.orders = append(m.orders, order.OrderNo)
		token := env.Token(t, app.RoleCustomer, cu)
		for j := range 3 {
			in := returnRefund(order.OrderNo, sku, 1)
			body, ct := apitest.Multipart("file", cu+".png", "image/png", pngBytes())
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/attachments", Token: token, Body: body, ContentType: ct})
			var photo app.AttachmentView
			res.JSON(t, &photo)
			in.Evidence = []string{photo.ID}
			c := w.mustApply(t, token, in)
			m.cases, m.photos = append(m.cases, c.ID), append(m.photos, photo.ID)
			for k, who := range []string{token, staff} {
				msg := fmt.Sprintf("%s message %d-%d-%d", code, i, j, k)
				res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/messages", Token: who,
					JSON: app.MessageInput{Body: msg, Internal: k == 1}})
				if res.Status != http.StatusCreated {
					t.Fatalf("message: %d %s", res.Status, res.Body)
				}
				m.messages = append(m.messages, msg)
			}
			switch j {
			case 1:
				c = w.mustAct(t, staff, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
				// The customer ships it back; the carrier loses it (a task for the desk).
				no := fmt.Sprintf("%sP%d", strings.ToUpper(strings.ReplaceAll(code, "-", "")), i)
				w.mustAct(t, token, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: no})
				mustPostEvents(t, env, w.shop, app.ShipmentEventInput{Carrier: "SF", TrackingNo: no, EventID: no + "-lost", Status: "lost",
					At: time.Now().UTC(), Detail: code + " parcel lost"})
				m.parcels = append(m.parcels, no)
			case 2:
				c = w.mustAct(t, staff, c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: code + " rejects"})
				if cu == "cust-shared" {
					break
				}
				// The customer takes it to the platform: a dispute.
				c = w.mustAct(t, token, c.ID, app.ActInput{Action: aftersale.Escalate, Version: c.Version, Note: code + " escalation"})
				ds, err := env.App.CaseDisputes(t.Context(), admin, c.ID)
				if err != nil || len(ds) != 1 {
					t.Fatalf("the disputes of an escalated case: %v %v", ds, err)
				}
				m.disputes = append(m.disputes, ds[0].ID)
			}
		}
	}
	// Complaints: a customer's about the merchant on a case, and the staff's about the platform.
	for _, in := range []struct {
		token string
		in    app.ComplaintInput
	}{
		{env.Token(t, app.RoleCustomer, customers[0]), app.ComplaintInput{Subject: code + " complaint by a customer", About: "merchant",
			CaseID: m.cases[0], Description: "no answer"}},
		{staff, app.ComplaintInput{Subject: code + " complaint by its staff", About: "platform", Description: "slow"}},
	} {
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: in.token, JSON: in.in})
		var c app.ComplaintView
		if res.Status != http.StatusCreated {
			t.Fatalf("complaint: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &c)
		m.complaints, m.subjects = append(m.complaints, c.ID), append(m.subjects, in.in.Subject)
	}
	// A webhook of its own.
	hook := createWebhook(t, env, staff, app.WebhookInput{URL: "https://93.184.216.34/" + code + "/hooks", Events: []string{"*"}})
	m.webhooks = append(m.webhooks, hook.ID)
	// Money: a refund, whose ledger entries the money page and the case page show.
	refunded := w.refundedCase(t, code, customers[0], env.Token(t, app.RoleCustomer, customers[0]), staff)
	m.cases, m.orders = append(m.cases, refunded.ID), append(m.orders, refunded.OrderNo)
	return m
}

// leakArticle is a published article of the knowledge base, for the pages of one article.
func leakArticle(t *testing.T, env *apitest.Env) string {
	t.Helper()
	a, err := env.App.CreateArticle(t.Context(), pagesAdmin, app.ArticleInput{Title: "退货流程", Body: "签收后七天内可以申请退货。",
		Language: "zh-CN", Status: "published"})
	if err != nil {
		t.Fatalf("an article: %v", err)
	}
	return a.ID
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// fillPath lists the paths of a route template with every id of ids the parameter names:
// a new route with a parameter this test does not know fails it, so that it is walked.
func fillPath(t *testing.T, template string, ids map[string][]string) []string {
	t.Helper()
	params := pathParam.FindAllString(template, -1)
	if template == "/api/v1/shipments/{carrier}/{tracking_no}" {
		var out []string
		for _, p := range ids["parcels"] {
			out = append(out, "/api/v1/shipments/SF/"+p)
		}
		return out
	}
	switch {
	case len(params) == 0:
		return []string{template}
	case len(params) > 1:
		t.Fatalf("the leak test cannot fill %s: add its parameters", template)
	}
	var values []string
	switch {
	case strings.HasPrefix(template, "/api/v1/cases/{id}"):
		values = ids["cases"]
	case strings.HasPrefix(template, "/api/v1/attachments/{id}"):
		values = ids["attachments"]
	case strings.HasPrefix(template, "/api/v1/orders/{order_no}"), strings.HasPrefix(template, "/orders/{order_no}"):
		values = ids["orders"]
	case strings.HasPrefix(template, "/cases/{id}"):
		values = ids["cases"]
	case strings.HasPrefix(template, "/api/v1/disputes/{id}"), strings.HasPrefix(template, "/disputes/{id}"):
		values = ids["disputes"]
	case strings.HasPrefix(template, "/api/v1/complaints/{id}"), strings.HasPrefix(template, "/complaints/{id}"):
		values = ids["complaints"]
	case strings.HasPrefix(template, "/api/v1/webhooks/{id}"), strings.HasPrefix(template, "/webhooks/{id}"):
		values = ids["webhooks"]
	case strings.HasPrefix(template, "/api/v1/tasks/{id}"), strings.HasPrefix(template, "/tasks/{id}"):
		values = ids["tasks"]
	case strings.HasPrefix(template, "/api/v1/kb/articles/{id}"), strings.HasPrefix(template, "/help/{id}"), strings.HasPrefix(template, "/kb/{id}"):
		values = ids["articles"]
	case strings.HasPrefix(template, "/api/v1/replies/{id}"), strings.HasPrefix(template, "/replies/{id}"):
		values = ids["replies"]
	case strings.HasPrefix(template, "/api/v1/reviews/{id}"), strings.HasPrefix(template, "/reviews/{id}"):
		values = ids["reviews"]
	case template == "/api/v1/risk/customers/{id}":
		values = ids["customers"]
	case strings.HasPrefix(template, "/api/v1/plans/{id}"), strings.HasPrefix(template, "/plans/{id}"):
		values = []string{"no-such-plan"} // the platform's emergency plans: no merchant's
	case template == "/api/v1/reports/{name}":
		values = analytics.Names()
	case template == "/assets/{name}":
		values = []string{"style.css"}
	case strings.HasPrefix(template, "/admin/policies/{id}"):
		values = []string{"seed-platform"}
	case strings.HasPrefix(template, "/admin/import/{id}"):
		values = []string{"nojob"}
	default:
		t.Fatalf("the leak test does not know what %s names: add it", template)
	}
	var out []string
	for _, v := range values {
		out = append(out, strings.Replace(template, params[0], url.PathEscape(v), 1))
	}
	return out
}

// withoutEcho removes from a page the values of its own query string, as the page repeats
// them in its form and links.
func withoutEcho(body []byte, query string) []byte {
	q, _ := url.ParseQuery(strings.TrimPrefix(query, "?"))
	s := string(body)
	for _, vs := range q {
		for _, v := range vs {
			s = strings.ReplaceAll(s, url.QueryEscape(v), "")
			s = strings.ReplaceAll(s, v, "")
		}
	}
	return []byte(s)
}

// leakQueries are the query strings a GET route is walked with: the list with every
// filter pointing at merchant B, and at nothing in particular.
func leakQueries(op string, b *merchantData) []string {
	switch op {
	case "listCases":
		week := url.QueryEscape(time.Now().Add(-7 * 24 * time.Hour).UTC().Format(time.RFC3339))
		qs := []string{"", "?limit=500", "?merchant=" + b.code, "?customer=cust-shared", "?overdue=true",
			"?state=requested,approved,rejected", "?type=return_refund", "?created_from=" + week}
		for _, c := range b.customers {
			qs = append(qs, "?customer="+c)
		}
		for _, o := range b.orders {
			qs = append(qs, "?order_no="+o, "?merchant="+b.code+"&order_no="+o)
		}
		return qs
	case "adminAudit":
		return []string{"", "?format=csv", "?resource=case"}
	case "queuePage":
		qs := []string{"", "?merchant=" + b.code, "?sort=created", "?overdue=1", "?state=requested", "?sla=breached"}
		for _, o := range b.orders {
			qs = append(qs, "?q="+url.QueryEscape(o))
		}
		return qs
	case "moneyPage":
		return []string{"", "?merchant=" + b.code, "?state=pending", "?kind=refund"}
	case "applyPage", "estimateFragment":
		return []string{"", "?sku=KETTLE&type=return_refund&reason=no_reason"}
	case "listDisputes":
		return []string{"", "?open=true", "?state=open", "?case_id=" + b.cases[0]}
	case "disputesPage":
		return []string{"", "?open=1", "?state=open", "?category=service"}
	case "listComplaints":
		return []string{"", "?state=open", "?about=merchant", "?case_id=" + b.cases[0]}
	case "complaintsPage":
		return []string{"", "?state=open", "?case_id=" + b.cases[0]}
	case "dashboardPage", "getReport":
		return []string{"", "?merchant=" + b.code, "?category=apparel", "?compare=previous", "?group_by=sku"}
	}
	return []string{""}
}

// leakReply is a canned reply of merchant that names it, for the walk.
func leakReply(t *testing.T, env *apitest.Env, merchant string) string {
	t.Helper()
	v, err := env.App.CreateReply(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "leak"}, app.ReplyInput{
		Title: app.Text{ZH: "话术 " + merchant, EN: "reply " + merchant}, Body: app.Text{ZH: merchant + " 您好 {{customer_name}}"},
		Scope: "merchant", Merchant: merchant})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}
