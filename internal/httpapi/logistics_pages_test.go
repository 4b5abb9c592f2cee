package httpapi_test

// The pages of parcels, tasks and notifications as people use them, on both stores (SPEC
// §7, §13): a parcel's timeline on the case page in both languages as the carrier reports
// it; a customer says an exchange delivered never came, is offered a reship or a refund,
// and the desk finds the task on /tasks, takes it and marks it done; the bell counts what
// the outbox brought, the inbox marks one and then all read and pages by cursor; the
// channels form saves and says what is wrong next to the field. Another merchant finds
// nothing, another customer cannot speak for the parcel, a form without its CSRF token
// changes nothing, and who is not of the desk is refused the tasks.

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// before reports whether a comes before b in the page (both present).
func before(t *testing.T, res *apitest.Response, a, b string) {
	t.Helper()
	body := string(res.Body)
	i, j := strings.Index(body, a), strings.Index(body, b)
	if i < 0 || j < 0 || i > j {
		t.Errorf("the page does not show %q (at %d) before %q (at %d)", a, i, b, j)
	}
}

func TestLogisticsPagesParcelTimelineOnTheCasePage(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Merchant(t, "shop-b")
		c := shippedBack(t, w, "SF5000000001")
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		other := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))
		path := "/cases/" + c.ID

		// Before any carrier event: the parcel, and no word yet.
		wantPage(t, getPageIn(t, env, customer, path, "en"), http.StatusOK, `id="parcels"`, "Parcels", "Going back to the merchant",
			"SF5000000001", "No word from the carrier yet.")

		// The carrier reports it out of order; the page shows it newest first.
		at := env.Clock.Now().UTC().Add(-3 * time.Hour)
		ev := func(id, status string, minutes int, location, detail string) app.ShipmentEventInput {
			return app.ShipmentEventInput{Carrier: "SF", TrackingNo: "SF5000000001", EventID: id, Status: status,
				At: at.Add(time.Duration(minutes) * time.Minute), Location: location, Detail: detail}
		}
		mustPostEvents(t, env, w.shop, []app.ShipmentEventInput{
			ev("e3", "delivered", 120, "杭州 / Hangzhou", "本人签收 / signed by the merchant"),
			ev("e1", "picked_up", 0, "深圳 / Shenzhen", ""),
			ev("e2", "in_transit", 60, "广州 / Guangzhou", "到达转运中心 / at the hub"),
		})
		page := getPageIn(t, env, customer, path, "zh")
		wantPage(t, page, http.StatusOK, "物流", "寄回商家", "快递公司与运单号", "物流轨迹(最新在前)", `<ol class="timeline" aria-labelledby="parcel-0-tl">`,
			"已签收", "运输中", "已揽收", "杭州 / Hangzhou", "到达转运中心 / at the hub", `class="badge ok"`)
		before(t, page, "本人签收", "到达转运中心")
		before(t, page, "到达转运中心", "深圳 / Shenzhen")
		if strings.Contains(string(page.Body), "/not-received") {
			t.Error("a parcel going back to the merchant is offered as not received")
		}
		page = getPageIn(t, env, staff, path, "en")
		wantPage(t, page, http.StatusOK, "Parcels", "Tracking, newest first", "Delivered", "In transit", "Picked up", "Shenzhen")
		before(t, page, "signed by the merchant", "at the hub")

		// Another merchant finds neither the case nor its parcel's form.
		wantPage(t, getPageIn(t, env, other, path, "en"), http.StatusNotFound)
		wantPage(t, postPageIn(t, env, other, path+"/shipments/sf/SF5000000001/not-received", "en", url.Values{}), http.StatusNotFound)
	})
}

// deliveredExchange is an exchange of one of units jackets whose replacement the carrier
// reports delivered: the case resolved, the outbound parcel delivered.
func deliveredExchange(t *testing.T, w *world, units int, tracking string) app.CaseView {
	t.Helper()
	env := w.env
	o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", units, 29900)))
	in := returnRefund(o.OrderNo, "JACKET", 1)
	in.Type, in.Reason = aftersale.Exchange, aftersale.SizeFit
	c := w.mustApply(t, w.customer1, in)
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
	c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: "SF" + tracking})
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: c.Version, Inspection: aftersale.InspectionPass})
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ShipExchange, Version: c.Version, Carrier: "ZTO", TrackingNo: "ZT" + tracking})
	mustPostEvents(t, env, w.shop, app.ShipmentEventInput{Carrier: "ZTO", TrackingNo: "ZT" + tracking, EventID: "d" + tracking,
		Status: "delivered", At: env.Clock.Now().UTC(), Location: "上海 / Shanghai"})
	c = w.getCase(t, w.customer1, c.ID)
	if c.State != aftersale.Resolved || c.OutboundShipment == nil || c.OutboundShipment.DeliveredAt == nil {
		t.Fatalf("the exchange: %s, outbound %+v", c.State, c.OutboundShipment)
	}
	return c
}

