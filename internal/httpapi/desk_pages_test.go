package httpapi_test

// The service desk's pages as people use them, on both stores (SPEC §6, §11, §12): an agent
// takes a case from the case page, a transfer without a note is refused at the field, the
// supervisor assigns it to a group; the queue filters by owner and shows the owner column;
// a merchant writes a canned reply and uses it on a case (prefilled by ?reply= without a
// script), another merchant finds nothing of it; an agent opens a task by hand; a
// supervisor samples closed cases and scores one; the rules are edited as JSON and a
// member who is no agent is said next to the field.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// deskPagesWorld is a world with a desk: agents a and b and a supervisor, each with a
// session, and the rules' group "returns" of both agents.
type deskPagesWorld struct {
	*world
	agentA, agentB, sup *apitest.Session
}

func newDeskPagesWorld(t *testing.T, env *apitest.Env) *deskPagesWorld {
	t.Helper()
	w := &deskPagesWorld{world: newWorld(t, env)}
	w.agentA = env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, ""))
	w.agentB = env.Login(t, "agent.b", env.User(t, "agent.b", app.RoleAgent, ""))
	w.sup = env.Login(t, "sup.s", env.User(t, "sup.s", app.RoleSupervisor, ""))
	cur, err := env.App.DeskRules(t.Context(), pagesAdmin)
	if err != nil {
		t.Fatal(err)
	}
	r := rulesFor(desk.Group{Code: "returns", Name: app.Text{ZH: "退货组", EN: "Returns team"}, Strategy: desk.Manual, Members: []string{"agent.a", "agent.b"}})
	r.AutoAssign, r.Version = false, cur.Version
	if _, err := env.App.SaveDeskRules(t.Context(), pagesAdmin, r); err != nil {
		t.Fatal(err)
	}
	return w
}

