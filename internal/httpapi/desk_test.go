package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/task"
)

// The service desk (SPEC §6, §11, §12): every open case has an owner (专人负责) or sits in
// a group's queue; the rules route new work; handovers are in the history; one of two
// agents taking one case wins.

// deskWorld is a world with a desk: agents a, b and c, a supervisor, each with a token
// that acts as the account.
type deskWorld struct {
	*world
	a, b, c, sup string
}

func newDeskWorld(t *testing.T, env *apitest.Env) *deskWorld {
	t.Helper()
	w := &deskWorld{world: newWorld(t, env)}
	for _, u := range []struct {
		name string
		role app.Role
		tok  *string
	}{{"agent.a", app.RoleAgent, &w.a}, {"agent.b", app.RoleAgent, &w.b}, {"agent.c", app.RoleAgent, &w.c}, {"sup.s", app.RoleSupervisor, &w.sup}} {
		env.User(t, u.name, u.role, "")
		*u.tok = env.UserToken(t, u.name)
	}
	return w
}

func (w *deskWorld) putRules(t *testing.T, r desk.Rules) app.DeskRulesView {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/desk/rules", Token: w.sup, JSON: r})
	if res.Status != http.StatusOK {
		t.Fatalf("PUT /api/v1/desk/rules: %d %s", res.Status, res.Body)
	}
	var v app.DeskRulesView
	res.JSON(t, &v)
	return v
}

// applyIn opens a case on a new order of merchant whose line is of category.
func (w *deskWorld) applyIn(t *testing.T, merchant, category string) app.CaseView {
	t.Helper()
	it := line("SKU-"+category, 1, 29900)
	it.Category = category
	o := w.mustOrder(t, w.orderInput(merchant, "cust-1", it))
	c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, it.SKU, 1))
	return w.getCase(t, w.sup, c.ID) // as the desk sees it: with its owner
}

func rulesFor(groups ...desk.Group) desk.Rules {
	return desk.Rules{Groups: groups, Cap: 2, AutoAssign: true, Rubric: desk.DefaultRubric()}
}

