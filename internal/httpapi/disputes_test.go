package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/scheduler"
)

// The dispute scenarios of SPEC §5 (平台介入), one per category, on both stores: the case
// is escalated by the customer after the merchant's answer, the platform reviews it, asks
// for evidence, mediates or rules, and the case and the money follow the dispute.

// disputeWorld is the world with the platform's supervisor.
type disputeWorld struct {
	*world
	supervisor string
}

func newDisputeWorld(t *testing.T, env *apitest.Env) *disputeWorld {
	return &disputeWorld{world: newWorld(t, env), supervisor: env.Token(t, app.RoleSupervisor, "")}
}

// escalated opens a case of typ for reason on a ¥299 jacket of shop-a, has the merchant
// reject it and the customer take it to the platform; it returns the case and its dispute.
func (w *disputeWorld) escalated(t *testing.T, typ aftersale.Type, reason aftersale.Reason, mutate ...func(*app.OrderInput)) (app.CaseView, app.DisputeView) {
	t.Helper()
	in := w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))
	for _, m := range mutate {
		m(&in)
	}
	o := w.mustOrder(t, in)
	// A photo: quality claims need one (seed-platform evidence_for_quality).
	body, ct := apitest.Multipart("file", "photo.png", "image/png", pngBytes())
	up := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/attachments", Token: w.customer1, Body: body, ContentType: ct})
	var photo app.AttachmentView
	up.JSON(t, &photo)
	c := w.mustApply(t, w.customer1, app.ApplyInput{OrderNo: o.OrderNo, Type: typ, Reason: reason, Evidence: []string{photo.ID},
		Items: []policy.RequestItem{{SKU: "JACKET", Quantity: 1}}, Description: "有问题 / something is wrong"})
	c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Reject, Version: c.Version, Note: "不支持 / we do not accept it"})
	c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Escalate, Version: c.Version, Note: "商家拒绝不合理 / the rejection is unfair"})
	if c.State != aftersale.Disputed {
		t.Fatalf("escalated case is %s", c.State)
	}
	return c, w.disputeOf(t, w.customer1, c.ID)
}

// disputeOf is the open dispute of a case, as token sees it.
func (w *disputeWorld) disputeOf(t *testing.T, token, caseID string) app.DisputeView {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/disputes?open=true&case_id=" + caseID, Token: token})
	var l app.DisputeList
	if res.Status != http.StatusOK {
		t.Fatalf("GET disputes of %s: %d %s", caseID, res.Status, res.Body)
	}
	res.JSON(t, &l)
	if len(l.Disputes) != 1 {
		t.Fatalf("case %s has %d open disputes, want 1", caseID, len(l.Disputes))
	}
	return w.getDispute(t, token, l.Disputes[0].ID)
}

func (w *disputeWorld) getDispute(t *testing.T, token, id string) app.DisputeView {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/disputes/" + id, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET dispute %s: %d %s", id, res.Status, res.Body)
	}
	var v app.DisputeView
	res.JSON(t, &v)
	return v
}

func (w *disputeWorld) dact(t testing.TB, token string, d app.DisputeView, in app.DisputeActInput) *apitest.Response {
	t.Helper()
	if in.Version == 0 {
		in.Version = d.Version
	}
	return w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/disputes/" + d.ID + "/actions", Token: token, JSON: in})
}

// mustDact takes a dispute action that must succeed and returns the dispute after it.
func (w *disputeWorld) mustDact(t *testing.T, token string, d app.DisputeView, in app.DisputeActInput) app.DisputeView {
	t.Helper()
	res := w.dact(t, token, d, in)
	if res.Status != http.StatusOK {
		t.Fatalf("%s on dispute %s: %d %s", in.Action, d.Number, res.Status, res.Body)
	}
	var v app.DisputeView
	res.JSON(t, &v)
	return v
}

func (w *disputeWorld) caseLedger(t *testing.T, token, caseID string) app.CaseLedger {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseID + "/ledger", Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET ledger of %s: %d %s", caseID, res.Status, res.Body)
	}
	var l app.CaseLedger
	res.JSON(t, &l)
	return l
}