// deskCase is the case as the desk sees it (with its owner).
func deskCase(t *testing.T, env *apitest.Env, id string) *app.CaseView {
	t.Helper()
	c, err := env.App.GetCase(t.Context(), pagesAdmin, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeskPagesTakeTransferAssign(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskPagesWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		path := "/cases/" + c.ID
		version := func() string { return strconv.FormatInt(deskCase(t, env, c.ID).Version, 10) }

		// Nobody owns it: the panel says so and offers to take it, to assign it by group.
		page := getPageIn(t, env, w.agentA, path, "en")
		wantPage(t, page, http.StatusOK, `id="owner"`, "Nobody yet", `name="action" value="take"`, `<option value="returns">Returns team</option>`,
			`href="/desk/rules"`, `href="/replies"`, `href="/reviews"`)
		wantPage(t, getPageIn(t, env, w.agentA, path, "zh"), http.StatusOK, "负责人", "尚未分配", "认领")
		// The merchant's staff have no ownership panel.
		if page := getPageIn(t, env, staff, path, "en"); strings.Contains(string(page.Body), `id="owner"`) {
			t.Error("the merchant is shown the desk's ownership panel")
		}
		// The queue: unassigned lists it, mine does not; the owner column says nobody.
		wantPage(t, getPageIn(t, env, w.agentA, "/queue?assignee=unassigned", "en"), http.StatusOK, c.Number, "<th scope=\"col\">Owner</th>")
		if page := getPageIn(t, env, w.agentA, "/queue?assignee=me", "en"); strings.Contains(string(page.Body), c.Number) {
			t.Error("the agent's own queue lists a case nobody owns")
		}

		// Take: back to the panel; the case is agent.a's, said as theirs, no take button.
		res := postPageIn(t, env, w.agentA, path, "en", url.Values{"action": {"take"}, "version": {version()}, "idempotency_key": {"take-1"}})
		wantRedirect(t, res, path+"?done=owner&lang=en#owner")
		if got := deskCase(t, env, c.ID); got.Assignee != "agent.a" {
			t.Fatalf("after take the owner is %q", got.Assignee)
		}
		page = getPageIn(t, env, w.agentA, path+"?done=owner", "en")
		wantPage(t, page, http.StatusOK, "The case&#39;s owner was changed.", "<strong>agent.a</strong> · yours", "Transfer")
		if strings.Contains(string(page.Body), `name="action" value="take"`) {
			t.Error("the owner is offered to take their own case")
		}
		wantPage(t, getPageIn(t, env, w.agentA, "/queue?assignee=me&sla=on_track", "en"), http.StatusOK, c.Number, "<td>agent.a")

		// Transfer without a note: refused at the note field, the form open with what was
		// entered; the owner does not change.
		res = postPageIn(t, env, w.agentA, path, "en", url.Values{"action": {"transfer"}, "assignee": {"agent.b"}, "version": {version()}})
		wantPage(t, res, http.StatusUnprocessableEntity, `<details open>`, `aria-invalid="true">`, `class="field-error" role="alert">a transfer needs a note`, `value="agent.b"`)
		if got := deskCase(t, env, c.ID); got.Assignee != "agent.a" {
			t.Fatalf("a refused transfer moved the case to %q", got.Assignee)
		}
		// An assignee who is no agent is said at the field.
		res = postPageIn(t, env, w.agentA, path, "en", url.Values{"action": {"transfer"}, "assignee": {"staff.a"}, "note": {"x"}, "version": {version()}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error" role="alert">assignee must be the username of an active agent or supervisor`)
		// With a note it goes to agent.b; the history says so.
		res = postPageIn(t, env, w.agentA, path, "zh", url.Values{"action": {"transfer"}, "assignee": {"agent.b"}, "note": {"休假 / on leave"}, "version": {version()}})
		wantRedirect(t, res, path+"?done=owner&lang=zh#owner")
		if got := deskCase(t, env, c.ID); got.Assignee != "agent.b" {
			t.Fatalf("after the transfer the owner is %q", got.Assignee)
		}
		wantPage(t, getPageIn(t, env, w.agentB, path, "zh"), http.StatusOK, "<strong>agent.b</strong> · 你负责", "转交", "休假 / on leave")
		// agent.a may no longer hand it over; agent.b's queue has it.
		res = postPageIn(t, env, w.agentA, path, "en", url.Values{"action": {"assign"}, "assignee": {"me"}, "version": {version()}})
		wantPage(t, res, http.StatusConflict, "owned by agent.b")
		wantPage(t, getPageIn(t, env, w.agentB, "/queue?assignee=me", "en"), http.StatusOK, c.Number)

		// The supervisor assigns it back to agent.a in the returns group.
		res = postPageIn(t, env, w.sup, path, "en", url.Values{"action": {"assign"}, "assignee": {"agent.a"}, "group": {"returns"}, "version": {version()}})
		wantRedirect(t, res, path+"?done=owner&lang=en#owner")
		if got := deskCase(t, env, c.ID); got.Assignee != "agent.a" || got.Group != "returns" {
			t.Fatalf("after the assignment: %q in %q", got.Assignee, got.Group)
		}
		wantPage(t, getPageIn(t, env, w.sup, path, "en"), http.StatusOK, "<strong>agent.a</strong>", "Returns team")
		wantPage(t, getPageIn(t, env, w.sup, "/queue?group=returns", "en"), http.StatusOK, c.Number, `<option value="returns" selected>`)
		// Without its CSRF token the form changes nothing.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Cookies: []*http.Cookie{w.agentA.Cookie},
			Form: url.Values{"action": {"take"}, "version": {version()}}})
		wantPage(t, res, http.StatusForbidden)
	})
}

var replyHref = regexp.MustCompile(`href="/cases/[^"?]+\?lang=en&amp;reply=([0-9a-f-]{36})#reply"`)