func TestAssignmentRulesRouteNewCases(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		v := w.putRules(t, rulesFor(
			desk.Group{Code: "vip", Strategy: desk.LeastLoad, Members: []string{"agent.c"}, Merchants: []string{"shop-b"}},
			desk.Group{Code: "shoes", Strategy: desk.LeastLoad, Members: []string{"agent.c", "agent.b"}, Categories: []string{"shoes"}},
			desk.Group{Code: "general", Strategy: desk.RoundRobin, Members: []string{"agent.a", "agent.b"}},
		))
		if v.Version != 1 {
			t.Fatalf("rules version %d, want 1", v.Version)
		}
		// By merchant: shop-b's cases go to the vip group.
		if c := w.applyIn(t, "shop-b", "apparel"); c.Assignee != "agent.c" || c.Group != "vip" {
			t.Errorf("shop-b's case: owner %q group %q, want agent.c in vip", c.Assignee, c.Group)
		}
		// By skill: shoes go to the shoes group, least load first: agent.c holds one, agent.b none.
		if c := w.applyIn(t, "shop-a", "shoes"); c.Assignee != "agent.b" || c.Group != "shoes" {
			t.Errorf("a shoe case: owner %q group %q, want agent.b (least load) in shoes", c.Assignee, c.Group)
		}
		// Round robin among a and b, b being at 1 and the cap 2: a, b, a, then nobody.
		var got []string
		var last app.CaseView
		for range 4 {
			last = w.applyIn(t, "shop-a", "apparel")
			got = append(got, last.Assignee)
		}
		if want := []string{"agent.a", "agent.b", "agent.a", ""}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("round robin with a cap of 2 gave %q, want %q", got, want)
		}
		if last.Group != "general" {
			t.Errorf("the capped case sits in %q, want the general queue", last.Group)
		}
		// The routing is in the history, by the system.
		h := last.History[len(last.History)-1]
		if h.Action != aftersale.AssignOwner || h.Actor.Role != aftersale.System || h.Data["group"] != "general" {
			t.Errorf("last event %+v, want the system's assign to general", h)
		}
		// The queue: unassigned, and mine.
		q := getQueue(t, env, w.a, "assignee=unassigned")
		if len(q.Items) != 1 || q.Items[0].ID != last.ID {
			t.Errorf("unassigned queue %d items, want the capped case", len(q.Items))
		}
		if q := getQueue(t, env, w.a, "assignee=me"); len(q.Items) != 2 {
			t.Errorf("agent.a's queue has %d cases, want 2", len(q.Items))
		}
		if q := getQueue(t, env, w.a, "group=shoes&sla=on_track"); len(q.Items) != 1 || q.Items[0].Assignee != "agent.b" {
			t.Errorf("the shoes queue: %+v", q.Items)
		}
		// Customers never see who inside the desk owns their case.
		if c := w.getCase(t, w.customer1, last.ID); c.Assignee != "" || c.Group != "" || countActions(c, aftersale.AssignOwner) != 0 {
			t.Errorf("the customer sees the owner %q/%q or its history", c.Assignee, c.Group)
		}
		// A complaint is routed on filing too: about the platform, no merchant or category,
		// so the general group's round robin (b next; a, b at the cap of 2, a has 2).
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: w.customer1,
			JSON: app.ComplaintInput{Subject: "等太久", About: "platform", Description: "没人回复 / nobody answers"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("file a complaint: %d %s", res.Status, res.Body)
		}
		var cp app.ComplaintView
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/complaints/" + complaintID(t, res), Token: w.sup}).JSON(t, &cp)
		if cp.Group != "general" || cp.History[0].Data["group"] != "general" {
			t.Errorf("the complaint was routed to %q (%v), want the general queue named in its filing", cp.Group, cp.History[0].Data)
		}
		// Rules with someone who is not an agent are refused, field by field.
		bad := rulesFor(desk.Group{Code: "x", Strategy: desk.RoundRobin, Members: []string{"nobody.here"}})
		bad.Version = 1
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/desk/rules", Token: w.sup, JSON: bad})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "groups[0].members[0]")
		// Agents read the rules but do not change them.
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/desk/rules", Token: w.a, JSON: bad})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
	})
}

func complaintID(t *testing.T, res *apitest.Response) string {
	t.Helper()
	var v app.ComplaintView
	res.JSON(t, &v)
	return v.ID
}

func getQueue(t *testing.T, env *apitest.Env, token, query string) app.QueueView {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/queue?" + query, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/queue?%s: %d %s", query, res.Status, res.Body)
	}
	var v app.QueueView
	res.JSON(t, &v)
	return v
}