func amt(n int64) *int64 { return &n }

// Quality: the platform admits the dispute, asks the merchant for evidence, proposes that
// the customer keeps the jacket with ¥100 back; both sides accept (调解达成) and the case
// refunds ¥100 — the goods stay.
func TestDisputeQualityAgreedByMediation(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDisputeWorld(t, env)
		c, d := w.escalated(t, aftersale.ReturnRefund, aftersale.QualityDefect)
		if d.Category != dispute.Quality || d.State != dispute.Open || d.CaseState != aftersale.Rejected || d.Statement == "" {
			t.Fatalf("opened dispute %+v", d)
		}
		if !slices.Equal(d.AllowedActions, []dispute.Action{dispute.SubmitEvidence, dispute.Withdraw}) {
			t.Errorf("the customer may %v on an open dispute", d.AllowedActions)
		}
		// While disputed, the case's own decisions are the dispute's.
		if cv := w.getCase(t, w.supervisor, c.ID); slices.Contains(cv.AllowedActions, aftersale.Approve) {
			t.Errorf("a supervisor may still approve the disputed case itself: %v", cv.AllowedActions)
		}
		wantProblem(t, w.act(t, w.supervisor, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version + 1, Note: "ok"}), http.StatusConflict, app.CodeConflict)

		d = w.mustDact(t, w.agent, d, app.DisputeActInput{Action: dispute.Admit})
		d = w.mustDact(t, w.agent, d, app.DisputeActInput{Action: dispute.RequestEvidence, Party: dispute.MerchantSide, Note: "请提供出厂质检记录"})
		kinds := func(dls []app.DeadlineView) []aftersale.DeadlineKind {
			var ks []aftersale.DeadlineKind
			for _, dl := range dls {
				ks = append(ks, dl.Kind)
			}
			slices.Sort(ks)
			return ks
		}
		// The merchant's evidence is due, and so is its answer before the platform advances.
		if d.State != dispute.Evidence || !slices.Equal(kinds(d.Deadlines), []aftersale.DeadlineKind{dispute.AdvanceByRule, dispute.MerchantEvidence}) {
			t.Fatalf("after the request: %s, deadlines %+v", d.State, d.Deadlines)
		}
		dm := w.getDispute(t, w.merchantA, d.ID)
		dm = w.mustDact(t, w.merchantA, dm, app.DisputeActInput{Action: dispute.SubmitEvidence, Note: "出厂检验合格 / passed factory inspection"})
		if !dm.Requests[0].Answered || len(dm.Deadlines) != 0 {
			t.Errorf("the merchant's evidence did not answer the request: %+v, deadlines %+v", dm.Requests, dm.Deadlines)
		}
		d = w.mustDact(t, w.agent, dm, app.DisputeActInput{Action: dispute.Propose, Outcome: dispute.Split, Amount: amt(10000), Note: "保留商品,退款 ¥100"})
		dc := w.mustDact(t, w.customer1, w.getDispute(t, w.customer1, d.ID), app.DisputeActInput{Action: dispute.AcceptProposal})
		if dc.State != dispute.Mediation {
			t.Fatalf("one acceptance ended the mediation: %s", dc.State)
		}
		dm = w.mustDact(t, w.merchantA, w.getDispute(t, w.merchantA, d.ID), app.DisputeActInput{Action: dispute.AcceptProposal})
		if dm.State != dispute.Agreed {
			t.Fatalf("both accepted, the dispute is %s", dm.State)
		}
		cv := w.getCase(t, w.merchantA, c.ID)
		if cv.State != aftersale.Refunding || cv.RefundAmount != 10000 {
			t.Fatalf("the case after the agreement: %s, refund %d; want refunding ¥100", cv.State, cv.RefundAmount)
		}
		cv = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Refund, Version: cv.Version})
		env.SettlePayments(t)
		l := w.caseLedger(t, w.customer1, c.ID)
		if l.Refunded != 10000 || len(l.Entries) != 1 || l.Entries[0].Kind != ledger.Refund {
			t.Errorf("ledger %+v, want one refund of ¥100", l)
		}
		if cv.State != aftersale.Resolved {
			t.Errorf("case %s after the refund", cv.State)
		}
		// The history says what happened, in order.
		var acts []dispute.Action
		for _, e := range w.getDispute(t, w.supervisor, d.ID).History {
			acts = append(acts, e.Action)
		}
		want := []dispute.Action{dispute.OpenAction, dispute.Admit, dispute.RequestEvidence, dispute.SubmitEvidence, dispute.Propose, dispute.AcceptProposal, dispute.AcceptProposal}
		if !slices.Equal(acts, want) {
			t.Errorf("history %v, want %v", acts, want)
		}
	})
}

