package httpapi_test

// The dispute and complaint pages as people use them, through their forms, on both stores
// (SPEC §5): a customer takes a rejected case to the platform on the case page; an agent
// admits it, a supervisor asks the merchant for evidence with a deadline, the merchant
// answers with a photo (and a note for the platform only), and the supervisor rules under
// a compensation standard; the customer reads the ruling and its basis, in Chinese and in
// English. Another merchant finds nothing; a form without its CSRF token, a bad amount and
// a bad deadline change nothing and say why next to the field. A customer files a
// complaint from a case page, another customer finds nothing, an agent replies.

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// pagesAdmin reads the store's truth behind the pages.
var pagesAdmin = app.Principal{Role: app.RoleAdmin, ID: "pages-test"}

var (
	disputeLink   = regexp.MustCompile(`href="/disputes/([0-9a-f-]{36})\?lang=[a-z]+"`)
	complaintLink = regexp.MustCompile(`^/complaints/([0-9a-f-]{36})\?done=complaint&lang=zh$`)
)

// postPageIn posts a page's form in language lang.
func postPageIn(t *testing.T, env *apitest.Env, s *apitest.Session, path, lang string, form url.Values) *apitest.Response {
	t.Helper()
	form.Set("lang", lang)
	return postPage(t, env, s, path, form)
}

// readDispute is the dispute as the store has it.
func readDispute(t *testing.T, env *apitest.Env, id string) *app.DisputeView {
	t.Helper()
	d, err := env.App.GetDispute(t.Context(), pagesAdmin, id)
	if err != nil {
		t.Fatalf("dispute %s: %v", id, err)
	}
	return d
}