func TestHandoversAreInTheHistory(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		w.putRules(t, desk.Rules{Groups: []desk.Group{
			{Code: "general", Strategy: desk.Manual, Members: []string{"agent.a", "agent.b"}},
			{Code: "escalations", Strategy: desk.Manual, Members: []string{"sup.s"}},
		}, Cap: 1, Rubric: desk.DefaultRubric()})
		c := w.applyIn(t, "shop-a", "apparel")
		if c.Assignee != "" {
			t.Fatalf("auto-assignment is off, yet %q owns the case", c.Assignee)
		}
		c = w.mustAct(t, w.a, c.ID, app.ActInput{Action: aftersale.TakeOwner, Version: c.Version})
		if c.Assignee != "agent.a" {
			t.Fatalf("take: owner %q", c.Assignee)
		}
		// b may not take what a owns, nor hand it over.
		res := w.act(t, w.b, c.ID, app.ActInput{Action: aftersale.TakeOwner, Version: c.Version})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict)
		res = w.act(t, w.b, c.ID, app.ActInput{Action: aftersale.TransferOwner, Version: c.Version, Assignee: "agent.b", Note: "mine now"})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict)
		// A transfer needs a note.
		res = w.act(t, w.a, c.ID, app.ActInput{Action: aftersale.TransferOwner, Version: c.Version, Assignee: "agent.b"})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "note")
		c = w.mustAct(t, w.a, c.ID, app.ActInput{Action: aftersale.TransferOwner, Version: c.Version, Assignee: "agent.b", Note: "买家要求英文服务 / wants English"})
		// The cap is 1: b holds this one, so the supervisor cannot give b another.
		other := w.applyIn(t, "shop-a", "apparel")
		res = w.act(t, w.sup, other.ID, app.ActInput{Action: aftersale.AssignOwner, Version: other.Version, Assignee: "agent.b"})
		if p := wantProblem(t, res, http.StatusConflict, app.CodeConflict); !strings.Contains(p.Detail+p.Title, "cap") {
			t.Errorf("the cap's refusal does not say so: %+v", p)
		}
		// An unknown assignee is a field error.
		res = w.act(t, w.sup, other.ID, app.ActInput{Action: aftersale.AssignOwner, Version: other.Version, Assignee: "ghost"})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "assignee")
		c = w.mustAct(t, w.sup, c.ID, app.ActInput{Action: aftersale.AssignOwner, Version: c.Version, Group: "escalations", Note: "升级 / escalate"})
		if c.Assignee != "" || c.Group != "escalations" {
			t.Errorf("assigned to a group: owner %q group %q", c.Assignee, c.Group)
		}
		var handovers []string
		for _, e := range c.History {
			if e.Action == aftersale.AssignOwner || e.Action == aftersale.TakeOwner || e.Action == aftersale.TransferOwner {
				handovers = append(handovers, fmt.Sprintf("%s:%s>%s@%s", e.Action, e.Data["from_assignee"], e.Data["assignee"], e.Data["group"]))
			}
		}
		want := []string{"take:>agent.a@", "transfer:agent.a>agent.b@", "assign:agent.b>@escalations"}
		if fmt.Sprint(handovers) != fmt.Sprint(want) {
			t.Errorf("handovers %q, want %q", handovers, want)
		}
		// Merchants and customers do not hand cases over.
		res = w.act(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.TakeOwner, Version: c.Version})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		// A token that is no staff account cannot take: the owner must be a person.
		res = w.act(t, w.agent, c.ID, app.ActInput{Action: aftersale.TakeOwner, Version: c.Version})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		// The new owner was told.
		env.DrainOutbox(t)
		if n := env.Rows(t, "notifications"); n == 0 {
			t.Errorf("no notification of the assignment")
		}
	})
}

// Two agents take one case at once: one wins, the other is told it changed.
func TestTakeRaceOneWins(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		for round := range 3 {
			c := w.applyIn(t, "shop-a", "apparel")
			codes := make([]int, 2)
			var wg sync.WaitGroup
			for i, tok := range []string{w.a, w.b} {
				wg.Go(func() {
					codes[i] = w.act(t, tok, c.ID, app.ActInput{Action: aftersale.TakeOwner, Version: c.Version}).Status
				})
			}
			wg.Wait()
			ok := 0
			for _, code := range codes {
				switch code {
				case http.StatusOK:
					ok++
				case http.StatusConflict:
				default:
					t.Errorf("round %d: a take answered %d", round, code)
				}
			}
			if ok != 1 {
				t.Errorf("round %d: %d takes won (%v), want exactly 1", round, ok, codes)
			}
			got := w.getCase(t, w.sup, c.ID)
			if n := countActions(got, aftersale.TakeOwner); n != 1 || got.Assignee == "" {
				t.Errorf("round %d: %d take events, owner %q", round, n, got.Assignee)
			}
		}
	})
}

