package httpapi_test

import (
	"bytes"
	"fmt"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/google/uuid"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix: every route the server registers (httpapi.Routes, the same table as
// the mux and the OpenAPI document) × every kind of principal × the resource it touches —
// the principal's own, another merchant's, another customer's — with the status expected.
// A route without a row, or a row without a principal, fails the test: a new route is born
// with its access decided.
//
// The three resources are cases (with their order, conversation and photo):
//
//	own             shop-a, cust-1
//	other merchant  shop-b, cust-1
//	other customer  shop-a, cust-2
//
// so that a customer's "other merchant" is still their own case (the platform's shop
// vouched for them: they see all of theirs), and a merchant's "other customer" is still
// its own merchant's case. Someone else's resource is 404, never 403 (its existence is not
// revealed); 403 is a role that may never do it; 401 no or a bad credential. Pages redirect
// (303) where the API answers 401.
// insertAccessRows puts an area's rows into the matrix before the row of operation at:
// API rows before the pages' (whose logout cells end the customer's sessions).
func insertAccessRows(at string, rows ...struct {
	op   string
	want map[string]string
}) {
	i := slices.IndexFunc(accessMatrix, func(r struct {
		op   string
		want map[string]string
	}) bool {
		return r.op == at
	})
	accessMatrix = slices.Insert(accessMatrix, i, rows...)
}

var accessMatrix = []struct {
	op string // OpenAPI operationId
	// want: by principal, the statuses for own, other merchant, other customer (routes on
	// a resource) or one status (routes on none); "*" is every principal not named.
	want map[string]string
}{
	{op: "upsertOrder", want: map[string]string{
		"anonymous": "401 401 401", "customer": "403 403 403", "customer@shop-a": "403 403 403",
		"merchant": "201 403 201", "merchant (session)": "201 403 201",
		"agent": "403 403 403", "agent@shop-a (session)": "403 403 403", "supervisor": "403 403 403",
		"admin": "201 201 201", "integration": "201 201 201", "integration@shop-a": "201 403 201"}},
	{op: "getOrder", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "200 200 200", "integration@shop-a": "200 404 200"}},
	// Whoever reads orders lists them; the list holds only what each may read
	// (orderlist_test.go).
	{op: "listOrders", want: map[string]string{"*": "200", "anonymous": "401"}},
	{op: "applyCase", want: map[string]string{
		"anonymous": "401 401 401", "customer": "201 201 404", "customer@shop-a": "201 404 404",
		"merchant": "403 403 403", "merchant (session)": "403 403 403",
		"agent": "201 201 201", "agent@shop-a (session)": "201 404 201", "supervisor": "201 201 201",
		"admin": "403 403 403", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	{op: "listCases", want: map[string]string{
		"*": "200", "anonymous": "401", "integration": "403", "integration@shop-a": "403"}},
	{op: "getCase", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "200 200 200", "integration@shop-a": "200 404 200"}},
	// Each role with an action it may take on a case the merchant has not answered: the
	// customer cancels, staff approve. An integration acts as the system, but approving on
	// the merchant's silence is the clock's alone (403); an admin never acts on cases.
	{op: "actOnCase", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "403 403 403", "integration": "403 403 403", "integration@shop-a": "403 404 403"}},
	{op: "listMessages", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	{op: "postMessage", want: map[string]string{
		"anonymous": "401 401 401", "customer": "201 201 404", "customer@shop-a": "201 404 404",
		"merchant": "201 404 201", "merchant (session)": "201 404 201",
		"agent": "201 201 201", "agent@shop-a (session)": "201 404 201", "supervisor": "201 201 201",
		"admin": "403 403 403", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	{op: "adminOverdue", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	// A case's money: whoever sees the case. The ledger across cases: merchants (their own),
	// supervisors and admins. Paying a failed entry again: agents and supervisors (here an
	// entry that does not exist: 404 for them). A payment callback without the gateway's
	// signature: refused, whoever sends it.
	{op: "caseLedger", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "200 200 200", "integration@shop-a": "200 404 200"}},
	{op: "listLedger", want: map[string]string{"*": "403", "anonymous": "401", "merchant": "200", "merchant (session)": "200",
		"supervisor": "200", "admin": "200"}},
	{op: "retryPayment", want: map[string]string{"*": "403", "anonymous": "401", "agent": "404", "agent@shop-a (session)": "404",
		"supervisor": "404"}},
	{op: "paymentCallback", want: map[string]string{"*": "403"}},
	// Disputes (SPEC §5): whoever sees the case sees its dispute, but integrations (they
	// have the case); the parties and the desk act on it (here each adds evidence), admins
	// and integrations never.
	{op: "listDisputes", want: map[string]string{"*": "200", "anonymous": "401", "integration": "403", "integration@shop-a": "403"}},
	{op: "getDispute", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	{op: "actOnDispute", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "403 403 403", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	// Complaints: customers and merchant staff file them; the complainant, the merchant a
	// customer complains about and the desk (admins are its top tier) see them. A customer
	// who came by a shop's login link sees that shop's complaints only, as with cases and
	// disputes (customer@shop-a does not see the one about merchant B's case).
	{op: "fileComplaint", want: map[string]string{
		"*": "403", "anonymous": "401", "customer": "201", "customer@shop-a": "201", "merchant": "201", "merchant (session)": "201"}},
	{op: "listComplaints", want: map[string]string{"*": "200", "anonymous": "401", "integration": "403", "integration@shop-a": "403"}},
	{op: "getComplaint", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	// Each replies: complainants on their own (merchant staff on their merchant's), the
	// desk on the customer's.
	{op: "actOnComplaint", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	{op: "evaluatePolicy", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "200 200 200", "integration@shop-a": "200 404 200"}},
	{op: "uploadAttachment", want: map[string]string{
		"*": "201", "anonymous": "401", "admin": "403", "integration": "403", "integration@shop-a": "403"}},
	{op: "getAttachment", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "403 403 403", "integration@shop-a": "403 403 403"}},
	{op: "adminAudit", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	{op: "adminListUsers", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	{op: "adminCreateUser", want: map[string]string{"*": "403", "anonymous": "401", "admin": "201"}},
	{op: "adminChangeUser", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	{op: "adminListTokens", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	{op: "adminRevokeToken", want: map[string]string{"*": "403", "anonymous": "401", "admin": "204"}},
	// Pages read the session cookie only: a bearer token is no login there.
	// Staff are sent from home to their queue.
	{op: "homePage", want: map[string]string{
		"*": "303", "customer@shop-a": "200"}},
	// The order pages are the dry run's: a customer's own, a merchant's own, an agent's in scope.
	{op: "orderPage", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "200 404 404", "merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	{op: "applyPage", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "200 404 404", "merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	{op: "estimateFragment", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "200 404 404", "merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	// Merchants do not apply; agents apply for customers on the phone.
	{op: "applyForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "303 404 404", "merchant (session)": "403 403 403", "agent@shop-a (session)": "303 404 303"}},
	{op: "casePage", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "200 404 404", "merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	{op: "caseAction", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "303 404 404", "merchant (session)": "303 404 303", "agent@shop-a (session)": "303 404 303"}},
	{op: "caseMessageForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "303 404 404", "merchant (session)": "303 404 303", "agent@shop-a (session)": "303 404 303"}},
	// The queue is staff's; a customer is sent home.
	{op: "queuePage", want: map[string]string{"*": "303", "merchant (session)": "200", "agent@shop-a (session)": "200"}},
	{op: "queueBulk", want: map[string]string{"*": "303"}},
	// Supervisors (and admins) watch the open work; other roles may not.
	{op: "supervisorPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "403"}},
	// The money page is for merchant staff (their own), supervisors and admins; agents
	// find failed payments on the cases, customers their money on their cases.
	{op: "moneyPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "200", "agent@shop-a (session)": "403"}},
	// Agents and supervisors pay a failed entry again; the case must be one the visitor
	// sees (someone else's is 404 before the role is asked).
	{op: "caseRetryPaymentForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "403 404 404", "merchant (session)": "403 404 403", "agent@shop-a (session)": "303 404 303"}},
	// The dispute and complaint pages: the lists for every role (the application scopes
	// them); a dispute or complaint as its API shows it; forms act as the API does (here
	// evidence, and replies). Agents do not file complaints.
	{op: "disputesPage", want: map[string]string{"*": "303", "customer@shop-a": "200", "merchant (session)": "200", "agent@shop-a (session)": "200"}},
	{op: "disputePage", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "200 404 404", "merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	{op: "disputeActionForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "303 404 404", "merchant (session)": "303 404 303", "agent@shop-a (session)": "303 404 303"}},
	{op: "complaintsPage", want: map[string]string{"*": "303", "customer@shop-a": "200", "merchant (session)": "200", "agent@shop-a (session)": "200"}},
	{op: "complaintFileForm", want: map[string]string{"*": "303", "agent@shop-a (session)": "403"}},
	{op: "complaintPage", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "200 404 404", "merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	{op: "complaintActionForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "303 404 404", "merchant (session)": "303 404 303", "agent@shop-a (session)": "303 404 303"}},
	// The admin pages are admins' (admin_pages_test.go walks them as one): any other
	// role's session is refused as the admin API refuses it.
	{op: "adminPage", want: adminPageAccess},
	{op: "adminPoliciesPage", want: adminPageAccess},
	{op: "adminPolicyInstall", want: adminPageAccess},
	{op: "adminPolicyDiff", want: adminPageAccess},
	{op: "adminUsersPage", want: adminPageAccess},
	{op: "adminUserCreateForm", want: adminPageAccess},
	{op: "adminUserChangeForm", want: adminPageAccess},
	{op: "adminTokensPage", want: adminPageAccess},
	{op: "adminTokenCreateForm", want: adminPageAccess},
	{op: "adminTokenRevokeForm", want: adminPageAccess},
	{op: "adminCalendarPage", want: adminPageAccess},
	{op: "adminAuditPage", want: adminPageAccess},
	{op: "adminImportPage", want: adminPageAccess},
	{op: "adminImportStart", want: adminPageAccess},
	{op: "adminImportJobPage", want: adminPageAccess},
	{op: "adminImportProgress", want: adminPageAccess},
	{op: "favicon", want: map[string]string{"*": "200"}},
	{op: "loginPage", want: map[string]string{
		"*": "200", "customer@shop-a": "303", "merchant (session)": "303", "agent@shop-a (session)": "303"}},
	{op: "login", want: map[string]string{"*": "303"}},
	{op: "logout", want: map[string]string{"*": "303"}},
	{op: "loginLink", want: map[string]string{"*": "303"}},
	{op: "asset", want: map[string]string{"*": "200"}},
	{op: "getOpenAPI", want: map[string]string{"*": "200"}},
	{op: "getPagesOpenAPI", want: map[string]string{"*": "200"}},
	{op: "healthz", want: map[string]string{"*": "200"}},
	{op: "readyz", want: map[string]string{"*": "200"}},
	{op: "metrics", want: map[string]string{"*": "200"}},
}

// adminPageAccess is every admin page's row: no session, the login page; a session of
// another role, 403.
var adminPageAccess = map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "403"}

// target is whose resource a request touches.
type target int

const (
	own target = iota
	otherMerchant
	otherCustomer
)

var targets = []target{own, otherMerchant, otherCustomer}

// owner is the merchant and customer of a target.
func (tg target) owner() (merchant, customer string) {
	switch tg {
	case otherMerchant:
		return "shop-b", "cust-1"
	case otherCustomer:
		return "shop-a", "cust-2"
	}
	return "shop-a", "cust-1"
}

// principal is one kind of caller: a bearer token, or a browser's session.
type principal struct {
	name    string
	role    app.Role
	token   string
	session *apitest.Session
	login   func(t *testing.T) *apitest.Session // a new session of the same kind (for logout)
}

// form is a page's form as p's browser posts it: with the session's CSRF token.
func (p principal) form(v url.Values) url.Values {
	if p.session != nil {
		v.Set("csrf_token", p.session.CSRF)
	}
	return v
}

// as sends r as p.
func (p principal) as(r apitest.Request) apitest.Request {
	r.Token, r.Session = p.token, p.session
	return r
}

// accessWorld is the matrix's platform: the world's tokens, sessions, and one case (with
// its order, a photo and a message) per target.
type accessWorld struct {
	*world
	principals []principal
	orders     map[target]app.OrderView
	cases      map[target]app.CaseView
	photos     map[target]string
	customer   map[string]string // customer id → token
	serial     atomic.Int64
	// disputes and complaints are made when a row first needs them (access_disputes_test.go).
	disputes   map[target]string
	complaints map[string]string
	// parcels, their tasks and webhooks likewise (access_logistics_test.go).
	parcels, tasks, webhooks map[target]string
}

func newAccessWorld(t *testing.T, env *apitest.Env) *accessWorld {
	t.Helper()
	w := newWorld(t, env)
	aw := &accessWorld{world: w, orders: map[target]app.OrderView{}, cases: map[target]app.CaseView{},
		photos: map[target]string{}, customer: map[string]string{"cust-1": w.customer1, "cust-2": w.customer2}}
	staff := func(username string, role app.Role, merchant string, scope ...string) func(t *testing.T) *apitest.Session {
		password := env.User(t, username, role, merchant, scope...)
		return func(t *testing.T) *apitest.Session { return env.Login(t, username, password) }
	}
	customerOfShopA := func(t *testing.T) *apitest.Session { return env.CustomerSession(t, "shop-a", "cust-1") }
	merchantStaff := staff("staff.a", app.RoleMerchant, "shop-a")
	agentOfShopA := staff("agent.a", app.RoleAgent, "", "shop-a")
	aw.principals = []principal{
		{name: "anonymous"},
		{name: "customer", role: app.RoleCustomer, token: w.customer1},
		{name: "customer@shop-a", role: app.RoleCustomer, session: customerOfShopA(t), login: customerOfShopA},
		{name: "merchant", role: app.RoleMerchant, token: w.merchantA},
		{name: "merchant (session)", role: app.RoleMerchant, session: merchantStaff(t), login: merchantStaff},
		{name: "agent", role: app.RoleAgent, token: w.agent},
		{name: "agent@shop-a (session)", role: app.RoleAgent, session: agentOfShopA(t), login: agentOfShopA},
		{name: "supervisor", role: app.RoleSupervisor, token: env.Token(t, app.RoleSupervisor, "")},
		{name: "admin", role: app.RoleAdmin, token: w.admin},
		{name: "integration", role: app.RoleIntegration, token: w.shop},
		{name: "integration@shop-a", role: app.RoleIntegration, token: env.Token(t, app.RoleIntegration, "shop-a")},
	}
	for _, tg := range targets {
		aw.orders[tg] = aw.order(t, tg)
		photo := aw.upload(t, aw.customerToken(tg))
		in := returnRefund(aw.orders[tg].OrderNo, "JACKET", 1)
		in.Evidence = []string{photo}
		aw.cases[tg] = w.mustApply(t, aw.customerToken(tg), in)
		aw.photos[tg] = photo
		aw.mustMessage(t, w.agent, aw.cases[tg].ID, "我们在处理 / on it")
	}
	return aw
}

func (aw *accessWorld) customerToken(tg target) string {
	_, customer := tg.owner()
	return aw.customer[customer]
}

// order pushes a new order of the target's merchant and customer with two jackets.
func (aw *accessWorld) order(t *testing.T, tg target) app.OrderView {
	t.Helper()
	merchant, customer := tg.owner()
	return aw.mustOrder(t, aw.orderInput(merchant, customer, line("JACKET", 2, 29900)))
}

// freshCase opens a new case of the target that the merchant has not answered.
func (aw *accessWorld) freshCase(t *testing.T, tg target) app.CaseView {
	t.Helper()
	return aw.mustApply(t, aw.customerToken(tg), returnRefund(aw.order(t, tg).OrderNo, "JACKET", 1))
}

func (aw *accessWorld) upload(t *testing.T, token string) string {
	t.Helper()
	body, ct := apitest.Multipart("file", "photo.png", "image/png", pngBytes())
	res := aw.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/attachments", Token: token, Body: body, ContentType: ct})
	if res.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	var a app.AttachmentView
	res.JSON(t, &a)
	return a.ID
}

func (aw *accessWorld) mustMessage(t *testing.T, token, caseID, body string) {
	t.Helper()
	res := aw.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + caseID + "/messages", Token: token,
		JSON: app.MessageInput{Body: body}})
	if res.Status != http.StatusCreated {
		t.Fatalf("message: %d %s", res.Status, res.Body)
	}
}

func pngBytes() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 200)...)
}

// request is the request of one cell: route op as principal p on target tg (own for a
// route on no resource). Cells that change what they touch make their own resources.
func (aw *accessWorld) request(t *testing.T, op string, p principal, tg target) apitest.Request {
	t.Helper()
	c := aw.cases[tg]
	n := aw.serial.Add(1)
	switch op {
	case "upsertOrder":
		merchant, customer := tg.owner()
		in := aw.orderInput(merchant, customer, line("JACKET", 1, 29900))
		in.OrderNo = fmt.Sprintf("ORD-MATRIX-%d", n)
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", JSON: in})
	case "getOrder":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + aw.orders[tg].OrderNo})
	case "listOrders":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders"})
	case "applyCase":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases",
			JSON: returnRefund(aw.order(t, tg).OrderNo, "JACKET", 1)})
	case "listCases":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases"})
	case "getCase":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID})
	case "actOnCase":
		fresh := aw.freshCase(t, tg)
		in := app.ActInput{Action: aftersale.Approve, Version: fresh.Version}
		if p.role == app.RoleCustomer {
			in.Action = aftersale.Cancel
		}
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + fresh.ID + "/actions", JSON: in})
	case "listMessages":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/messages"})
	case "postMessage":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/messages",
			JSON: app.MessageInput{Body: "收到 / noted"}})
	case "adminOverdue":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/overdue"})
	case "caseLedger":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/ledger"})
	case "listLedger":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/ledger"})
	case "retryPayment":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/ledger/" + uuid.NewString() + "/retry",
			JSON: app.RetryInput{Method: ledger.Balance}})
	case "paymentCallback":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/payments/callback",
			Body: []byte(`{"idempotency_key":"k","gateway_ref":"r","amount":1,"currency":"CNY","status":"succeeded"}`), ContentType: "application/json"})
	case "evaluatePolicy":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate",
			JSON: app.EvaluateInput{ApplyInput: returnRefund(aw.orders[tg].OrderNo, "JACKET", 1)}})
	case "uploadAttachment":
		body, ct := apitest.Multipart("file", "photo.png", "image/png", pngBytes())
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/attachments", Body: body, ContentType: ct})
	case "getAttachment":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/attachments/" + aw.photos[tg]})
	case "adminAudit":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?limit=5"})
	case "adminListUsers":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/users"})
	case "adminCreateUser":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users", JSON: app.UserInput{
			Username: fmt.Sprintf("matrix.%d", n), Role: app.RoleAgent, Password: "correct horse battery"}})
	case "adminChangeUser":
		username := fmt.Sprintf("victim.%d", n)
		aw.env.User(t, username, app.RoleAgent, "")
		disabled := true
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users/" + username, JSON: app.UserChange{Disabled: &disabled}})
	case "adminListTokens":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/tokens"})
	case "adminRevokeToken":
		secret := aw.env.Token(t, app.RoleAgent, "")
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/tokens/" + aw.tokenID(t, secret) + "/revoke"})
	case "homePage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/"})
	case "loginPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/login"})
	case "login":
		username := fmt.Sprintf("login.%d", n)
		password := aw.env.User(t, username, app.RoleAgent, "")
		form := aw.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login"})
		r := p.as(apitest.Request{Method: http.MethodPost, Path: "/login",
			Form: url.Values{"username": {username}, "password": {password}, "csrf_token": {apitest.FormToken(t, form)}}})
		if r.Session != nil { // a browser sends every cookie it has
			r.Cookies = []*http.Cookie{r.Session.Cookie}
			r.Session = nil
		}
		r.Cookies = append(r.Cookies, form.Cookie("as_login_csrf"))
		return r
	case "logout":
		r := p.as(apitest.Request{Method: http.MethodPost, Path: "/logout", Form: url.Values{}})
		if p.login != nil {
			s := p.login(t) // not the session the other cells use
			r.Session, r.Form = s, url.Values{"csrf_token": {s.CSRF}}
		}
		return r
	case "loginLink":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/login/link?" + aw.env.LoginLink(t, "shop-a", "cust-1", 10*time.Minute)})
	case "asset":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/assets/style.css"})
	case "favicon":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/favicon.ico"})
	case "orderPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/orders/" + aw.orders[tg].OrderNo})
	case "applyPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/orders/" + aw.orders[tg].OrderNo + "/apply?sku=JACKET"})
	case "estimateFragment":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/orders/" + aw.orders[tg].OrderNo + "/estimate?sku=JACKET&type=return_refund&reason=no_reason&quantity=1"})
	case "applyForm":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/orders/" + aw.order(t, tg).OrderNo + "/apply", Form: p.form(url.Values{
			"sku": {"JACKET"}, "quantity": {"1"}, "type": {"return_refund"}, "reason": {"no_reason"}})})
	case "casePage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/cases/" + c.ID})
	case "caseAction":
		fresh := aw.freshCase(t, tg)
		action := "approve"
		if p.role == app.RoleCustomer {
			action = "cancel"
		}
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/cases/" + fresh.ID, Form: p.form(url.Values{
			"action": {action}, "version": {fmt.Sprint(fresh.Version)}})})
	case "caseMessageForm":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/cases/" + c.ID + "/messages", Form: p.form(url.Values{"body": {"你好 / hello"}})})
	case "queuePage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/queue"})
	case "supervisorPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/supervisor"})
	case "moneyPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/money"})
	case "caseRetryPaymentForm":
		caseID, entryID := c.ID, c.ID // no session: the login page before anything is read
		if p.session != nil {
			merchant, customer := tg.owner()
			refunded := aw.refundedCase(t, merchant, customer, aw.customerToken(tg), aw.agent)
			entryID = refundEntry(t, aw.caseLedger(t, aw.agent, refunded.ID)).ID
			failEntry(t, aw.env, entryID)
			caseID = refunded.ID
		}
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/cases/" + caseID + "/ledger/" + entryID + "/retry",
			Form: p.form(url.Values{"method": {"balance"}})})
	case "queueBulk":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/queue", Form: p.form(url.Values{"action": {"approve"}})})
	case "adminPage", "adminPoliciesPage", "adminUsersPage", "adminTokensPage", "adminCalendarPage", "adminAuditPage", "adminImportPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: adminPagePaths[op]})
	case "adminPolicyDiff":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/admin/policies/seed-platform/diff"})
	case "adminImportJobPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/admin/import/nojob"})
	case "adminImportProgress":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/admin/import/nojob/progress"})
	case "adminPolicyInstall":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/admin/policies", Form: p.form(url.Values{"policy": {"id: x"}})})
	case "adminUserCreateForm":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/admin/users", Form: p.form(url.Values{
			"username": {fmt.Sprintf("page.%d", n)}, "role": {"agent"}})})
	case "adminUserChangeForm":
		username := fmt.Sprintf("page.victim.%d", n)
		aw.env.User(t, username, app.RoleAgent, "")
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/admin/users/" + username, Form: p.form(url.Values{"action": {"disable"}})})
	case "adminTokenCreateForm":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/admin/tokens", Form: p.form(url.Values{"role": {"integration"}})})
	case "adminTokenRevokeForm":
		id := aw.tokenID(t, aw.env.Token(t, app.RoleAgent, ""))
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/admin/tokens/" + id + "/revoke", Form: p.form(url.Values{})})
	case "adminImportStart":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/admin/import", Form: p.form(url.Values{"merchant": {"shop-a"}})})
	case "getOpenAPI":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/openapi.json"})
	case "getPagesOpenAPI":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/api/openapi-pages.json"})
	case "healthz":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/healthz"})
	case "readyz":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/readyz"})
	case "metrics":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/metrics"})
	}
	for _, more := range []func(*testing.T, string, principal, target) (apitest.Request, bool){
		aw.disputeRequest, aw.logisticsRequest, aw.logisticsPageRequest, aw.webhookPageRequest, aw.deskRequest, aw.helpPageRequest, aw.deskPageRequest, aw.surveyPageRequest, aw.reportRequest, aw.alertRequest, aw.assistantRequest, aw.triageRequest, aw.riskRequest, aw.riskPageRequest, aw.planRequest, aw.planPageRequest, aw.analyticsPageRequest} {
		if r, ok := more(t, op, p, tg); ok {
			return r
		}
	}
	t.Fatalf("the access matrix has no request for operation %s: add one", op)
	return apitest.Request{}
}