// Logistics: a parcel that never arrived; the merchant rejects, the platform rules for
// the customer (the carrier is liable) and the case refunds the whole order line.
func TestDisputeLogisticsRuledForTheCustomerWithARefund(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDisputeWorld(t, env)
		c, d := w.escalated(t, aftersale.RefundOnly, aftersale.NotReceived, func(o *app.OrderInput) { o.DeliveredAt = nil })
		if d.Category != dispute.Logistics {
			t.Fatalf("category %s, want logistics", d.Category)
		}
		d = w.mustDact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Admit})
		// Only a supervisor rules, and a ruling says why.
		wantProblem(t, w.dact(t, w.agent, d, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableCarrier, Basis: app.Text{ZH: "x"}}), http.StatusConflict, app.CodeConflict)
		wantProblem(t, w.dact(t, w.supervisor, d, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableCarrier}), http.StatusUnprocessableEntity, app.CodeInvalid, "basis")
		d = w.mustDact(t, w.supervisor, d, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableCarrier,
			Basis: app.Text{ZH: "物流轨迹显示包裹丢失,承运商责任", EN: "the tracking shows the parcel lost: the carrier is liable"}})
		if d.State != dispute.Ruled || d.Ruling == nil || d.Ruling.Amount != d.Refundable || d.Ruling.ByRule {
			t.Fatalf("ruling %+v", d.Ruling)
		}
		// Both sides see the ruling and its basis.
		for _, tok := range []string{w.customer1, w.merchantA} {
			if v := w.getDispute(t, tok, d.ID); v.Ruling == nil || v.Ruling.Basis.EN == "" || v.Ruling.LiabilityLabel.ZH != "承运商责任" {
				t.Errorf("a party sees the ruling as %+v", v.Ruling)
			}
		}
		cv := w.getCase(t, w.customer1, c.ID)
		if cv.State != aftersale.Refunding || cv.RefundAmount != d.Refundable {
			t.Fatalf("case %s refund %d after the ruling, want refunding %d", cv.State, cv.RefundAmount, d.Refundable)
		}
		if cv.History[len(cv.History)-1].Actor.Role != aftersale.Supervisor {
			t.Errorf("the ruling's case event is by %s", cv.History[len(cv.History)-1].Actor.Role)
		}
		// A dispute that ended takes no more actions.
		wantProblem(t, w.dact(t, w.customer1, w.getDispute(t, w.customer1, d.ID), app.DisputeActInput{Action: dispute.Withdraw}), http.StatusConflict, app.CodeConflict)
	})
}

