package httpapi_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's disputes and complaints (SPEC §5): one open dispute per target (its
// case rejected by the target's merchant and escalated by its customer), one complaint per
// target by its customer about the merchant of its case, and one by its merchant's staff
// about the platform — each made when a row first needs it. Cells that act add evidence or
// a reply at the version they read, so the same dispute and complaint serve every cell.

// matrixAdmin reads what the cells need (versions, ids) straight from the application.
var matrixAdmin = app.Principal{Role: app.RoleAdmin, ID: "matrix"}

// merchantToken is the staff token of the target's merchant.
func (aw *accessWorld) merchantToken(tg target) string {
	if m, _ := tg.owner(); m == "shop-b" {
		return aw.merchantB
	}
	return aw.merchantA
}

// dispute is the target's open dispute.
func (aw *accessWorld) dispute(t *testing.T, tg target) app.DisputeView {
	t.Helper()
	if aw.disputes == nil {
		aw.disputes = map[target]string{}
	}
	if id, ok := aw.disputes[tg]; ok {
		d, err := aw.env.App.GetDispute(t.Context(), matrixAdmin, id)
		if err != nil {
			t.Fatal(err)
		}
		return *d
	}
	c := aw.freshCase(t, tg)
	c = aw.mustAct(t, aw.merchantToken(tg), c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: "不支持 / not accepted"})
	c = aw.mustAct(t, aw.customerToken(tg), c.ID, app.ActInput{Action: aftersale.Escalate, Version: c.Version, Note: "不合理 / unfair"})
	ds, err := aw.env.App.CaseDisputes(t.Context(), matrixAdmin, c.ID)
	if err != nil || len(ds) != 1 {
		t.Fatalf("the disputes of the escalated case: %v %v", ds, err)
	}
	aw.disputes[tg] = ds[0].ID
	return ds[0]
}

// complaint is the target's complaint by its customer about its case's merchant, or (by
// merchant) by its merchant's staff about the platform.
func (aw *accessWorld) complaint(t *testing.T, tg target, byMerchant bool) app.ComplaintView {
	t.Helper()
	if aw.complaints == nil {
		aw.complaints = map[string]string{}
	}
	key := strconv.Itoa(int(tg)) + strconv.FormatBool(byMerchant)
	if id, ok := aw.complaints[key]; ok {
		c, err := aw.env.App.GetComplaint(t.Context(), matrixAdmin, id)
		if err != nil {
			t.Fatal(err)
		}
		return *c
	}
	in, token := app.ComplaintInput{Subject: "客服不回复 / no answer", About: complaint.AboutMerchant, CaseID: aw.cases[tg].ID,
		Description: "三天没有回复 / no answer in three days"}, aw.customerToken(tg)
	if byMerchant {
		in, token = app.ComplaintInput{Subject: "平台介入太慢 / slow", About: complaint.AboutPlatform,
			Description: "纠纷处理太慢 / the dispute is slow"}, aw.merchantToken(tg)
	}
	res := aw.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: token, JSON: in})
	if res.Status != http.StatusCreated {
		t.Fatalf("file a complaint: %d %s", res.Status, res.Body)
	}
	var c app.ComplaintView
	res.JSON(t, &c)
	aw.complaints[key] = c.ID
	return c
}

// disputeRequest is the request of a cell of the disputes' and complaints' rows (false for
// another row).
func (aw *accessWorld) disputeRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "listDisputes":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/disputes"}
	case "getDispute":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/disputes/" + aw.dispute(t, tg).ID}
	case "actOnDispute":
		d := aw.dispute(t, tg)
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/disputes/" + d.ID + "/actions", JSON: app.DisputeActInput{
			Action: dispute.SubmitEvidence, Version: d.Version, Note: "补充说明 / a statement"}}
	case "fileComplaint":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", JSON: app.ComplaintInput{
			Subject: "服务差 / poor service", About: complaint.AboutPlatform, Description: "没人处理 / nobody answers"}}
	case "listComplaints":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/complaints"}
	case "getComplaint":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/complaints/" + aw.complaint(t, tg, false).ID}
	case "actOnComplaint":
		// Complainants reply on their own; the desk on the customer's.
		c := aw.complaint(t, tg, p.role == app.RoleMerchant)
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints/" + c.ID + "/actions", JSON: app.ComplaintActInput{
			Action: complaint.Reply, Version: c.Version, Note: "收到 / noted"}}
	case "disputesPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/disputes"}
	case "disputePage":
		r = apitest.Request{Method: http.MethodGet, Path: "/disputes/" + aw.dispute(t, tg).ID}
	case "disputeActionForm":
		d := aw.dispute(t, tg)
		r = apitest.Request{Method: http.MethodPost, Path: "/disputes/" + d.ID + "/actions", Form: p.form(url.Values{
			"action": {"submit_evidence"}, "version": {strconv.FormatInt(d.Version, 10)}, "note": {"补充说明 / a statement"}})}
	case "complaintsPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/complaints"}
	case "complaintFileForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/complaints", Form: p.form(url.Values{
			"subject": {"服务差 / poor service"}, "about": {"platform"}, "description": {"没人处理 / nobody answers"}})}
	case "complaintPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/complaints/" + aw.complaint(t, tg, false).ID}
	case "complaintActionForm":
		c := aw.complaint(t, tg, p.role == app.RoleMerchant)
		r = apitest.Request{Method: http.MethodPost, Path: "/complaints/" + c.ID + "/actions", Form: p.form(url.Values{
			"action": {"reply"}, "version": {strconv.FormatInt(c.Version, 10)}, "note": {"收到 / noted"}})}
	default:
		return r, false
	}
	return p.as(r), true
}
