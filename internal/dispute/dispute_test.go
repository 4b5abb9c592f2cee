package dispute

import (
	"errors"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// terms is a fixed policy: evidence in two days, losing by default in quality disputes,
// advancing three days after admission, one standard of refund plus three times the price.
type terms struct{}

func (terms) EvidenceDue(now time.Time) time.Time        { return now.Add(48 * time.Hour) }
func (terms) LosesByDefault(c Category) bool             { return c == Quality }
func (terms) AdvanceDue(now time.Time) (time.Time, bool) { return now.Add(72 * time.Hour), true }
func (terms) Standard(code string) (Standard, bool) {
	if code == "counterfeit" {
		return Standard{Code: code, Name: Text{ZH: "退一赔三", EN: "refund plus three times"}, PercentBP: 40000}, true
	}
	return Standard{}, false
}

var (
	t0       = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	buyer    = aftersale.Actor{Role: aftersale.Customer, ID: "c1"}
	shop     = aftersale.Actor{Role: aftersale.Merchant, ID: "m1"}
	agent    = aftersale.Actor{Role: aftersale.Agent, ID: "a1"}
	boss     = aftersale.Actor{Role: aftersale.Supervisor, ID: "s1"}
	yuan     = func(fen int64) *money.Amount { a := money.Yuan(fen); return &a }
	disputed = func(reason aftersale.Reason) Dispute {
		c := aftersale.Case{ID: "case-1", Number: "AS1", Reason: reason, Type: aftersale.ReturnRefund, ItemsPaid: money.Yuan(29900),
			Items:          []aftersale.Item{{SKU: "J", Quantity: 1, PaidAmount: money.Yuan(29900), Refundable: money.Yuan(29900)}},
			ShippingRefund: money.Yuan(0), RefundedAmount: money.Yuan(0)}
		return New("d-1", &c, aftersale.Rejected, buyer, "不合理", t0).Dispute
	}
)

func must(t *testing.T, d Dispute, cmd Command) Result {
	t.Helper()
	res, err := Transition(d, cmd, t0.Add(time.Hour), terms{})
	if err != nil {
		t.Fatalf("%s by %s in %s: %v", cmd.Action, cmd.Actor.Role, d.State, err)
	}
	if res.Event.Seq != d.Version+1 || res.Dispute.Version != d.Version+1 || res.Event.From != d.State || res.Event.To != res.Dispute.State {
		t.Fatalf("event %+v for version %d", res.Event, d.Version)
	}
	return res
}

func invalidField(t *testing.T, err error, field string) {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Field != field || ie.Message.ZH == "" || ie.Message.EN == "" {
		t.Fatalf("err %v, want an invalid %s in zh and en", err, field)
	}
}

func TestSuggestedCategory(t *testing.T) {
	for r, want := range map[aftersale.Reason]Category{aftersale.QualityDefect: Quality, aftersale.LostParcel: Logistics,
		aftersale.WrongItem: OrderError, aftersale.NoReason: Service} {
		if got := Suggest(r); got != want {
			t.Errorf("Suggest(%s) = %s, want %s", r, got, want)
		}
	}
}

func TestAdmitAndRuleForTheCustomerApprovesTheCase(t *testing.T) {
	d := disputed(aftersale.QualityDefect)
	res := must(t, d, Command{Action: Admit, Actor: agent})
	if len(res.Effects.Set) != 1 || res.Effects.Set[0].Kind != AdvanceByRule {
		t.Fatalf("admission set %+v, want the advance-by-rule deadline", res.Effects.Set)
	}
	res = must(t, res.Dispute, Command{Action: Rule, Actor: boss, Outcome: ForCustomer, Liability: LiableMerchant, Basis: Text{ZH: "质量问题"}})
	if m := res.Effects.Case; m == nil || m.Action != aftersale.Approve || m.Amount != nil {
		t.Fatalf("case move %+v, want approve the whole", m)
	}
	if !slices.Equal(res.Effects.Cancel, []DeadlineKind{AdvanceByRule}) || len(res.Dispute.Deadlines) != 0 {
		t.Errorf("the ruling left clocks: cancel %v, deadlines %v", res.Effects.Cancel, res.Dispute.Deadlines)
	}
	if _, err := Transition(res.Dispute, Command{Action: Withdraw, Actor: buyer}, t0, terms{}); err == nil {
		t.Error("a ruled dispute was withdrawn")
	}
}

func TestAwards(t *testing.T) {
	d := must(t, disputed(aftersale.QualityDefect), Command{Action: Admit, Actor: agent}).Dispute
	rule := func(o Outcome, amount *money.Amount, std string) (Result, error) {
		return Transition(d, Command{Action: Rule, Actor: boss, Outcome: o, Liability: LiableMerchant, Amount: amount, Standard: std, Basis: Text{EN: "why"}}, t0, terms{})
	}
	res, err := rule(ForCustomer, nil, "counterfeit")
	if err != nil || res.Effects.Compensation != money.Yuan(3*29900) || res.Effects.Payer != LiableMerchant || res.Dispute.Ruling.Amount != money.Yuan(4*29900) {
		t.Fatalf("counterfeit: %+v, %v", res.Effects, err)
	}
	_, err = rule(ForCustomer, yuan(100), "counterfeit")
	invalidField(t, err, "amount")
	_, err = rule(ForMerchant, nil, "counterfeit")
	invalidField(t, err, "standard")
	_, err = rule(Split, yuan(29900), "")
	invalidField(t, err, "amount")
	res, err = rule(Split, yuan(10000), "")
	if err != nil || res.Effects.Case.Amount == nil || *res.Effects.Case.Amount != money.Yuan(10000) {
		t.Fatalf("split: %+v, %v", res.Effects.Case, err)
	}
	_, err = rule(ForMerchant, yuan(1), "")
	invalidField(t, err, "amount")
	_, err = Transition(d, Command{Action: Rule, Actor: boss, Outcome: ForCustomer, Liability: "weather", Basis: Text{EN: "x"}}, t0, terms{})
	invalidField(t, err, "liability")
	_, err = Transition(d, Command{Action: Rule, Actor: agent, Outcome: ForCustomer, Liability: LiableMerchant, Basis: Text{EN: "x"}}, t0, terms{})
	var na *NotAllowedError
	if !errors.As(err, &na) {
		t.Errorf("an agent ruled: %v", err)
	}
}

func TestAdvanceThenTheRulingKeepsIt(t *testing.T) {
	d := must(t, disputed(aftersale.QualityDefect), Command{Action: Admit, Actor: agent}).Dispute
	_, err := Transition(d, Command{Action: Advance, Actor: boss, Amount: yuan(29901), Note: "x"}, t0, terms{})
	invalidField(t, err, "amount")
	res := must(t, d, Command{Action: Advance, Actor: boss, Amount: yuan(20000), Note: "商家失联"})
	if res.Effects.Advance != money.Yuan(20000) || res.Dispute.Advanced != money.Yuan(20000) || res.Dispute.State != Admitted {
		t.Fatalf("advance: %+v", res.Effects)
	}
	d = res.Dispute
	if slices.Contains(Allowed(&d, aftersale.Customer), Withdraw) {
		t.Error("the customer may withdraw after an advance")
	}
	_, err = Transition(d, Command{Action: Rule, Actor: boss, Outcome: ForMerchant, Liability: LiableCustomer, Basis: Text{EN: "x"}}, t0, terms{})
	invalidField(t, err, "outcome")
	_, err = Transition(d, Command{Action: Rule, Actor: boss, Outcome: Split, Amount: yuan(10000), Liability: LiableMerchant, Basis: Text{EN: "x"}}, t0, terms{})
	invalidField(t, err, "amount")
}

func TestMediationNeedsBothSides(t *testing.T) {
	d := must(t, disputed(aftersale.NoReason), Command{Action: Admit, Actor: agent}).Dispute
	d = must(t, d, Command{Action: Propose, Actor: agent, Outcome: Split, Amount: yuan(5000)}).Dispute
	d = must(t, d, Command{Action: AcceptProposal, Actor: shop}).Dispute
	if d.State != Mediation || slices.Contains(Allowed(&d, aftersale.Merchant), AcceptProposal) {
		t.Fatalf("after one acceptance: %s, merchant may %v", d.State, Allowed(&d, aftersale.Merchant))
	}
	res := must(t, d, Command{Action: AcceptProposal, Actor: buyer})
	if res.Dispute.State != Agreed || res.Effects.Case == nil || *res.Effects.Case.Amount != money.Yuan(5000) {
		t.Fatalf("agreement: %s %+v", res.Dispute.State, res.Effects.Case)
	}
}

func TestEvidenceDeadline(t *testing.T) {
	for _, tc := range []struct {
		reason aftersale.Reason
		party  Party
		want   Action
		out    Outcome
	}{
		{aftersale.QualityDefect, MerchantSide, Rule, ForCustomer},
		{aftersale.QualityDefect, CustomerSide, Rule, ForMerchant},
		{aftersale.NoReason, MerchantSide, Lapse, ""}, // service disputes do not lose by default
	} {
		d := must(t, disputed(tc.reason), Command{Action: Admit, Actor: agent}).Dispute
		d = must(t, d, Command{Action: RequestEvidence, Actor: agent, Party: tc.party}).Dispute
		due := d.Requests[0].DueAt
		if _, ok := TimeoutCommand(&d, EvidenceKind(tc.party), due.Add(-time.Second), terms{}); ok {
			t.Fatalf("the deadline acted a second early")
		}
		cmd, ok := TimeoutCommand(&d, EvidenceKind(tc.party), due, terms{})
		if !ok || cmd.Action != tc.want || cmd.Outcome != tc.out || cmd.Actor.Role != aftersale.System {
			t.Fatalf("%s/%s: timeout %+v %v", tc.reason, tc.party, cmd, ok)
		}
		res, err := Transition(d, cmd, due, terms{})
		if err != nil {
			t.Fatalf("the clock's %s: %v", cmd.Action, err)
		}
		if tc.want == Rule && (!res.Dispute.Ruling.ByRule || res.Dispute.Ruling.Basis.ZH == "" || res.Dispute.Ruling.Basis.EN == "") {
			t.Errorf("ruling by rule %+v", res.Dispute.Ruling)
		}
		if _, ok := TimeoutCommand(&res.Dispute, EvidenceKind(tc.party), due, terms{}); ok {
			t.Errorf("the deadline acts twice")
		}
	}
	// Evidence in time stops the clock.
	d := must(t, disputed(aftersale.QualityDefect), Command{Action: Admit, Actor: agent}).Dispute
	d = must(t, d, Command{Action: RequestEvidence, Actor: agent, Party: MerchantSide}).Dispute
	res := must(t, d, Command{Action: SubmitEvidence, Actor: shop, Note: "质检报告"})
	if !slices.Contains(res.Effects.Cancel, MerchantEvidence) || !slices.Contains(res.Effects.Cancel, AdvanceByRule) {
		t.Errorf("the merchant's evidence cancelled %v", res.Effects.Cancel)
	}
	if _, ok := TimeoutCommand(&res.Dispute, MerchantEvidence, t0.Add(1000*time.Hour), terms{}); ok {
		t.Error("an answered request still times out")
	}
}

// Property: whatever anyone does in any order, the platform never advances more than the
// case may still pay back, an award is never below what the customer already has, every
// transition is one event of one version, and an ended dispute leaves no clock running.
func TestPropertyDisputeMoney(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := disputed(rapid.SampledFrom([]aftersale.Reason{aftersale.QualityDefect, aftersale.NoReason, aftersale.WrongItem}).Draw(t, "reason"))
		now := t0
		actors := []aftersale.Actor{buyer, shop, agent, boss, aftersale.SystemActor}
		for range rapid.IntRange(1, 30).Draw(t, "steps") {
			now = now.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "hours")) * time.Hour)
			a := rapid.SampledFrom(actors).Draw(t, "actor")
			var cmd Command
			if a.Role == aftersale.System {
				if len(d.Deadlines) == 0 {
					continue
				}
				k := rapid.SampledFrom(d.Deadlines).Draw(t, "deadline").Kind
				var ok bool
				if cmd, ok = TimeoutCommand(&d, k, now, terms{}); !ok {
					continue
				}
			} else {
				acts := Allowed(&d, a.Role)
				if len(acts) == 0 {
					continue
				}
				cmd = Command{Action: rapid.SampledFrom(acts).Draw(t, "action"), Actor: a, Note: "n",
					Party:   rapid.SampledFrom([]Party{CustomerSide, MerchantSide}).Draw(t, "party"),
					Outcome: rapid.SampledFrom(Outcomes).Draw(t, "outcome"), Liability: rapid.SampledFrom(Liabilities).Draw(t, "liability"),
					Basis: Text{ZH: "依据"}}
				if rapid.Bool().Draw(t, "with_amount") {
					cmd.Amount = yuan(rapid.Int64Range(0, 40000).Draw(t, "amount"))
				}
			}
			res, err := Transition(d, cmd, now, terms{})
			if err != nil {
				var ie *InvalidError
				if !errors.As(err, &ie) {
					t.Fatalf("%s by %s: %v", cmd.Action, a.Role, err)
				}
				continue
			}
			n := res.Dispute
			if res.Event.Seq != d.Version+1 || n.Version != d.Version+1 {
				t.Fatalf("event seq %d for version %d", res.Event.Seq, d.Version)
			}
			if n.Advanced.Cmp(n.Refundable.MustSub(n.PaidBack)) > 0 || n.Advanced.Cmp(d.Advanced) < 0 {
				t.Fatalf("advanced %v of %v", n.Advanced, n.Refundable)
			}
			if m := res.Effects.Case; m != nil && m.Amount != nil && m.Amount.Cmp(n.Advanced) < 0 {
				t.Fatalf("the case refunds %v after an advance of %v", m.Amount, n.Advanced)
			}
			if n.State.Terminal() && len(n.Deadlines) != 0 {
				t.Fatalf("ended %s with clocks %v", n.State, n.Deadlines)
			}
			if n.State.Terminal() != (res.Effects.Case != nil) {
				t.Fatalf("%s and case move %+v", n.State, res.Effects.Case)
			}
			d = n
		}
	})
}