// Order error: the wrong item; ruled for the customer, the case goes back to the return
// (the goods come back, then the money), and counterfeit goods award damages beyond it.
func TestDisputeOrderErrorRuledForTheCustomerWithAReturn(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDisputeWorld(t, env)
		c, d := w.escalated(t, aftersale.ReturnRefund, aftersale.WrongItem)
		if d.Category != dispute.OrderError {
			t.Fatalf("category %s", d.Category)
		}
		d = w.mustDact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Admit})
		sup := w.getDispute(t, w.supervisor, d.ID)
		i := slices.IndexFunc(sup.Standards, func(s app.StandardView) bool { return s.Code == "counterfeit" })
		if i < 0 || sup.Standards[i].Award != 4*29900 {
			t.Fatalf("standards %+v, want counterfeit awarding 4 × ¥299", sup.Standards)
		}
		// The standard sets the amount.
		wantProblem(t, w.dact(t, w.supervisor, sup, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableMerchant,
			Standard: "counterfeit", Amount: amt(100), Basis: app.Text{ZH: "售假"}}), http.StatusUnprocessableEntity, app.CodeInvalid, "amount")
		d = w.mustDact(t, w.supervisor, sup, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableMerchant,
			Standard: "counterfeit", Basis: app.Text{ZH: "鉴定为假货,退一赔三", EN: "appraised as counterfeit: refund plus three times the price"}})
		if d.Ruling.Amount != 4*29900 || d.Ruling.StandardName == nil {
			t.Fatalf("ruling %+v", d.Ruling)
		}
		cv := w.getCase(t, w.customer1, c.ID)
		if cv.State != aftersale.Approved {
			t.Fatalf("case %s after a ruling for the customer on a return, want approved (the goods come back)", cv.State)
		}
		env.SettlePayments(t)
		l := w.caseLedger(t, w.customer1, c.ID)
		damages := d.Ruling.Amount - d.Refundable
		if len(l.Entries) != 1 || l.Entries[0].Kind != ledger.Damages || l.Entries[0].Amount != damages || l.Entries[0].Payer != ledger.Merchant {
			t.Fatalf("ledger %+v, want damages of %d paid by the merchant", l.Entries, damages)
		}
		// The return goes on as usual: the refund comes after the goods.
		cv = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: cv.Version, Carrier: "SF", TrackingNo: "SF1234567890"})
		cv = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: cv.Version, Inspection: aftersale.InspectionPass})
		cv = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Refund, Version: cv.Version})
		env.SettlePayments(t)
		if l := w.caseLedger(t, w.customer1, c.ID); l.Refunded != d.Ruling.Amount {
			t.Errorf("the customer received %d, want the award %d", l.Refunded, d.Ruling.Amount)
		}
	})
}

// Service: the platform asks the customer for evidence, which she marks platform-only (the
// merchant never sees it), and rules for the merchant: the case closes.
func TestDisputeServiceRuledForTheMerchant(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDisputeWorld(t, env)
		c, d := w.escalated(t, aftersale.ReturnRefund, aftersale.NoReason)
		if d.Category != dispute.Service {
			t.Fatalf("category %s", d.Category)
		}
		d = w.mustDact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Admit})
		d = w.mustDact(t, w.agent, d, app.DisputeActInput{Action: dispute.RequestEvidence, Party: dispute.CustomerSide})
		dc := w.mustDact(t, w.customer1, w.getDispute(t, w.customer1, d.ID), app.DisputeActInput{Action: dispute.SubmitEvidence,
			Note: "我的身份证照片 / my ID card", PlatformOnly: true})
		w.mustDact(t, w.merchantA, w.getDispute(t, w.merchantA, d.ID), app.DisputeActInput{Action: dispute.SubmitEvidence, Note: "聊天记录 / chat log"})
		if len(dc.Evidence) != 1 || !dc.Evidence[0].PlatformOnly {
			t.Fatalf("the customer's own evidence %+v", dc.Evidence)
		}
		dm := w.getDispute(t, w.merchantA, d.ID)
		if len(dm.Evidence) != 1 || dm.Evidence[0].Party != dispute.MerchantSide {
			t.Errorf("the merchant sees %+v: the customer's platform-only evidence leaked", dm.Evidence)
		}
		for _, e := range dm.History {
			if strings.Contains(e.Note, "身份证") {
				t.Errorf("the merchant reads the customer's platform-only evidence in the history: %+v", e)
			}
		}
		if ds := w.getDispute(t, w.supervisor, d.ID); len(ds.Evidence) != 2 {
			t.Errorf("the platform sees %d submissions, want 2", len(ds.Evidence))
		}
		if dc := w.getDispute(t, w.customer1, d.ID); len(dc.Evidence) != 2 {
			t.Errorf("the customer sees %d submissions, want 2 (hers and the merchant's)", len(dc.Evidence))
		}
		ds := w.getDispute(t, w.supervisor, d.ID)
		wantProblem(t, w.dact(t, w.supervisor, ds, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForMerchant, Liability: dispute.LiableCustomer,
			Amount: amt(100), Basis: app.Text{ZH: "x"}}), http.StatusUnprocessableEntity, app.CodeInvalid, "amount")
		d = w.mustDact(t, w.supervisor, ds, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForMerchant, Liability: dispute.LiableCustomer,
			Basis: app.Text{ZH: "商品已拆封使用,不支持七天无理由退货", EN: "the goods were used: no seven-day no-reason return"}})
		if cv := w.getCase(t, w.customer1, c.ID); cv.State != aftersale.Closed {
			t.Errorf("case %s after a ruling for the merchant, want closed", cv.State)
		}
		if l := w.caseLedger(t, w.customer1, c.ID); len(l.Entries) != 0 {
			t.Errorf("a ruling for the merchant moved money: %+v", l.Entries)
		}
	})
}