// adminPagePaths are the admin pages without parameters, by operation.
var adminPagePaths = map[string]string{"adminPage": "/admin", "adminPoliciesPage": "/admin/policies", "adminUsersPage": "/admin/users",
	"adminTokensPage": "/admin/tokens", "adminCalendarPage": "/admin/calendar", "adminAuditPage": "/admin/audit", "adminImportPage": "/admin/import"}

// tokenID is the id of the token with secret.
func (aw *accessWorld) tokenID(t *testing.T, secret string) string {
	t.Helper()
	p, err := aw.env.App.Authenticate(t.Context(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// onResource reports whether a row's statuses are per target.
func onResource(statuses string) bool { return len(strings.Fields(statuses)) == len(targets) }

func TestAccessMatrix(t *testing.T) {
	rows := map[string]map[string]string{}
	for _, row := range accessMatrix {
		if rows[row.op] != nil {
			t.Fatalf("two rows for %s", row.op)
		}
		rows[row.op] = row.want
	}
	var ops []string
	for _, rt := range httpapi.Routes() {
		ops = append(ops, rt.OperationID)
		if rows[rt.OperationID] == nil {
			t.Errorf("%s %s (%s) has no row in the access matrix: decide who may call it", rt.Method, rt.Path, rt.OperationID)
		}
	}
	for op := range rows {
		if !slices.Contains(ops, op) {
			t.Errorf("the access matrix has a row for %s, which is no route", op)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	print := os.Getenv("AFTERSALES_ACCESS_MATRIX_PRINT") != ""
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		aw := newAccessWorld(t, env)
		var got strings.Builder
		for _, row := range accessMatrix {
			fmt.Fprintf(&got, "\t{op: %q, want: map[string]string{", row.op)
			for i, p := range aw.principals {
				want, ok := row.want[p.name]
				if !ok {
					want = row.want["*"]
				}
				if want == "" {
					t.Errorf("%s: no outcome for %s", row.op, p.name)
					continue
				}
				cells := []target{own}
				if onResource(want) {
					cells = targets
				}
				var statuses []string
				for _, tg := range cells {
					res := env.Do(t, aw.request(t, row.op, p, tg))
					statuses = append(statuses, fmt.Sprint(res.Status))
				}
				have := strings.Join(statuses, " ")
				if i > 0 {
					got.WriteString(", ")
				}
				fmt.Fprintf(&got, "%q: %q", p.name, have)
				if have != want {
					t.Errorf("%s as %s (own, other merchant, other customer): %s, want %s", row.op, p.name, have, want)
				}
			}
			got.WriteString("}},\n")
		}
		if print {
			t.Logf("the matrix as it is:\n%s", got.String())
		}
	})
}

// An integration acts as the system: it reports what happens outside (a carrier's
// delivery) and, as an external scheduler, may take a deadline's action once the deadline
// has passed — never before, when it would answer for a merchant whose time still runs.
func TestIntegrationTakesTheClocksActionsOnlyWhenDue(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		aw := newAccessWorld(t, env)
		c := aw.freshCase(t, own)
		if v := aw.getCase(t, aw.shop, c.ID); slices.Contains(v.AllowedActions, aftersale.Approve) {
			t.Errorf("before the deadline the shop system is offered %v", v.AllowedActions)
		}
		wantProblem(t, aw.act(t, aw.shop, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version}),
			http.StatusForbidden, app.CodeForbidden)
		if len(c.Deadlines) == 0 {
			t.Fatal("the case has no deadline")
		}
		env.Clock.Set(c.Deadlines[0].DueAt.Add(time.Minute))
		if v := aw.getCase(t, aw.shop, c.ID); !slices.Contains(v.AllowedActions, aftersale.Approve) {
			t.Errorf("after the deadline the shop system is offered %v", v.AllowedActions)
		}
		v := aw.mustAct(t, aw.shop, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
		if v.State != aftersale.Approved {
			t.Errorf("approved on silence: %s", v.State)
		}
	})
}