// disputeForm is the fields of a dispute action at the dispute's version.
func disputeForm(d *app.DisputeView, action string, kv ...string) url.Values {
	v := url.Values{"action": {action}, "version": {strconv.FormatInt(d.Version, 10)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestDisputeThroughThePages(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Merchant(t, "shop-b")
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: "商品已使用 / the item was used"})
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		other := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))
		agent := env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "", "shop-a"))
		sup := env.Login(t, "sup.a", env.User(t, "sup.a", app.RoleSupervisor, ""))
		casePath := "/cases/" + c.ID

		// The customer takes the rejection to the platform on the case page; the case page
		// then lists the dispute under 平台介入.
		wantPage(t, getPageIn(t, env, customer, casePath, "zh"), http.StatusOK, `name="action" value="escalate"`)
		res := postPageIn(t, env, customer, casePath, "zh", url.Values{"action": {"escalate"}, "version": {strconv.FormatInt(c.Version, 10)},
			"note": {"商品没有使用过,商家拒绝不合理"}})
		wantRedirect(t, res, casePath+"?done=action&lang=zh")
		page := getPageIn(t, env, customer, casePath, "zh")
		wantPage(t, page, http.StatusOK, "平台介入", "待受理", "服务问题")
		m := disputeLink.FindSubmatch(page.Body)
		if m == nil {
			t.Fatalf("the case page links no dispute:\n%s", page.Body)
		}
		id := string(m[1])
		path := "/disputes/" + id
		act := path + "/actions"
		d := readDispute(t, env, id)
		if d.State != dispute.Open || d.CaseID != c.ID {
			t.Fatalf("the escalation opened %+v", d)
		}

		// Both sides read it in their language: the customer's statement, the merchant's
		// side still empty, and only the customer's actions.
		page = getPageIn(t, env, customer, path, "zh")
		wantPage(t, page, http.StatusOK, "纠纷 "+d.Number, "待受理", "消费者一方", "商家一方", "商品没有使用过,商家拒绝不合理",
			`value="submit_evidence"`, `value="withdraw"`, `href="/cases/`+c.ID+`?lang=zh"`)
		if strings.Contains(string(page.Body), `value="admit"`) {
			t.Error("the customer is offered to admit the dispute")
		}
		wantPage(t, getPageIn(t, env, staff, path, "en"), http.StatusOK, "Dispute "+d.Number, "The customer&#39;s side", "Nothing submitted yet.")

		// Another merchant finds nothing, and its form does nothing.
		wantPage(t, getPageIn(t, env, other, path, "en"), http.StatusNotFound)
		wantPage(t, postPageIn(t, env, other, act, "en", disputeForm(d, "submit_evidence", "note", "我们也有话说")), http.StatusNotFound)
		if list := getPageIn(t, env, other, "/disputes", "en"); strings.Contains(string(list.Body), d.Number) {
			t.Error("another merchant's dispute list shows the dispute")
		}

		// The agent admits it (as a quality dispute); the form without its CSRF token is
		// refused and changes nothing.
		page = getPageIn(t, env, agent, path, "en")
		wantPage(t, page, http.StatusOK, `value="admit"`, `value="dismiss"`, `name="category"`, `<option value="service" selected>Service</option>`)
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: act, Cookies: []*http.Cookie{agent.Cookie}, Header: english(),
			Form: disputeForm(d, "admit", "category", "quality")})
		wantPage(t, res, http.StatusForbidden)
		if now := readDispute(t, env, id); now.Version != d.Version || now.State != dispute.Open {
			t.Fatalf("a form without its CSRF token moved the dispute to %s (version %d)", now.State, now.Version)
		}
		wantRedirect(t, postPageIn(t, env, agent, act, "en", disputeForm(d, "admit", "category", "quality", "note", "受理")), path+"?done=dispute&lang=en")
		d = readDispute(t, env, id)
		if d.State != dispute.Admitted || d.Category != dispute.Quality {
			t.Fatalf("after the admission: %s, %s", d.State, d.Category)
		}
		wantPage(t, getPageIn(t, env, agent, path+"?done=dispute", "en"), http.StatusOK, "Done; both sides see it", "Admitted", "Quality")

		// The supervisor asks the merchant for evidence: a deadline that is no date is shown
		// at its field and changes nothing; then two days from now.
		page = getPageIn(t, env, sup, path, "en")
		wantPage(t, page, http.StatusOK, `value="request_evidence"`, `value="rule"`, `name="due_at"`, "Full refund — awards ¥299.00")
		res = postPageIn(t, env, sup, act, "en", disputeForm(d, "request_evidence", "party", "merchant", "due_at", "next Tuesday"))
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, `class="field-error"`, "Enter a date and time")
		if now := readDispute(t, env, id); now.Version != d.Version {
			t.Fatal("a refused request moved the dispute")
		}
		due := env.Clock.Now().In(time.FixedZone("CST", 8*3600)).Add(48 * time.Hour).Truncate(time.Minute)
		res = postPageIn(t, env, sup, act, "en", disputeForm(d, "request_evidence", "party", "merchant",
			"due_at", due.Format("2006-01-02T15:04"), "note", "请提供发货前的质检记录"))
		wantRedirect(t, res, path+"?done=dispute&lang=en")
		d = readDispute(t, env, id)
		if d.State != dispute.Evidence || len(d.Requests) != 1 || !d.Requests[0].DueAt.Equal(due) {
			t.Fatalf("after the request: %s, %+v (due %s)", d.State, d.Requests, due)
		}

		// The merchant reads the request and answers with a photo, and a note for the
		// platform only.
		page = getPageIn(t, env, staff, path, "zh")
		wantPage(t, page, http.StatusOK, "举证方:商家", "请提供发货前的质检记录", "商家举证期限", `class="countdown`, `value="submit_evidence"`, `name="platform_only"`)
		values := disputeForm(d, "submit_evidence", "note", "发货前质检合格,见照片", "csrf_token", staff.CSRF, "lang", "zh")
		body, ct := multipartForm(t, values, file{"evidence", "inspection.png", "image/png", pngBytes()})
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: act, Body: body, ContentType: ct, Cookies: []*http.Cookie{staff.Cookie}})
		wantRedirect(t, res, path+"?done=dispute&lang=zh")
		d = readDispute(t, env, id)
		wantRedirect(t, postPageIn(t, env, staff, act, "zh", disputeForm(d, "submit_evidence", "note", "进货成本 ¥120", "platform_only", "1")),
			path+"?done=dispute&lang=zh")
		d = readDispute(t, env, id)
		if len(d.Evidence) != 2 || len(d.Evidence[0].Attachments) != 1 || d.Evidence[0].Party != dispute.MerchantSide || !d.Requests[0].Answered {
			t.Fatalf("the merchant's evidence: %+v, requests %+v", d.Evidence, d.Requests)
		}
		page = getPageIn(t, env, customer, path, "zh")
		wantPage(t, page, http.StatusOK, "发货前质检合格,见照片", "/api/v1/attachments/"+d.Evidence[0].Attachments[0], "已答复")
		if strings.Contains(string(page.Body), "进货成本") {
			t.Error("the customer sees the merchant's note for the platform only")
		}
		wantPage(t, getPageIn(t, env, sup, path, "en"), http.StatusOK, "进货成本 ¥120", "platform only")

		// A bad amount is shown at the field and rules nothing.
		res = postPageIn(t, env, sup, act, "en", disputeForm(d, "rule", "outcome", "customer", "liability", "merchant", "amount", "12,3.4.5",
			"basis_en", "x"))
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, "Enter an amount, e.g. 12.50", "Check the fields marked.")
		if now := readDispute(t, env, id); now.Version != d.Version || now.Ruling != nil {
			t.Fatal("a ruling with a bad amount moved the dispute")
		}
		// An amount the standard does not award is the application's refusal, at the field.
		res = postPageIn(t, env, sup, act, "en", disputeForm(d, "rule", "outcome", "customer", "liability", "merchant", "standard", "full_refund",
			"amount", "¥100", "basis_en", "x"))
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error" role="alert">the standard “Full refund” awards ¥299.00`)

		// The supervisor rules under the full-refund standard, with the basis in both languages.
		res = postPageIn(t, env, sup, act, "en", disputeForm(d, "rule", "outcome", "customer", "liability", "merchant", "standard", "full_refund",
			"basis_zh", "商家未能证明商品已被使用,依据消费者权益保护法第二十四条全额退款。",
			"basis_en", "The merchant could not show the item was used: a full refund under article 24 of the consumer protection law."))
		wantRedirect(t, res, path+"?done=dispute&lang=en")
		d = readDispute(t, env, id)
		if d.State != dispute.Ruled || d.Ruling == nil || d.Ruling.Amount != 29900 || d.Ruling.Standard != "full_refund" {
			t.Fatalf("the ruling: %s %+v", d.State, d.Ruling)
		}
		if cv := w.getCase(t, w.customer1, c.ID); cv.State == aftersale.Disputed {
			t.Errorf("the case is still disputed after the ruling")
		}

		// Both sides see the ruling and its basis; the customer in both languages.
		wantPage(t, getPageIn(t, env, customer, path, "zh"), http.StatusOK, `id="ruling"`, "已裁决", "支持消费者", "商家责任", "全额退款", "¥299.00",
			"商家未能证明商品已被使用", "The merchant could not show the item was used", "主管")
		wantPage(t, getPageIn(t, env, customer, path, "en"), http.StatusOK, "Ruled", "For the customer", "Full refund", "Basis",
			"The merchant could not show the item was used")
		wantPage(t, getPageIn(t, env, staff, path, "en"), http.StatusOK, "Ruling", "Merchant", "The merchant could not show the item was used")
		wantPage(t, getPageIn(t, env, customer, casePath, "zh"), http.StatusOK, "平台介入", "已裁决", "裁决: 支持消费者")

		// The lists: the desk's with its filters, the customer's own.
		wantPage(t, getPageIn(t, env, sup, "/disputes?state=ruled", "en"), http.StatusOK, d.Number, "/disputes/"+id, "Quality")
		if list := getPageIn(t, env, sup, "/disputes?open=1", "en"); strings.Contains(string(list.Body), d.Number) {
			t.Error("the open disputes list the ruled one")
		}
		wantPage(t, getPageIn(t, env, sup, "/disputes?state=closed", "en"), http.StatusUnprocessableEntity, "unknown dispute state")
		wantPage(t, getPageIn(t, env, customer, "/disputes", "zh"), http.StatusOK, d.Number, "已裁决")
	})
}