func TestComplaintHandovers(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: w.customer1,
			JSON: app.ComplaintInput{Subject: "客服态度差", About: "platform", Description: "回复很慢 / slow replies"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("file: %d %s", res.Status, res.Body)
		}
		var cp app.ComplaintView
		res.JSON(t, &cp)
		act := func(tok string, in app.ComplaintActInput) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints/" + cp.ID + "/actions", Token: tok, JSON: in})
		}
		res = act(w.a, app.ComplaintActInput{Action: "take", Version: cp.Version})
		if res.Status != http.StatusOK {
			t.Fatalf("take: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &cp)
		if cp.Assignee != "agent.a" {
			t.Errorf("take: owner %q", cp.Assignee)
		}
		wantProblem(t, act(w.b, app.ComplaintActInput{Action: "take", Version: cp.Version}), http.StatusConflict, app.CodeConflict)
		wantProblem(t, act(w.a, app.ComplaintActInput{Action: "transfer", Version: cp.Version, Assignee: "agent.b"}), http.StatusUnprocessableEntity, app.CodeInvalid, "note")
		res = act(w.a, app.ComplaintActInput{Action: "transfer", Version: cp.Version, Assignee: "agent.b", Note: "换人处理 / handing over"})
		if res.Status != http.StatusOK {
			t.Fatalf("transfer: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &cp)
		if cp.Assignee != "agent.b" {
			t.Errorf("transfer: owner %q", cp.Assignee)
		}
		if q := getQueue(t, env, w.b, "assignee=me"); len(q.Complaints) != 1 {
			t.Errorf("agent.b's queue has %d complaints, want 1", len(q.Complaints))
		}
	})
}

// Canned replies (话术): variables are filled per case and language; a merchant's are its
// own.
func TestCannedReplies(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		c := w.applyIn(t, "shop-a", "apparel")
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/replies", Token: w.sup, JSON: app.ReplyInput{
			Title: app.Text{ZH: "已收到申请", EN: "Application received"}, Shortcut: "got-it",
			Body: app.Text{ZH: "您好,售后单 {{rma}} 已收到,退款 {{refund_amount}}。", EN: "Hello, case {{rma}} is in; refund {{refund_amount}}."}}})
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var r app.ReplyView
		res.JSON(t, &r)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/replies/" + r.ID + "?case=" + c.ID + "&lang=en", Token: w.a})
		var rv app.ReplyView
		res.JSON(t, &rv)
		if want := "Hello, case " + c.Number + " is in; refund ¥299.00."; rv.Rendered != want {
			t.Errorf("rendered %q, want %q", rv.Rendered, want)
		}
		// One string is both languages.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/replies", Token: w.merchantA,
			JSON: map[string]any{"title": "到货通知", "body": "{{rma}} 已到货"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("a reply in one string: %d %s", res.Status, res.Body)
		}
		var one app.ReplyView
		res.JSON(t, &one)
		if one.Title.EN != "到货通知" || one.Body.ZH != "{{rma}} 已到货" || one.Body.EN != one.Body.ZH {
			t.Errorf("one string for both languages: %+v %+v", one.Title, one.Body)
		}
		// An unknown variable is refused at the field.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/replies", Token: w.merchantA, JSON: app.ReplyInput{
			Title: app.Text{ZH: "x"}, Body: app.Text{ZH: "{{password}}"}}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "body.zh")
		// A merchant's reply is its own: shop-b neither lists nor renders it.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/replies", Token: w.merchantA, JSON: app.ReplyInput{
			Title: app.Text{ZH: "发货说明"}, Body: app.Text{ZH: "{{customer_name}} 您好"}}})
		if res.Status != http.StatusCreated {
			t.Fatalf("merchant's reply: %d %s", res.Status, res.Body)
		}
		var mr app.ReplyView
		res.JSON(t, &mr)
		if mr.Scope != "merchant" || mr.Merchant != "shop-a" {
			t.Errorf("a merchant's reply is %s/%s", mr.Scope, mr.Merchant)
		}
		var list app.ReplyList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/replies", Token: w.merchantB}).JSON(t, &list)
		for _, x := range list.Replies {
			if x.ID == mr.ID {
				t.Errorf("shop-b lists shop-a's reply")
			}
		}
		res = env.Do(t, apitest.Request{Method: http.MethodDelete, Path: "/api/v1/replies/" + mr.ID, Token: w.merchantB})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/replies/" + r.ID, Token: w.merchantA, JSON: app.ReplyInput{Title: app.Text{ZH: "x"}, Body: app.Text{ZH: "y"}, Version: 1}})
		if res.Status != http.StatusForbidden && res.Status != http.StatusUnprocessableEntity {
			t.Errorf("a merchant changed the platform's reply: %d", res.Status)
		}
	})
}