var (
	taskVersion = regexp.MustCompile(`name="version" value="(\d+)"`)
	taskID      = regexp.MustCompile(`id="task-([0-9a-f-]{36})"`)
)

func TestLogisticsPagesNotReceivedBecomesATaskTheDeskWorks(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := deliveredExchange(t, w, 2, "6000000001")
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		another := env.CustomerSession(t, "shop-a", "cust-2")
		agent := env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "", "shop-a"))
		env.User(t, "agent.b", app.RoleAgent, "", "shop-a")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		admin := env.Login(t, "admin.a", env.User(t, "admin.a", app.RoleAdmin, ""))
		path := "/cases/" + c.ID
		form := path + "/shipments/zto/ZT6000000001/not-received"

		// The customer sees the replacement delivered, and the button to say it never came.
		page := getPageIn(t, env, customer, path, "zh")
		wantPage(t, page, http.StatusOK, "寄给买家", "已签收", "上海 / Shanghai", `action="`+form+`"`, "我没有收到", "快递公司显示此包裹已签收")
		if strings.Contains(string(page.Body), "申请补发") {
			t.Error("a remedy is offered before anything went wrong")
		}
		if page := getPageIn(t, env, agent, path, "en"); strings.Contains(string(page.Body), "I have not received it") {
			t.Error("the agent is offered the customer's button")
		}

		// Without its CSRF token, or from another customer, the form changes nothing.
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: form, Cookies: []*http.Cookie{customer.Cookie}, Form: url.Values{"lang": {"zh"}}})
		wantPage(t, res, http.StatusForbidden)
		wantPage(t, postPageIn(t, env, another, form, "zh", url.Values{}), http.StatusNotFound)
		if ts := listTasks(t, env, w.agent, "?kind=not_received"); len(ts) != 0 {
			t.Fatalf("tasks before the customer said it: %+v", ts)
		}

		// The customer says it: back to the parcels with thanks, the offer of a reship or a
		// refund for the order's line, and the button gone.
		wantRedirect(t, postPageIn(t, env, customer, form, "zh", url.Values{"idempotency_key": {"nr-1"}}), path+"?done=not_received&lang=zh#parcels")
		page = getPageIn(t, env, customer, path+"?done=not_received", "zh")
		apply := "/orders/" + c.OrderNo + "/apply?lang=zh&amp;quantity=1&amp;reason=not_received&amp;sku=JACKET&amp;type="
		wantPage(t, page, http.StatusOK, "已收到您的反馈", "显示签收但买家未收到", "申请补发", "申请退款", apply+"reship", apply+"refund_only")
		if strings.Contains(string(page.Body), `action="`+form+`"`) {
			t.Error("the button is still offered after the report")
		}
		wantPage(t, getPageIn(t, env, customer, path, "en"), http.StatusOK, "Ask for a reship", "Ask for a refund", "Signed for but not received")
		// The remedy's link opens the application form with the type and reason chosen.
		wantPage(t, getPageIn(t, env, customer, "/orders/"+c.OrderNo+"/apply?sku=JACKET&type=reship&reason=not_received&quantity=1", "zh"),
			http.StatusOK, `<option value="reship" selected>`, "丢件补发")
		// When the case still holds every unit, no new application is possible: the platform's
		// intervention is offered instead.
		held := deliveredExchange(t, w, 1, "6000000002")
		wantRedirect(t, postPageIn(t, env, customer, "/cases/"+held.ID+"/shipments/zto/ZT6000000002/not-received", "en", url.Values{}),
			"/cases/"+held.ID+"?done=not_received&lang=en#parcels")
		page = getPageIn(t, env, customer, "/cases/"+held.ID, "en")
		wantPage(t, page, http.StatusOK, "ask the platform to step in", `<a href="#actions-h">What you can do</a>`, `value="escalate"`)
		if strings.Contains(string(page.Body), "Ask for a reship") {
			t.Error("a reship is offered for a line the case still holds")
		}

		ts := listTasks(t, env, w.agent, "?kind=not_received&case_id="+c.ID)
		if len(ts) != 1 || ts[0].CaseID != c.ID {
			t.Fatalf("not-received tasks %+v, want one of the case", ts)
		}
		id := ts[0].ID
		act := "/tasks/" + id + "/actions"

		// Customers and merchants have no tasks page; the admin reads it without forms.
		wantPage(t, getPageIn(t, env, customer, "/tasks", "zh"), http.StatusForbidden)
		wantPage(t, getPageIn(t, env, staff, "/tasks", "en"), http.StatusForbidden)
		wantPage(t, postPageIn(t, env, staff, act, "en", url.Values{"action": {"assign"}, "assignee": {"me"}}), http.StatusForbidden)
		page = getPageIn(t, env, admin, "/tasks", "en")
		wantPage(t, page, http.StatusOK, "Signed for but not received: zto ZT6000000001", "You can see the tasks; agents and supervisors work them.")
		if strings.Contains(string(page.Body), act) {
			t.Error("the admin is offered forms on a task")
		}

		// The agent finds it on /tasks (in the nav), in both languages and by its rule.
		page = getPageIn(t, env, agent, "/tasks", "en")
		wantPage(t, page, http.StatusOK, `<a href="/tasks" aria-current="page">Tasks</a>`, "Signed for but not received: zto ZT6000000001",
			`href="/cases/`+c.ID+`?lang=en#parcels">`+c.Number+`</a>`, "ZT6000000001", "Not assigned yet", `class="countdown`, "Take it",
			`action="/tasks/`+id+`/actions?lang=en&amp;state=open"`)
		wantPage(t, getPageIn(t, env, agent, "/tasks", "zh"), http.StatusOK, "显示签收但买家未收到:zto ZT6000000001", "我来处理", "完成", "尚未指派")
		wantPage(t, getPageIn(t, env, agent, "/tasks?kind=not_received", "en"), http.StatusOK, c.Number)
		if page := getPageIn(t, env, agent, "/tasks?kind=lost", "en"); strings.Contains(string(page.Body), c.Number) {
			t.Error("the lost tasks list the not-received one")
		}
		wantPage(t, getPageIn(t, env, agent, "/tasks?kind=broken", "en"), http.StatusUnprocessableEntity, "Choose a kind from the list.", `aria-invalid="true"`)
		wantPage(t, getPageIn(t, env, agent, "/tasks?case_id="+c.ID+"&state=all", "en"), http.StatusOK, "The tasks of", c.Number)
		wantPage(t, getPageIn(t, env, agent, path, "en"), http.StatusOK, `href="/tasks?case_id=`+c.ID+`&amp;state=all&amp;lang=en"`)

		// An assignee who is no agent is said at the field and assigns nothing.
		version := func() string {
			t.Helper()
			page := getPageIn(t, env, agent, "/tasks?state=all&case_id="+c.ID, "en")
			m := taskVersion.FindSubmatch(page.Body)
			if m == nil {
				t.Fatalf("no task form:\n%s", page.Body)
			}
			return string(m[1])
		}
		res = postPageIn(t, env, agent, act+"?state=open", "en", url.Values{"action": {"assign"}, "assignee": {"staff.a"}, "version": {version()}})
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, "assignee must be the username of an active agent or supervisor",
			`value="staff.a"`, "<details open>")
		// Without its CSRF token the form is refused.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: act, Cookies: []*http.Cookie{agent.Cookie},
			Form: url.Values{"action": {"assign"}, "assignee": {"me"}}})
		wantPage(t, res, http.StatusForbidden)
		if ts := listTasks(t, env, w.agent, "?kind=not_received&case_id="+c.ID); ts[0].Assignee != "" {
			t.Fatalf("a refused form assigned the task to %q", ts[0].Assignee)
		}

		// The agent takes it: back to the list as filtered; it is the agent's.
		res = postPageIn(t, env, agent, act+"?state=open&kind=not_received", "en", url.Values{"action": {"assign"}, "assignee": {"me"}, "version": {version()}})
		wantRedirect(t, res, "/tasks?done=task&kind=not_received&lang=en&state=open")
		page = getPageIn(t, env, agent, "/tasks?assignee=me&done=task", "en")
		wantPage(t, page, http.StatusOK, "Done.", c.Number, "agent.a", "Mark done")
		if strings.Contains(string(page.Body), "Take it") {
			t.Error("a task taken is offered to take")
		}
		// A stale version is a conflict, shown at the task.
		res = postPageIn(t, env, agent, act, "en", url.Values{"action": {"assign"}, "assignee": {"agent.b"}, "version": {"1"}})
		wantPage(t, res, http.StatusConflict, "the task has changed; reload and try again")

		// Done, with a note; then it is in the done list with the note, not in the open one.
		wantRedirect(t, postPageIn(t, env, agent, act, "zh", url.Values{"action": {"done"}, "note": {"已联系快递核实 / asked the carrier"}, "version": {version()}}),
			"/tasks?done=task&lang=zh&state=open")
		if page := getPageIn(t, env, agent, "/tasks", "zh"); strings.Contains(string(page.Body), c.Number) {
			t.Error("the open tasks list the done one")
		}
		page = getPageIn(t, env, agent, "/tasks?state=done", "zh")
		wantPage(t, page, http.StatusOK, c.Number, "已完成", "完成人", "agent.a", "已联系快递核实 / asked the carrier")
		if taskID.Find(page.Body) == nil || strings.Contains(string(page.Body), act) {
			t.Error("a done task is offered forms")
		}
		task := listTasks(t, env, w.agent, "?kind=not_received&case_id="+c.ID)[0]
		if task.State != "done" || task.DoneBy != "agent.a" || task.Note != "已联系快递核实 / asked the carrier" {
			t.Errorf("the task after the pages: %+v", task)
		}
		// Acting on it again is a conflict shown on the list.
		res = postPageIn(t, env, agent, act+"?state=all", "en", url.Values{"action": {"done"}})
		wantPage(t, res, http.StatusConflict, "the task is done")
	})
}