// Customer error: the platform does not admit the dispute (不予受理) and says why; the
// merchant's decision stands.
func TestDisputeCustomerErrorDismissed(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDisputeWorld(t, env)
		c, d := w.escalated(t, aftersale.ReturnRefund, aftersale.SizeFit)
		wantProblem(t, w.dact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Dismiss}), http.StatusUnprocessableEntity, app.CodeInvalid, "note")
		wantProblem(t, w.dact(t, w.customer1, d, app.DisputeActInput{Action: dispute.Dismiss, Note: "x"}), http.StatusConflict, app.CodeConflict)
		d = w.mustDact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Dismiss, Category: dispute.CustomerError,
			Note: "消费者选错尺码且已超过无理由退货期 / the customer chose the wrong size after the no-reason window"})
		if d.State != dispute.Dismissed || d.Category != dispute.CustomerError || d.Dismissal == "" {
			t.Fatalf("dismissed dispute %+v", d)
		}
		if cv := w.getCase(t, w.customer1, c.ID); cv.State != aftersale.Closed {
			t.Errorf("case %s after the dismissal", cv.State)
		}
	})
}

// 先行赔付: the supervisor pays the customer from the platform before the ruling; the
// merchant owes it back (a recovery on the merchant's money page until settled); the
// ruling for the customer then owes the customer only what was not advanced.
func TestDisputeAdvanceAndRecovery(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDisputeWorld(t, env)
		c, d := w.escalated(t, aftersale.RefundOnly, aftersale.NotReceived, func(o *app.OrderInput) { o.DeliveredAt = nil })
		d = w.mustDact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Admit})
		ds := w.getDispute(t, w.supervisor, d.ID)
		wantProblem(t, w.dact(t, w.supervisor, ds, app.DisputeActInput{Action: dispute.Advance, Amount: amt(ds.Refundable + 1), Note: "x"}), http.StatusUnprocessableEntity, app.CodeInvalid, "amount")
		wantProblem(t, w.dact(t, w.agent, ds, app.DisputeActInput{Action: dispute.Advance, Amount: amt(100), Note: "x"}), http.StatusConflict, app.CodeConflict)
		d = w.mustDact(t, w.supervisor, ds, app.DisputeActInput{Action: dispute.Advance, Amount: amt(20000), Note: "商家失联,平台先行赔付 / the merchant is unreachable"})
		if d.Advanced != 20000 || d.State != dispute.Admitted {
			t.Fatalf("after the advance: advanced %d, %s", d.Advanced, d.State)
		}
		l := w.caseLedger(t, w.supervisor, c.ID)
		kinds := map[ledger.Kind]ledger.Entry{}
		for _, e := range l.Entries {
			kinds[e.Kind] = e.Entry
		}
		if adv, rec := kinds[ledger.Advance], kinds[ledger.Recovery]; adv.Amount != 20000 || adv.Payer != ledger.Platform || rec.Amount != 20000 || rec.Payer != ledger.Merchant || rec.Payee != ledger.Platform {
			t.Fatalf("entries %+v, want an advance by the platform and a recovery from the merchant", l.Entries)
		}
		// The merchant's money page shows what it owes back until it is settled.
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/ledger?kind=recovery&state=pending", Token: w.merchantA})
		var ml app.LedgerList
		res.JSON(t, &ml)
		if len(ml.Entries) != 1 || ml.Entries[0].Amount != 20000 {
			t.Fatalf("the merchant's pending recoveries %+v", ml.Entries)
		}
		// Nobody rules for the merchant once the platform has paid the customer, and the
		// customer cannot withdraw what was paid.
		ds = w.getDispute(t, w.supervisor, d.ID)
		wantProblem(t, w.dact(t, w.supervisor, ds, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForMerchant, Liability: dispute.LiableCustomer, Basis: app.Text{ZH: "x"}}),
			http.StatusUnprocessableEntity, app.CodeInvalid, "outcome")
		if dc := w.getDispute(t, w.customer1, d.ID); slices.Contains(dc.AllowedActions, dispute.Withdraw) {
			t.Errorf("the customer may withdraw after the advance")
		}
		env.SettlePayments(t)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/ledger?kind=recovery&state=succeeded", Token: w.merchantA})
		res.JSON(t, &ml)
		if len(ml.Entries) != 1 {
			t.Errorf("the recovery is not settled: %+v", ml.Entries)
		}
		d = w.mustDact(t, w.supervisor, ds, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableMerchant,
			Basis: app.Text{ZH: "质量问题属实", EN: "the defect is real"}})
		cv := w.getCase(t, w.merchantA, c.ID)
		if cv.State != aftersale.Refunding || cv.RefundAmount-cv.RefundedAmount != d.Refundable-20000 {
			t.Fatalf("case %s: refund %d, refunded %d; the merchant should owe the rest, %d", cv.State, cv.RefundAmount, cv.RefundedAmount, d.Refundable-20000)
		}
		w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Refund, Version: cv.Version})
		env.SettlePayments(t)
		if l := w.caseLedger(t, w.customer1, c.ID); l.Refunded != d.Refundable {
			t.Errorf("the customer received %d in all, want %d (advance and refund)", l.Refunded, d.Refundable)
		}
	})
}