func TestDeskPagesCannedReplies(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Merchant(t, "shop-b")
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		other := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))
		customer := env.CustomerSession(t, "shop-a", "cust-1")

		// A variable that does not exist is said next to the English body; nothing is saved.
		res := postPageIn(t, env, staff, "/replies", "en", url.Values{"title_en": {"Refund"}, "body_en": {"Case {{nope}}"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `<textarea name="body_en" maxlength="4000" lang="en" aria-invalid="true">Case {{nope}}</textarea>`,
			`class="field-error" role="alert">unknown variable`)
		// The merchant writes one; the list shows it, escaped.
		res = postPageIn(t, env, staff, "/replies", "en", url.Values{"title_zh": {"退款说明"}, "title_en": {"Refund <b>now</b>"},
			"body_zh": {"您好,售后单 {{rma}} 已退款。"}, "body_en": {"Hello, case {{rma}} is refunded."}, "shortcut": {"refund"}, "idempotency_key": {"r-1"}})
		wantRedirect(t, res, "/replies?done=reply&lang=en")
		page := getPageIn(t, env, staff, "/replies?done=reply", "en")
		wantPage(t, page, http.StatusOK, "The reply was saved.", "Refund &lt;b&gt;now&lt;/b&gt;", "<code>/refund</code>", "shop-a")
		if strings.Contains(string(page.Body), "<b>now</b>") {
			t.Error("the reply's title is not escaped")
		}
		wantPage(t, getPageIn(t, env, staff, "/replies?q="+url.QueryEscape("退款"), "zh"), http.StatusOK, "退款说明")

		// On the case page: listed, rendered for the case; ?reply= fills the reply box.
		page = getPageIn(t, env, staff, "/cases/"+c.ID, "en")
		m := replyHref.FindSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no canned reply on the case page:\n%s", page.Body)
		}
		id := string(m[1])
		wantPage(t, page, http.StatusOK, `data-shortcut="refund"`, `data-reply-body="Hello, case `+c.Number+` is refunded."`)
		page = getPageIn(t, env, staff, "/cases/"+c.ID+"?reply="+id, "en")
		wantPage(t, page, http.StatusOK, `data-replies="reply-list" aria-describedby="reply-hint">Hello, case `+c.Number+` is refunded.</textarea>`)
		page = getPageIn(t, env, staff, "/cases/"+c.ID+"?reply="+id, "zh")
		wantPage(t, page, http.StatusOK, `>您好,售后单 `+c.Number+` 已退款。</textarea>`)
		// The customer is offered no canned replies.
		if page := getPageIn(t, env, customer, "/cases/"+c.ID+"?reply="+id, "en"); strings.Contains(string(page.Body), "is refunded") {
			t.Error("the customer is shown a canned reply")
		}

		// Another merchant finds nothing of it: not on its list, not to change or remove.
		if page := getPageIn(t, env, other, "/replies", "en"); strings.Contains(string(page.Body), id) || strings.Contains(string(page.Body), "Refund") {
			t.Error("another merchant's list shows shop-a's reply")
		}
		wantPage(t, postPageIn(t, env, other, "/replies/"+id, "en", url.Values{"title_en": {"mine"}, "body_en": {"x"}, "version": {"1"}}), http.StatusNotFound)
		wantPage(t, postPageIn(t, env, other, "/replies/"+id+"/delete", "en", url.Values{}), http.StatusNotFound)

		// Changed at the version shown; a stale version is a conflict at the reply.
		res = postPageIn(t, env, staff, "/replies/"+id, "en", url.Values{"title_zh": {"退款说明"}, "title_en": {"Refund"},
			"body_zh": {"{{rma}} 已退款"}, "body_en": {"{{rma}} refunded"}, "shortcut": {"refund"}, "version": {"1"}})
		wantRedirect(t, res, "/replies?done=reply&lang=en#reply-"+id)
		res = postPageIn(t, env, staff, "/replies/"+id, "en", url.Values{"title_en": {"Refund"}, "body_en": {"x"}, "version": {"1"}})
		wantPage(t, res, http.StatusConflict, "the reply has changed; reload and try again")
		// Removed.
		wantRedirect(t, postPageIn(t, env, staff, "/replies/"+id+"/delete", "en", url.Values{}), "/replies?done=reply_deleted&lang=en")
		if page := getPageIn(t, env, staff, "/replies", "en"); strings.Contains(string(page.Body), id) {
			t.Error("a removed reply is still listed")
		}
	})
}