func TestComplaintsThroughThePages(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		another := env.CustomerSession(t, "shop-a", "cust-2")
		agent := env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "", "shop-a"))

		// From the case page to the form, which names the case.
		form := "/complaints?case_id=" + c.ID
		wantPage(t, getPageIn(t, env, customer, "/cases/"+c.ID, "zh"), http.StatusOK, `href="/complaints?case_id=`+c.ID+`&amp;lang=zh#file"`, "投诉此售后单的服务")
		wantPage(t, getPageIn(t, env, customer, form, "zh"), http.StatusOK, "提交投诉", "关于售后单", c.Number,
			`name="case_id" value="`+c.ID+`"`, `name="subject"`, `value="merchant" required checked`)

		// A complaint without a subject says so at the field, and files nothing.
		res := postPageIn(t, env, customer, "/complaints", "zh", url.Values{"case_id": {c.ID}, "about": {"merchant"},
			"description": {"三天没有人回复"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, "请填写投诉主题", "三天没有人回复", c.Number)
		if l, err := env.App.ListComplaints(t.Context(), pagesAdmin, app.ComplaintListInput{}); err != nil || len(l.Complaints) != 0 {
			t.Fatalf("a refused complaint was filed: %v %v", l, err)
		}
		res = postPageIn(t, env, customer, "/complaints", "zh", url.Values{"case_id": {c.ID}, "about": {"merchant"},
			"subject": {"商家不回复"}, "description": {"三天没有人回复"}})
		m := complaintLink.FindStringSubmatch(res.Header.Get("Location"))
		if res.Status != http.StatusSeeOther || m == nil {
			t.Fatalf("filing: %d to %q: %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		path := "/complaints/" + m[1]
		page := getPageIn(t, env, customer, path+"?done=complaint", "zh")
		wantPage(t, page, http.StatusOK, "投诉已提交", "商家不回复", "一线客服", "首次答复期限", `class="countdown`, "尚未指派", c.Number,
			`value="reply"`)
		if strings.Contains(string(page.Body), `value="resolve"`) {
			t.Error("the complainant is offered to resolve the complaint")
		}
		wantPage(t, getPageIn(t, env, customer, "/complaints", "zh"), http.StatusOK, "我的投诉", "商家不回复", path)

		// Another customer finds nothing, and cannot reply.
		wantPage(t, getPageIn(t, env, another, path, "zh"), http.StatusNotFound)
		cv, err := env.App.GetComplaint(t.Context(), pagesAdmin, m[1])
		if err != nil {
			t.Fatal(err)
		}
		version := strconv.FormatInt(cv.Version, 10)
		wantPage(t, postPageIn(t, env, another, path+"/actions", "zh", url.Values{"action": {"reply"}, "version": {version}, "note": {"我也是"}}), http.StatusNotFound)
		if list := getPageIn(t, env, another, "/complaints", "zh"); strings.Contains(string(list.Body), "商家不回复") {
			t.Error("another customer's list shows the complaint")
		}

		// Agents do not file complaints; they answer them.
		wantPage(t, postPageIn(t, env, agent, "/complaints", "en", url.Values{"about": {"platform"}, "subject": {"x"}, "description": {"y"}}), http.StatusForbidden)
		wantPage(t, getPageIn(t, env, agent, "/complaints?tier=1", "en"), http.StatusOK, "商家不回复", "Tier 1 · agent", "shop-a")
		wantPage(t, getPageIn(t, env, agent, "/complaints?tier=9", "en"), http.StatusUnprocessableEntity, "Choose tier 1, 2 or 3.")
		page = getPageIn(t, env, agent, path, "en")
		wantPage(t, page, http.StatusOK, `value="assign"`, `value="reply"`, `value="escalate"`, `value="resolve"`)
		res = postPageIn(t, env, agent, path+"/actions", "en", url.Values{"action": {"reply"}, "version": {version}, "note": {"We have asked the merchant to answer today."}})
		wantRedirect(t, res, path+"?done=complaint_action&lang=en")
		cv, err = env.App.GetComplaint(t.Context(), pagesAdmin, m[1])
		if err != nil {
			t.Fatal(err)
		}
		if cv.RespondedAt == nil || cv.History[len(cv.History)-1].Action != complaint.Reply {
			t.Fatalf("after the agent's reply: %+v", cv)
		}
		// A resolution is required: the refusal is at its field.
		res = postPageIn(t, env, agent, path+"/actions", "en", url.Values{"action": {"resolve"}, "version": {strconv.FormatInt(cv.Version, 10)}})
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, "the resolution is required")

		// The customer reads the answer.
		wantPage(t, getPageIn(t, env, customer, path, "en"), http.StatusOK, "We have asked the merchant to answer today.", "First answered", "Reply")
	})
}