// SPEC §5: a side that misses its evidence deadline loses by rule where the policy says
// so (seed-platform: quality, logistics, order errors). Three replicas' schedulers reach
// the deadline at once; the dispute is ruled once, by the platform, with the rule's basis.
func TestDisputeMerchantMissesEvidenceDeadlineLosesOnceWithThreeReplicas(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		start := time.Date(2026, 3, 9, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) // a Monday
		env.Clock.Set(start)
		w := newDisputeWorld(t, env)
		c, d := w.escalated(t, aftersale.ReturnRefund, aftersale.WrongItem, func(o *app.OrderInput) {
			paid, shipped, delivered := start.Add(-6*24*time.Hour), start.Add(-5*24*time.Hour), start.Add(-2*24*time.Hour)
			o.PaidAt, o.ShippedAt, o.DeliveredAt = paid, &shipped, &delivered
		})
		d = w.mustDact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Admit})
		due := start.Add(4 * time.Hour)
		d = w.mustDact(t, w.agent, d, app.DisputeActInput{Action: dispute.RequestEvidence, Party: dispute.MerchantSide, DueAt: &due})

		replicas := make([]*scheduler.Scheduler, 3)
		for i := range replicas {
			replicas[i] = scheduler.New(scheduler.Config{Store: env.Store, Firer: env.App, Owner: "replica-" + string(rune('a'+i)),
				Now: env.Clock.Now, Logger: slog.New(slog.DiscardHandler)})
		}
		runAll := func() {
			var wg sync.WaitGroup
			for _, r := range replicas {
				wg.Go(func() {
					for range 5 {
						if n, err := r.RunOnce(context.Background()); err != nil || n == 0 {
							return
						}
					}
				})
			}
			wg.Wait()
		}
		env.Clock.Set(due.Add(-time.Minute))
		runAll()
		if v := w.getDispute(t, w.supervisor, d.ID); v.State != dispute.Evidence {
			t.Fatalf("a minute before the deadline the dispute is %s", v.State)
		}
		env.Clock.Set(due)
		runAll()
		runAll()
		v := w.getDispute(t, w.supervisor, d.ID)
		if v.State != dispute.Ruled || v.Ruling == nil || !v.Ruling.ByRule || v.Ruling.Outcome != dispute.ForCustomer ||
			v.Ruling.Liability != dispute.LiableMerchant || v.Ruling.Actor.Role != aftersale.System || v.Ruling.Basis.ZH == "" {
			t.Fatalf("after the deadline: %s, ruling %+v", v.State, v.Ruling)
		}
		rules := 0
		for _, e := range v.History {
			if e.Action == dispute.Rule {
				rules++
				if !e.At.Equal(due) {
					t.Errorf("ruled at %s, want the deadline %s", e.At, due)
				}
			}
		}
		if rules != 1 {
			t.Errorf("%d rulings, want exactly 1", rules)
		}
		cv := w.getCase(t, w.customer1, c.ID)
		approvals := 0
		for _, e := range cv.History {
			if e.Action == aftersale.Approve && e.From == aftersale.Disputed {
				approvals++
			}
		}
		if cv.State != aftersale.Approved || approvals != 1 {
			t.Errorf("case %s with %d approvals from the dispute, want approved once", cv.State, approvals)
		}
	})
}