// The knowledge base's search segments Chinese: "耳机退货" finds "蓝牙耳机的退货流程".
func TestKnowledgeBaseSearch(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		articles := []app.ArticleInput{
			{Title: "蓝牙耳机的退货流程", Body: "蓝牙耳机签收后七天内可申请无理由退货。请保留耳机包装和充电盒,在订单页选择退货,填写快递单号。", Language: "zh-CN", Status: "published", Category: "return", Tags: []string{"耳机", "数码"}},
			{Title: "退款多久到账", Body: "商家确认收货后发起退款,原路退回一般 1–3 个工作日到账,银行卡最长 7 个工作日。", Language: "zh-CN", Status: "published", Category: "refund"},
			{Title: "七天无理由退货规则", Body: "大部分商品支持七天无理由退货,定制商品、鲜活易腐商品除外。退货运费由买家承担。", Language: "zh-CN", Status: "published", Category: "return"},
			{Title: "快递丢件怎么办", Body: "物流长时间不更新或显示丢件,平台会联系快递公司核实,并为您补发或退款。", Language: "zh-CN", Status: "published", Category: "logistics"},
			{Title: "How to return an item", Body: "Open the order, choose Return, pick a reason and ship the item back within 7 days with the tracking number.", Language: "en", Status: "published", Category: "return"},
			{Title: "When will I get my refund?", Body: "Refunds go back to the original payment method within 1 to 3 business days after the merchant confirms receipt.", Language: "en", Status: "published", Category: "refund"},
			{Title: "耳机保修草稿", Body: "内部草稿:耳机退货与保修。", Language: "zh-CN", Status: "draft"},
		}
		for _, a := range articles {
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/kb/articles", Token: w.a, JSON: a})
			if res.Status != http.StatusCreated {
				t.Fatalf("create %q: %d %s", a.Title, res.Status, res.Body)
			}
		}
		search := func(tok, q string) []string {
			t.Helper()
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/kb/articles?q=" + urlQuery(q), Token: tok})
			if res.Status != http.StatusOK {
				t.Fatalf("search %q: %d %s", q, res.Status, res.Body)
			}
			var l app.ArticleList
			res.JSON(t, &l)
			var titles []string
			for _, a := range l.Articles {
				titles = append(titles, a.Title)
			}
			return titles
		}
		for _, c := range []struct{ q, top string }{
			{"耳机退货", "蓝牙耳机的退货流程"},
			{"退款什么时候到账", "退款多久到账"},
			{"快递丢了", "快递丢件怎么办"},
			{"无理由退货", "七天无理由退货规则"},
			{"refund", "When will I get my refund?"},
			{"returning an item", "How to return an item"},
		} {
			got := search(w.customer1, c.q)
			if len(got) == 0 || got[0] != c.top {
				t.Errorf("search %q: %q, want %q first", c.q, got, c.top)
			}
		}
		// A draft is the desk's: customers never find it, agents do.
		for _, title := range search(w.customer1, "耳机保修") {
			if title == "耳机保修草稿" {
				t.Errorf("a customer found a draft")
			}
		}
		found := false
		for _, title := range search(w.a, "耳机保修") {
			found = found || title == "耳机保修草稿"
		}
		if !found {
			t.Errorf("an agent does not find the draft")
		}
		// Customers do not write articles.
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/kb/articles", Token: w.customer1, JSON: articles[0]})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/kb/articles", Token: w.a, JSON: app.ArticleInput{Title: "x", Body: "y", Language: "fr"}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "language")
	})
}