func TestLogisticsPagesBellAndInbox(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := deliveredExchange(t, w, 1, "7000000001")
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))

		// Nothing relayed yet: the bell says none.
		wantPage(t, getPageIn(t, env, customer, "/", "en"), http.StatusOK, `class="bell" href="/notifications?lang=en" aria-label="Notifications, none unread"`)
		env.DrainOutbox(t)
		inbox := notifications(t, env, apitest.Request{Token: w.customer1})
		n := inbox.Unread
		if n < 2 {
			t.Fatalf("the customer's inbox after the exchange: %+v", inbox)
		}
		wantPage(t, getPageIn(t, env, customer, "/cases/"+c.ID, "en"), http.StatusOK,
			fmt.Sprintf(`aria-label="%d unread notifications"`, n), fmt.Sprintf(`<span class="count" aria-hidden="true">%d</span>`, n))
		wantPage(t, getPageIn(t, env, customer, "/", "zh"), http.StatusOK, fmt.Sprintf(`aria-label="%d 条未读通知"`, n))
		// Merchant staff have their own inbox and bell, and the link to webhooks.
		wantPage(t, getPageIn(t, env, staff, "/queue", "en"), http.StatusOK, `class="bell"`, `href="/webhooks"`)

		// The inbox: newest first, the unread marked, each linked to its page.
		first := inbox.Notifications[0]
		page := getPageIn(t, env, customer, "/notifications", "zh")
		wantPage(t, page, http.StatusOK, `<a class="bell" href="/notifications?lang=zh" aria-current="page"`, fmt.Sprintf("%d 条未读", n),
			`class="card unread"`, first.Subject.ZH, `href="/cases/`+c.ID+`?lang=zh"`, "全部标为已读", "标为已读", `href="/settings/notifications?lang=zh"`)
		before(t, page, first.Subject.ZH, inbox.Notifications[len(inbox.Notifications)-1].Subject.ZH)

		// One marked read; a form without its CSRF token or with no number marks nothing.
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/notifications/read", Cookies: []*http.Cookie{customer.Cookie},
			Form: url.Values{"id": {strconv.FormatInt(first.ID, 10)}}})
		wantPage(t, res, http.StatusForbidden)
		wantPage(t, postPageIn(t, env, customer, "/notifications/read", "en", url.Values{"id": {"first"}}), http.StatusUnprocessableEntity,
			"That notification cannot be marked.")
		if got := notifications(t, env, apitest.Request{Token: w.customer1}).Unread; got != n {
			t.Fatalf("refused forms marked %d read", n-got)
		}
		res = postPageIn(t, env, customer, "/notifications/read?unread=1", "en", url.Values{"id": {strconv.FormatInt(first.ID, 10)}})
		wantRedirect(t, res, "/notifications?done=read&lang=en&unread=1")
		page = getPageIn(t, env, customer, "/notifications?unread=1&done=read", "en")
		wantPage(t, page, http.StatusOK, "Marked as read.", fmt.Sprintf("%d unread", n-1), fmt.Sprintf(`aria-label="%d unread notifications"`, n-1))
		if strings.Contains(string(page.Body), `id="n-`+strconv.FormatInt(first.ID, 10)+`"`) {
			t.Error("the unread list shows the notification marked read")
		}

		// All marked read: the bell says none.
		wantRedirect(t, postPageIn(t, env, customer, "/notifications/read", "zh", url.Values{}), "/notifications?done=read&lang=zh")
		page = getPageIn(t, env, customer, "/notifications", "zh")
		wantPage(t, page, http.StatusOK, "全部已读。", `aria-label="通知(无未读)"`)
		if strings.Contains(string(page.Body), "card unread") {
			t.Error("a notification is still unread after marking all read")
		}

		// Paging: 35 notifications of another customer, 30 a page.
		if err := env.Store.Update(t.Context(), func(tx store.Tx) error {
			for i := range 35 {
				_, err := tx.InsertNotification(t.Context(), store.Notification{Recipient: "customer:cust-2", Source: fmt.Sprintf("test:%d", i),
					Event: "case.approve", Subject: app.Text{ZH: fmt.Sprintf("通知第%02d条", i), EN: fmt.Sprintf("Notice no. %02d", i)},
					Body: app.Text{ZH: "正文", EN: "body"}, Link: "/", At: env.Clock.Now().Add(time.Duration(i) * time.Minute)})
				if err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		another := env.CustomerSession(t, "shop-a", "cust-2")
		page = getPageIn(t, env, another, "/notifications", "en")
		wantPage(t, page, http.StatusOK, "Notice no. 34", "Notice no. 05", `rel="next"`, "35 unread")
		if strings.Contains(string(page.Body), "Notice no. 04") {
			t.Error("the first page shows more than 30")
		}
		next := regexp.MustCompile(`href="(/notifications\?[^"]+)" rel="next"`).FindSubmatch(page.Body)
		if next == nil {
			t.Fatal("no next page")
		}
		page = getPage(t, env, another, strings.ReplaceAll(string(next[1]), "&amp;", "&"))
		wantPage(t, page, http.StatusOK, "Notice no. 04", "Notice no. 00")
		if strings.Contains(string(page.Body), "Notice no. 05") || strings.Contains(string(page.Body), `rel="next"`) {
			t.Error("the second page repeats the first or goes on")
		}
	})
}