// The parties of another merchant's or customer's dispute get 404, and an admin or an
// integration does not act on disputes.
func TestDisputeIsolation(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDisputeWorld(t, env)
		_, d := w.escalated(t, aftersale.ReturnRefund, aftersale.QualityDefect)
		for _, tok := range []string{w.merchantB, w.customer2} {
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/disputes/" + d.ID, Token: tok})
			wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
			wantProblem(t, w.dact(t, tok, d, app.DisputeActInput{Action: dispute.SubmitEvidence, Note: "x"}), http.StatusNotFound, app.CodeNotFound)
			var l app.DisputeList
			env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/disputes", Token: tok}).JSON(t, &l)
			if len(l.Disputes) != 0 {
				t.Errorf("another party lists %d disputes", len(l.Disputes))
			}
		}
		wantProblem(t, w.dact(t, w.admin, d, app.DisputeActInput{Action: dispute.Admit}), http.StatusForbidden, app.CodeForbidden)
		wantProblem(t, w.dact(t, w.shop, d, app.DisputeActInput{Action: dispute.Admit}), http.StatusForbidden, app.CodeForbidden)
		// A stale version is a conflict naming what may be done.
		d = w.mustDact(t, w.agent, w.getDispute(t, w.agent, d.ID), app.DisputeActInput{Action: dispute.Admit})
		p := wantProblem(t, w.dact(t, w.agent, d, app.DisputeActInput{Action: dispute.Propose, Version: d.Version - 1, Outcome: dispute.Split, Amount: amt(100)}), http.StatusConflict, app.CodeConflict)
		if p.AllowedActions == nil || len(*p.AllowedActions) == 0 {
			t.Errorf("the conflict names no allowed actions: %+v", p)
		}
	})
}