func urlQuery(s string) string {
	r := strings.NewReplacer(" ", "+")
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return r.Replace(b.String())
}

// completed runs a return to its end: approved, shipped back, received, refunded, confirmed.
func (w *deskWorld) completed(t *testing.T) app.CaseView {
	t.Helper()
	c := w.applyIn(t, "shop-a", "apparel")
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
	c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: "SF" + c.Number[2:]})
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: c.Version, Inspection: aftersale.InspectionPass})
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Refund, Version: c.Version})
	w.env.SettlePayments(t)
	c = w.getCase(t, w.customer1, c.ID)
	c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Confirm, Version: c.Version})
	if c.State != aftersale.Completed {
		t.Fatalf("the case is %s, want completed", c.State)
	}
	return c
}

// 满意度: the customer is asked when the case completes, answers once, and a low score
// opens exactly one follow-up for a supervisor.
func TestSurveyOnceAndLowScoreFollowUp(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		open := w.applyIn(t, "shop-a", "apparel")
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + open.ID + "/survey", Token: w.customer1, JSON: desk.Survey{Attitude: 5, Speed: 5, Result: 5}})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict)

		c := w.completed(t)
		env.DrainOutbox(t)
		var inbox app.NotificationList
		custSession := env.CustomerSession(t, app.PlatformShop, "cust-1")
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications", Session: custSession})
		res.JSON(t, &inbox)
		asked := false
		for _, n := range inbox.Notifications {
			asked = asked || n.Event == "case.survey" && n.CaseID == c.ID
		}
		if !asked {
			t.Errorf("the customer was not asked to rate the completed case")
		}
		// Out of range is a field error; someone else's case is not found; only the customer rates.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/survey", Token: w.customer1, JSON: desk.Survey{Attitude: 6, Speed: 1, Result: 1}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "attitude")
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/survey", Token: w.customer2, JSON: desk.Survey{Attitude: 1, Speed: 1, Result: 1}})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/survey", Token: w.merchantA, JSON: desk.Survey{Attitude: 5, Speed: 5, Result: 5}})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)

		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/survey", Token: w.customer1, JSON: desk.Survey{Attitude: 4, Speed: 2, Result: 3, Comment: "退款太慢了"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("survey: %d %s", res.Status, res.Body)
		}
		var s app.SurveyView
		res.JSON(t, &s)
		if !s.Low || s.FollowUp == "" {
			t.Errorf("a 2 for speed: low %v follow-up %q", s.Low, s.FollowUp)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/survey", Token: w.customer1, JSON: desk.Survey{Attitude: 1, Speed: 1, Result: 1}})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict)

		var tasks app.TaskList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/tasks?kind=follow_up&case_id=" + c.ID, Token: w.sup}).JSON(t, &tasks)
		if len(tasks.Tasks) != 1 || tasks.Tasks[0].Kind != string(task.FollowUp) || tasks.Tasks[0].DueAt == nil {
			t.Fatalf("follow-ups of the case: %+v, want exactly one with a due time", tasks.Tasks)
		}
		// The merchant reads its ratings; another merchant does not.
		var sl app.SurveyList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/surveys?low=true", Token: w.merchantA}).JSON(t, &sl)
		if len(sl.Surveys) != 1 || sl.Surveys[0].CaseID != c.ID {
			t.Errorf("shop-a's low ratings: %+v", sl.Surveys)
		}
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/surveys", Token: w.merchantB}).JSON(t, &sl)
		if len(sl.Surveys) != 0 {
			t.Errorf("shop-b reads shop-a's ratings")
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/survey", Token: w.merchantB})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
	})
}