// disputeForScreens is a dispute for the browser's pages (e2e/flow.mjs): a vase of
// merchant A that cust-1 wanted to return, rejected, taken to the platform, admitted as a
// quality dispute, the merchant asked for evidence and answering — and a complaint of the
// browser's customer. It returns the dispute's id.
func disputeForScreens(t *testing.T, w *world) string {
	t.Helper()
	env := w.env
	vase := line("VASE", 1, 39900)
	vase.Title = "青瓷花瓶 Celadon vase"
	o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", vase))
	c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "VASE", 1))
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: "商品已使用,影响二次销售"})
	w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Escalate, Version: c.Version,
		Note: "花瓶收到时瓶口有裂纹,并未使用 / the vase arrived with a crack at the rim and was never used"})
	ds, err := env.App.CaseDisputes(t.Context(), pagesAdmin, c.ID)
	if err != nil || len(ds) != 1 {
		t.Fatalf("the disputes of the escalated case: %v %v", ds, err)
	}
	id := ds[0].ID
	supervisor := env.Token(t, app.RoleSupervisor, "")
	for _, step := range []struct {
		token string
		in    app.DisputeActInput
	}{
		{w.agent, app.DisputeActInput{Action: dispute.Admit, Category: dispute.Quality, Note: "受理:商品质量"}},
		{supervisor, app.DisputeActInput{Action: dispute.RequestEvidence, Party: dispute.MerchantSide, Note: "请提供发货前的质检照片"}},
		{w.merchantA, app.DisputeActInput{Action: dispute.SubmitEvidence, Note: "发货前已逐件检查,包装完好 / inspected before shipping, packed intact"}},
	} {
		d := readDispute(t, env, id)
		step.in.Version = d.Version
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/disputes/" + id + "/actions", Token: step.token, JSON: step.in})
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", step.in.Action, res.Status, res.Body)
		}
	}
	res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: env.Token(t, app.RoleCustomer, browserCustomer),
		JSON: app.ComplaintInput{Subject: "客服回复太慢", About: complaint.AboutAgent, Description: "咨询退款进度两天没有人回复。"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("complaint: %d %s", res.Status, res.Body)
	}
	return id
}