// SPEC §5 complaints: tier 1 (agent) misses its first response, the complaint goes to
// tier 2 (supervisor) by itself; tier 2 misses too, and it reaches tier 3 (the manager).
func TestComplaintClimbsToTierThreeOnBreaches(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		start := time.Date(2026, 3, 9, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) // a Monday
		env.Clock.Set(start)
		w := newDisputeWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: w.customer1, JSON: app.ComplaintInput{
			Subject: "客服态度差 / rude agent", About: complaint.AboutAgent, CaseID: c.ID, Description: "客服挂断电话 / the agent hung up"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("file: %d %s", res.Status, res.Body)
		}
		var cv app.ComplaintView
		res.JSON(t, &cv)
		if cv.Tier != 1 || cv.FirstResponseDue == nil || !cv.FirstResponseDue.Equal(start.Add(4*time.Hour)) {
			t.Fatalf("filed complaint tier %d, first response due %v; want tier 1 due 14:00", cv.Tier, cv.FirstResponseDue)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints", Token: w.customer1,
			JSON: app.ComplaintInput{About: complaint.AboutAgent, Description: "x"}}), http.StatusUnprocessableEntity, app.CodeInvalid, "subject")

		check := func() int {
			n, err := env.App.CheckComplaints(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		get := func(token string) app.ComplaintView {
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/complaints/" + cv.ID, Token: token})
			if res.Status != http.StatusOK {
				t.Fatalf("GET complaint: %d %s", res.Status, res.Body)
			}
			var v app.ComplaintView
			res.JSON(t, &v)
			return v
		}
		env.Clock.Set(start.Add(4*time.Hour - time.Second))
		if n := check(); n != 0 {
			t.Fatalf("before the target %d complaints moved", n)
		}
		env.Clock.Set(start.Add(4 * time.Hour))
		if n := check(); n != 1 {
			t.Fatalf("at tier 1's first-response target %d complaints moved", n)
		}
		v := get(w.supervisor)
		if v.Tier != 2 || !slices.Contains(v.AllowedActions, complaint.Resolve) {
			t.Fatalf("after tier 1's breach: tier %d, the supervisor may %v", v.Tier, v.AllowedActions)
		}
		if a := get(w.agent); slices.Contains(a.AllowedActions, complaint.Resolve) {
			t.Errorf("an agent may still resolve a tier-2 complaint")
		}
		if n := check(); n != 0 {
			t.Errorf("a second look escalated %d more", n)
		}
		// Tier 2: 2 business hours.
		env.Clock.Set(start.Add(6 * time.Hour))
		if n := check(); n != 1 {
			t.Fatalf("at tier 2's first-response target %d complaints moved", n)
		}
		v = get(w.admin)
		if v.Tier != 3 || v.TierLabel.EN != "Tier 3 · manager" {
			t.Fatalf("after tier 2's breach: tier %d", v.Tier)
		}
		breaches := 0
		for _, e := range v.History {
			if e.Action == complaint.Breach {
				breaches++
				if e.Actor.Role != "system" {
					t.Errorf("breach by %s", e.Actor.Role)
				}
			}
		}
		if breaches != 2 {
			t.Errorf("%d breaches in the history, want 2", breaches)
		}
		// The manager resolves it; the customer may reopen.
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints/" + cv.ID + "/actions", Token: w.admin,
			JSON: app.ComplaintActInput{Action: complaint.Resolve, Version: v.Version}}), http.StatusUnprocessableEntity, app.CodeInvalid, "resolution")
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/complaints/" + cv.ID + "/actions", Token: w.admin,
			JSON: app.ComplaintActInput{Action: complaint.Resolve, Version: v.Version, Resolution: "已约谈客服并致歉 / the agent apologised"}})
		if res.Status != http.StatusOK {
			t.Fatalf("resolve: %d %s", res.Status, res.Body)
		}
		if v := get(w.customer1); v.State != complaint.Resolved || !slices.Contains(v.AllowedActions, complaint.Reopen) {
			t.Errorf("the customer sees %s and may %v", v.State, v.AllowedActions)
		}
		// Others do not see it.
		for _, tok := range []string{w.customer2, w.merchantB} {
			wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/complaints/" + cv.ID, Token: tok}), http.StatusNotFound, app.CodeNotFound)
		}
	})
}