func TestLogisticsPagesNotificationSettings(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		agent := env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "", "shop-a"))
		prefs := "/settings/notifications"

		// The defaults: in-app and email; the customer is told what always reaches them.
		wantPage(t, getPageIn(t, env, customer, prefs, "zh"), http.StatusOK, "通知设置", "需要您处理的事项", `name="email" value="1" checked`,
			`name="locale" value="zh" checked`, `type="email" name="address"`)
		if page := getPageIn(t, env, agent, prefs, "en"); strings.Contains(string(page.Body), "What you must act on") {
			t.Error("staff are told what reaches customers regardless")
		}

		// A bad address is said at the field and saves nothing; without its CSRF token the
		// form is refused.
		res := postPageIn(t, env, customer, prefs, "en", url.Values{"email": {"1"}, "address": {"not an address"}, "locale": {"en"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, `class="field-error" role="alert">give a valid email address`,
			`value="not an address"`, "Check the fields marked.")
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: prefs, Cookies: []*http.Cookie{customer.Cookie},
			Form: url.Values{"sms": {"1"}, "locale": {"en"}}})
		wantPage(t, res, http.StatusForbidden)
		var got app.PrefsView
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications/preferences", Token: w.customer1}).JSON(t, &got)
		if !got.Email || got.SMS || got.Addr != "" || got.Locale != "" {
			t.Fatalf("refused forms changed the channels: %+v", got)
		}

		// Email off, SMS on, in English: saved, and shown so.
		res = postPageIn(t, env, customer, prefs, "zh", url.Values{"sms": {"1"}, "phone": {"13800138000"}, "address": {"wang@example.com"}, "locale": {"en"}})
		wantRedirect(t, res, prefs+"?done=prefs&lang=zh")
		page := getPageIn(t, env, customer, prefs+"?done=prefs", "zh")
		wantPage(t, page, http.StatusOK, "通知设置已保存。", `name="sms" value="1" checked`, `value="13800138000"`, `value="wang@example.com"`,
			`name="locale" value="en" checked`)
		if strings.Contains(string(page.Body), `name="email" value="1" checked`) {
			t.Error("email is still ticked")
		}
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications/preferences", Token: w.customer1}).JSON(t, &got)
		if got.Email || !got.SMS || got.Phone != "13800138000" || got.Addr != "wang@example.com" || got.Locale != "en" {
			t.Errorf("the channels after the form: %+v", got)
		}

		// Staff need a number for SMS: said at the phone field.
		res = postPageIn(t, env, agent, prefs, "en", url.Values{"sms": {"1"}, "locale": {"zh"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error" role="alert">SMS needs a mobile number`)
		res = postPageIn(t, env, agent, prefs, "en", url.Values{"locale": {"fr"}})
		wantPage(t, res, http.StatusUnprocessableEntity, "locale must be zh or en")
	})
}