// 质检: a supervisor samples closed cases by rule and scores them on the rubric; the agent
// sees the review of their own work, nobody else's.
func TestQualityReview(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		c := w.applyIn(t, "shop-a", "apparel")
		c = w.mustAct(t, w.a, c.ID, app.ActInput{Action: aftersale.TakeOwner, Version: c.Version})
		c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Cancel, Version: c.Version})
		if c.State != aftersale.Closed {
			t.Fatalf("cancelled: %s", c.State)
		}
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/reviews/sample", Token: w.a, JSON: app.SampleInput{Rule: "random", Count: 5}})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/reviews/sample", Token: w.sup, JSON: app.SampleInput{Rule: "low_csat", Count: 5}})
		var l app.ReviewList
		res.JSON(t, &l)
		if len(l.Reviews) != 0 {
			t.Errorf("low_csat sampled %d cases without a rating", len(l.Reviews))
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/reviews/sample", Token: w.sup, JSON: app.SampleInput{Rule: "random", Count: 5, Seed: 7}})
		if res.Status != http.StatusCreated {
			t.Fatalf("sample: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &l)
		if len(l.Reviews) != 1 || l.Reviews[0].CaseID != c.ID || l.Reviews[0].Agent != "agent.a" || l.Reviews[0].State != "pending" {
			t.Fatalf("sampled %+v, want the one closed case of agent.a", l.Reviews)
		}
		rv := l.Reviews[0]
		// Sampling again skips a case already under review.
		env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/reviews/sample", Token: w.sup, JSON: app.SampleInput{Rule: "random", Count: 5}}).JSON(t, &l)
		if len(l.Reviews) != 0 {
			t.Errorf("a case was sampled twice")
		}
		score := func(scores map[string]int) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/reviews/" + rv.ID + "/score", Token: w.sup,
				JSON: app.ReviewInput{Scores: scores, Comment: "态度好,但未说明时限", Version: rv.Version}})
		}
		wantProblem(t, score(map[string]int{"courtesy": 5}), http.StatusUnprocessableEntity, app.CodeInvalid, "scores.accuracy")
		res = score(map[string]int{"courtesy": 5, "accuracy": 4, "compliance": 3, "speed": 5, "resolution": 5})
		if res.Status != http.StatusOK {
			t.Fatalf("score: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &rv)
		// 20·5/5 + 25·4/5 + 25·3/5 + 15 + 15 = 85.
		if rv.Total != 85 || rv.State != "done" {
			t.Errorf("total %v state %s, want 85 done", rv.Total, rv.State)
		}
		var mine app.ReviewList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reviews", Token: w.a}).JSON(t, &mine)
		if len(mine.Reviews) != 1 || mine.Reviews[0].ID != rv.ID {
			t.Errorf("agent.a's reviews: %+v", mine.Reviews)
		}
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reviews", Token: w.b}).JSON(t, &mine)
		if len(mine.Reviews) != 0 {
			t.Errorf("agent.b reads agent.a's review")
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/reviews/" + rv.ID, Token: w.b})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
	})
}