func TestDeskPagesNewTask(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskPagesWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))

		wantPage(t, getPageIn(t, env, w.agentA, "/tasks", "en"), http.StatusOK, `id="new-task"`, `<option value="callback">`, `name="due_in_hours"`)
		// No title: said at the title field, the form open with what was entered.
		res := postPageIn(t, env, w.agentA, "/tasks", "en", url.Values{"kind": {"callback"}, "detail": {"ring after 6pm"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `<details class="card" id="new-task" open>`, `class="field-error" role="alert">the title is required`, "ring after 6pm")
		res = postPageIn(t, env, w.agentA, "/tasks", "en", url.Values{"kind": {"callback"}, "title": {"Call"}, "due_in_hours": {"soon"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error" role="alert">Give a whole number of hours.`)
		// Opened, for agent.b, on the case, due in 4 business hours.
		res = postPageIn(t, env, w.agentA, "/tasks", "zh", url.Values{"kind": {"callback"}, "title": {"回电 / call back"}, "case_id": {c.ID},
			"assignee": {"agent.b"}, "due_in_hours": {"4"}, "idempotency_key": {"t-1"}})
		wantRedirect(t, res, "/tasks?done=task_created&lang=zh")
		ts := listTasks(t, env, env.UserToken(t, "agent.a"), "?kind=callback")
		if len(ts) != 1 || ts[0].CaseID != c.ID || ts[0].Assignee != "agent.b" || ts[0].DueAt == nil {
			t.Fatalf("the callback tasks: %+v", ts)
		}
		wantPage(t, getPageIn(t, env, w.agentB, "/tasks?assignee=me&done=task_created", "zh"), http.StatusOK, "任务已创建。", "回电 / call back", c.Number)
	})
}

func TestDeskPagesQualityReview(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskPagesWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		wantRedirect(t, postPageIn(t, env, w.agentA, "/cases/"+c.ID, "en", url.Values{"action": {"take"},
			"version": {strconv.FormatInt(deskCase(t, env, c.ID).Version, 10)}}), "/cases/"+c.ID+"?done=owner&lang=en#owner")
		cv := deskCase(t, env, c.ID)
		w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Cancel, Version: cv.Version})

		// Agents may not sample; a count that is no number is said at the field.
		wantPage(t, postPageIn(t, env, w.agentA, "/reviews/sample", "en", url.Values{"rule": {"random"}, "count": {"1"}}), http.StatusForbidden)
		res := postPageIn(t, env, w.sup, "/reviews/sample", "en", url.Values{"rule": {"random"}, "count": {"many"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error" role="alert">Give a whole number from 1 to 100.`)
		res = postPageIn(t, env, w.sup, "/reviews/sample", "en", url.Values{"rule": {"sometimes"}, "count": {"1"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error" role="alert">rule must be random`)
		// The supervisor draws it: pending on the list.
		wantRedirect(t, postPageIn(t, env, w.sup, "/reviews/sample", "en", url.Values{"rule": {"random"}, "count": {"5"}}), "/reviews?done=sampled&n=1&lang=en")
		page := getPageIn(t, env, w.sup, "/reviews", "en")
		wantPage(t, page, http.StatusOK, "Waiting for a score", c.Number, "agent.a", "Random")
		m := regexp.MustCompile(`href="/reviews/([0-9a-f-]{36})\?lang=en"`).FindSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no review on the list:\n%s", page.Body)
		}
		id := string(m[1])
		// The agent sees nothing before it is scored; not the review itself either.
		if page := getPageIn(t, env, w.agentA, "/reviews", "en"); strings.Contains(string(page.Body), c.Number) {
			t.Error("the agent sees a review before it is scored")
		}
		wantPage(t, getPageIn(t, env, w.agentA, "/reviews/"+id, "en"), http.StatusNotFound)

		// The score form: a criterion left out is said at it; then scored.
		page = getPageIn(t, env, w.sup, "/reviews/"+id, "zh")
		wantPage(t, page, http.StatusOK, `name="score_courtesy"`, "服务态度", `name="version" value="1"`)
		form := url.Values{"score_courtesy": {"5"}, "score_accuracy": {"4"}, "score_compliance": {"3"}, "score_speed": {"5"}, "comment": {"态度好 <ok>"}, "version": {"1"}}
		res = postPageIn(t, env, w.sup, "/reviews/"+id, "en", form)
		wantPage(t, res, http.StatusUnprocessableEntity, `name="score_resolution" type="number" min="0" max="5" inputmode="numeric" required value="" aria-invalid="true">`,
			`class="field-error" role="alert">score Resolution`, "态度好 &lt;ok&gt;")
		form.Set("score_resolution", "5")
		wantRedirect(t, postPageIn(t, env, w.sup, "/reviews/"+id, "en", form), "/reviews/"+id+"?done=scored&lang=en")
		wantPage(t, getPageIn(t, env, w.sup, "/reviews/"+id+"?done=scored", "en"), http.StatusOK, "The review was scored.", "<strong>85</strong>", "sup.s")
		// Now the agent reads it, with the scores and the comment; agent.b does not.
		wantPage(t, getPageIn(t, env, w.agentA, "/reviews", "en"), http.StatusOK, "My scored reviews", c.Number, "85")
		wantPage(t, getPageIn(t, env, w.agentA, "/reviews/"+id, "zh"), http.StatusOK, "服务态度", "5 / 5", "态度好 &lt;ok&gt;")
		if strings.Contains(string(getPageIn(t, env, w.agentA, "/reviews/"+id, "en").Body), `action="/reviews/`) {
			t.Error("the agent is offered the score form")
		}
		wantPage(t, getPageIn(t, env, w.agentB, "/reviews/"+id, "en"), http.StatusNotFound)
	})
}

func TestDeskPagesRulesEdit(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskPagesWorld(t, env)
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))

		// The agent reads the groups, members and strategy, without the form.
		page := getPageIn(t, env, w.agentA, "/desk/rules", "en")
		wantPage(t, page, http.StatusOK, "Returns team", "<code>returns</code>", "By hand", "<td>agent.a</td><td>0</td>", "admins and supervisors change them")
		if strings.Contains(string(page.Body), `name="rules"`) {
			t.Error("the agent is offered the rules' form")
		}
		wantPage(t, postPageIn(t, env, w.agentA, "/desk/rules", "en", url.Values{"rules": {"{}"}}), http.StatusForbidden)
		wantPage(t, getPageIn(t, env, staff, "/desk/rules", "en"), http.StatusForbidden)

		// The supervisor edits the JSON: a member who is no agent is said next to the field
		// and nothing is saved; JSON that does not read neither.
		cur := deskRulesOf(t, env)
		bad := cur
		bad.Groups = append([]desk.Group(nil), cur.Groups...)
		bad.Groups[0].Members = []string{"agent.a", "staff.a"}
		res := postPageIn(t, env, w.sup, "/desk/rules", "en", url.Values{"rules": {rulesJSON(t, bad)}})
		wantPage(t, res, http.StatusUnprocessableEntity, `<textarea name="rules" rows="20" spellcheck="false" class="code" aria-describedby="rules-hint" aria-invalid="true">`,
			`class="field-error" role="alert">not an agent or supervisor account: staff.a`, "staff.a")
		res = postPageIn(t, env, w.sup, "/desk/rules", "zh", url.Values{"rules": {`{"groups": [`}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error" role="alert">不是有效的规则 JSON`)
		if got := deskRulesOf(t, env); got.Version != cur.Version {
			t.Fatalf("refused forms saved the rules: version %d, was %d", got.Version, cur.Version)
		}
		// A good edit: saved, shown.
		good := cur
		good.Groups = append([]desk.Group(nil), cur.Groups...)
		good.Groups[0].Strategy, good.Groups[0].Members = desk.LeastLoad, []string{"agent.a", "agent.b", "sup.s"}
		wantRedirect(t, postPageIn(t, env, w.sup, "/desk/rules", "en", url.Values{"rules": {rulesJSON(t, good)}}), "/desk/rules?done=rules&lang=en")
		wantPage(t, getPageIn(t, env, w.sup, "/desk/rules?done=rules", "zh"), http.StatusOK, "分配规则已保存。", "最少在办优先", "<td>sup.s</td>")
		if got := deskRulesOf(t, env); got.Version != cur.Version+1 || len(got.Groups[0].Members) != 3 {
			t.Errorf("the rules after the form: %+v", got)
		}
		// A stale version is a conflict.
		res = postPageIn(t, env, w.sup, "/desk/rules", "en", url.Values{"rules": {rulesJSON(t, good)}})
		wantPage(t, res, http.StatusConflict, "the rules have changed; reload and try again")
	})
}

func deskRulesOf(t *testing.T, env *apitest.Env) desk.Rules {
	t.Helper()
	v, err := env.App.DeskRules(t.Context(), pagesAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return v.Rules
}

func rulesJSON(t *testing.T, r desk.Rules) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The complaint page's ownership panel (SPEC §5, §6): an agent takes a complaint; a
// transfer without a note is refused at the note field; with one it goes to another agent
// in a group; the complainant sees no panel.
func TestDeskPagesComplaintOwnership(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskPagesWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		res := postPageIn(t, env, customer, "/complaints", "zh", url.Values{"case_id": {c.ID}, "about": {"merchant"},
			"subject": {"商家不回复"}, "description": {"三天没有人回复"}})
		m := complaintLink.FindStringSubmatch(res.Header.Get("Location"))
		if res.Status != http.StatusSeeOther || m == nil {
			t.Fatalf("filing: %d to %q: %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		path := "/complaints/" + m[1]
		complaintOf := func() *app.ComplaintView {
			t.Helper()
			cv, err := env.App.GetComplaint(t.Context(), pagesAdmin, m[1])
			if err != nil {
				t.Fatal(err)
			}
			return cv
		}
		version := func() string { return strconv.FormatInt(complaintOf().Version, 10) }

		// The desk sees the panel: nobody owns it; take, assign with the groups.
		page := getPageIn(t, env, w.agentA, path, "en")
		wantPage(t, page, http.StatusOK, `id="owner"`, "Nobody yet", `action="`+path+`/actions#owner"`, `name="action" value="take"`,
			`<option value="returns">Returns team</option>`, `value="reply"`)
		if page := getPageIn(t, env, customer, path, "en"); strings.Contains(string(page.Body), `id="owner"`) {
			t.Error("the complainant is shown the desk's ownership panel")
		}

		// Take: back to the panel, the complaint is agent.a's.
		res = postPageIn(t, env, w.agentA, path+"/actions", "en", url.Values{"action": {"take"}, "version": {version()}, "idempotency_key": {"ctake-1"}})
		wantRedirect(t, res, path+"?done=complaint_owner&lang=en#owner")
		if got := complaintOf(); got.Assignee != "agent.a" {
			t.Fatalf("after take the owner is %q", got.Assignee)
		}
		page = getPageIn(t, env, w.agentA, path+"?done=complaint_owner", "en")
		wantPage(t, page, http.StatusOK, "The complaint&#39;s owner was changed.", "<strong>agent.a</strong> · yours", "Transfer")
		if strings.Contains(string(page.Body), `name="action" value="take"`) {
			t.Error("the owner is offered to take their own complaint")
		}

		// Transfer without a note: refused at the note field, the form open with what was
		// entered; the owner does not change.
		res = postPageIn(t, env, w.agentA, path+"/actions", "en", url.Values{"action": {"transfer"}, "assignee": {"agent.b"}, "version": {version()}})
		wantPage(t, res, http.StatusUnprocessableEntity, `<details open>`, `aria-invalid="true">`, `class="field-error" role="alert">a transfer needs a note`, `value="agent.b"`)
		if got := complaintOf(); got.Assignee != "agent.a" {
			t.Fatalf("a refused transfer moved the complaint to %q", got.Assignee)
		}
		// With a note it goes to agent.b in the returns group.
		res = postPageIn(t, env, w.agentA, path+"/actions", "zh", url.Values{"action": {"transfer"}, "assignee": {"agent.b"}, "group": {"returns"},
			"note": {"休假 / on leave"}, "version": {version()}})
		wantRedirect(t, res, path+"?done=complaint_owner&lang=zh#owner")
		if got := complaintOf(); got.Assignee != "agent.b" || got.Group != "returns" {
			t.Fatalf("after the transfer: %q in %q", got.Assignee, got.Group)
		}
		wantPage(t, getPageIn(t, env, w.agentB, path, "zh"), http.StatusOK, "<strong>agent.b</strong> · 你负责", "退货组", "休假 / on leave")
	})
}

// Messages that came or went by email carry a badge in the conversation: the customer's
// email, and the reply that went back by email; a reply on the page has none.
func TestDeskPagesEmailBadge(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskPagesWorld(t, env)
		if err := env.App.UpdateCustomerProfile(t.Context(), pagesAdmin, app.CustomerProfile{ID: "cust-1", Name: "李雷", Email: "li.lei@example.com"}); err != nil {
			t.Fatal(err)
		}
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		path := "/cases/" + c.ID
		// Before any email: no badge.
		wantRedirect(t, postPageIn(t, env, customer, path+"/messages", "en", url.Values{"body": {"on the page"}}), path+"?done=message&lang=en#conversation")
		if page := getPageIn(t, env, customer, path, "en"); strings.Contains(string(page.Body), "via email") {
			t.Error("a message posted on the page is said to have come by email")
		}
		raw := "From: Li Lei <li.lei@example.com>\r\nTo: service@aftersales.example\r\nSubject: Re: [" + c.Number + "] 退货进度\r\n" +
			"Message-ID: <badge-1@mail.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请问什么时候退款?\r\n"
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/inbound/email", Token: env.Token(t, app.RoleIntegration, ""),
			Body: []byte(raw), ContentType: "message/rfc822"})
		if res.Status != http.StatusOK {
			t.Fatalf("inbound: %d %s", res.Status, res.Body)
		}
		// The agent answers on the page: the reply goes back by email.
		wantRedirect(t, postPageIn(t, env, w.agentA, path+"/messages", "zh", url.Values{"body": {"已为您加急处理"}}), path+"?done=message&lang=zh#conversation")
		page := getPageIn(t, env, customer, path, "en")
		if n := strings.Count(string(page.Body), `<span class="badge channel">via email</span>`); n != 2 {
			t.Errorf("%d messages with the email badge, want 2 (the customer's email and the reply):\n%s", n, page.Body)
		}
		wantPage(t, getPageIn(t, env, w.agentA, path, "zh"), http.StatusOK, `<span class="badge channel">邮件</span>`)
	})
}