// parcelForScreens is, for the browser's pages (e2e/flow.mjs, part "pages"), an exchange
// of the browser's customer whose replacement the carrier reports delivered after a
// journey of four events and the customer says never came: the case page has a return
// parcel and an outbound one with their timelines and the offer of a reship or a refund;
// the desk has its task; the customer and the agents have notifications.
func parcelForScreens(t *testing.T, w *world) string {
	t.Helper()
	env := w.env
	customer := env.Token(t, app.RoleCustomer, browserCustomer)
	coat := line("COAT", 2, 59900)
	coat.Title = "羊绒大衣 Cashmere coat"
	o := w.mustOrder(t, w.orderInput("shop-a", browserCustomer, coat))
	// The case began 40 hours ago (the order was delivered two days ago), its parcels
	// travelled since.
	start := time.Now().Add(-40 * time.Hour)
	hours := func(h int) time.Time { return start.Add(time.Duration(h) * time.Hour) }
	ev := func(carrier, no, id, status string, h int, location, detail string) app.ShipmentEventInput {
		return app.ShipmentEventInput{Carrier: carrier, TrackingNo: no, EventID: id, Status: status, At: hours(h).UTC(), Location: location, Detail: detail}
	}
	env.Clock.Set(start)
	in := returnRefund(o.OrderNo, "COAT", 1)
	in.Type, in.Reason = aftersale.Exchange, aftersale.SizeFit
	c := w.mustApply(t, customer, in)
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
	c = w.mustAct(t, customer, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: "SF8800000001"})
	env.Clock.Set(hours(21))
	mustPostEvents(t, env, w.shop, []app.ShipmentEventInput{
		ev("SF", "SF8800000001", "r1", "picked_up", 1, "北京朝阳 / Chaoyang, Beijing", "已揽收 / collected"),
		ev("SF", "SF8800000001", "r2", "in_transit", 8, "天津转运中心 / Tianjin hub", ""),
		ev("SF", "SF8800000001", "r3", "delivered", 20, "杭州余杭 / Yuhang, Hangzhou", "商家仓库签收 / signed at the warehouse"),
	})
	c = w.getCase(t, customer, c.ID)
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: c.Version, Inspection: aftersale.InspectionPass})
	env.Clock.Set(hours(22))
	w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ShipExchange, Version: c.Version, Carrier: "ZTO", TrackingNo: "ZT8800000002"})
	env.Clock.Reset()
	mustPostEvents(t, env, w.shop, []app.ShipmentEventInput{
		ev("ZTO", "ZT8800000002", "o1", "picked_up", 23, "杭州余杭 / Yuhang, Hangzhou", ""),
		ev("ZTO", "ZT8800000002", "o2", "in_transit", 30, "北京转运中心 / Beijing hub", ""),
		ev("ZTO", "ZT8800000002", "o3", "out_for_delivery", 37, "北京朝阳 / Chaoyang, Beijing", "派送员 王师傅 / courier Wang"),
		ev("ZTO", "ZT8800000002", "o4", "delivered", 39, "北京朝阳 / Chaoyang, Beijing", "已放快递柜 / left in a parcel locker"),
	})
	res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/shipments/ZTO/ZT8800000002/not-received", Token: customer})
	if res.Status != http.StatusOK {
		t.Fatalf("not received: %d %s", res.Status, res.Body)
	}
	env.DrainOutbox(t)
	return c.ID
}