// Follow-ups by hand: an out-of-stock outreach (缺货) is due within 24 business hours.
func TestOutreachTaskDueOnTheCalendar(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		c := w.applyIn(t, "shop-a", "apparel")
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks", Token: w.a,
			JSON: app.TaskInput{Kind: "outreach", CaseID: c.ID, Title: "换货缺货,联系买家 / out of stock", Assignee: "me"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var tv app.TaskView
		res.JSON(t, &tv)
		if tv.Assignee != "agent.a" || tv.DueAt == nil || tv.CaseNumber != c.Number {
			t.Errorf("task %+v", tv)
		}
		cal, err := env.App.BusinessCalendar(app.Principal{Role: app.RoleAdmin, ID: "test"})
		if err != nil {
			t.Fatal(err)
		}
		want := cal.AddBusinessHours(tv.CreatedAt, 24*time.Hour)
		if !tv.DueAt.Equal(want) {
			t.Errorf("due %v, want %v (24 business hours)", tv.DueAt, want)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks", Token: w.a, JSON: app.TaskInput{Kind: "shipment_exception", Title: "x"}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "kind")
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks", Token: w.merchantA, JSON: app.TaskInput{Kind: "reminder", Title: "x"}})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
	})
}

// The email channel: a customer's email with the RMA number in the subject joins the
// case; the agent's reply goes back by email; the same Message-ID twice is taken once;
// without a number it files a complaint.
func TestInboundEmail(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		if err := env.App.UpdateCustomerProfile(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "test"},
			app.CustomerProfile{ID: "cust-1", Name: "李雷", Email: "li.lei@example.com"}); err != nil {
			t.Fatal(err)
		}
		c := w.applyIn(t, "shop-a", "apparel")
		gateway := env.Token(t, app.RoleIntegration, "")
		mail := func(id, subject, body string) string {
			return "From: =?UTF-8?B?5p2O6Zu3?= <Li.Lei@example.com>\r\nTo: service@aftersales.example\r\nSubject: " + subject +
				"\r\nMessage-ID: <" + id + "@mail.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
		}
		post := func(tok, raw string) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/inbound/email", Token: tok, Body: []byte(raw), ContentType: "message/rfc822"})
		}
		raw := mail("m1", "Re: ["+c.Number+"] 退货进度", "请问什么时候退款?\r\n\r\n在 2026年12月5日 10:00,客服 写道:\r\n> 已收到")
		res := post(gateway, raw)
		if res.Status != http.StatusOK {
			t.Fatalf("inbound: %d %s", res.Status, res.Body)
		}
		var r app.InboundResult
		res.JSON(t, &r)
		if r.Outcome != "message" || r.CaseID != c.ID {
			t.Fatalf("inbound became %+v, want a message on %s", r, c.Number)
		}
		res = post(gateway, raw)
		res.JSON(t, &r)
		if r.Outcome != "duplicate" {
			t.Errorf("the same Message-ID again: %+v", r)
		}
		var msgs app.MessageList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/messages", Token: w.a}).JSON(t, &msgs)
		if len(msgs.Items) != 1 || msgs.Items[0].Body != "请问什么时候退款?" || msgs.Items[0].Author.Role != aftersale.Customer {
			t.Fatalf("the conversation: %+v, want the customer's question once without the quote", msgs.Items)
		}
		// The agent's reply goes back by email, the RMA number in the subject.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/messages", Token: w.a, JSON: app.MessageInput{Body: "已为您加急处理"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("reply: %d %s", res.Status, res.Body)
		}
		if n := env.Rows(t, "outbox WHERE topic = 'email.reply'"); n != 1 {
			t.Errorf("%d email replies queued, want 1", n)
		}
		// Without a number: a complaint, by email.
		res = post(gateway, mail("m2", "投诉:客服不回复", "已经三天没人回复了"))
		res.JSON(t, &r)
		if r.Outcome != "complaint" || r.ComplaintID == "" {
			t.Errorf("no RMA number: %+v, want a complaint", r)
		}
		// A stranger's email, a merchant's token, a broken message.
		res = post(gateway, strings.Replace(mail("m3", "hello", "hi"), "Li.Lei@example.com", "stranger@example.com", 1))
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "from")
		wantProblem(t, post(w.merchantA, raw), http.StatusForbidden, app.CodeForbidden)
		wantProblem(t, post(gateway, "not an email"), http.StatusUnprocessableEntity, app.CodeInvalid)
	})
}
