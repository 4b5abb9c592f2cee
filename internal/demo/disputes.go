package demo

import (
	"fmt"
	"slices"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
)

// A disputed case is decided through its dispute (SPEC §5): when the simulation's
// supervisor would approve or reject a disputed case, or its customer cancel it, the
// platform works the dispute instead — admission or dismissal, evidence asked and given,
// a mediation both sides accept, an advance (先行赔付) and a ruling with its basis — and
// the case follows.

var disputeBasisForCustomer = []dispute.Text{
	{ZH: "商家未能提供有效凭证,支持消费者诉求", EN: "the merchant gave no valid evidence: the customer's request stands"},
	{ZH: "消费者提供的照片显示质量问题属实", EN: "the customer's photos show the defect"},
	{ZH: "物流记录与商家陈述不符,商家承担责任", EN: "the tracking contradicts the merchant: the merchant is liable"},
}

var disputeBasisForMerchant = []dispute.Text{
	{ZH: "商品已使用且影响二次销售,不支持退货", EN: "the goods were used and cannot be resold: no return"},
	{ZH: "消费者未能提供问题凭证", EN: "the customer gave no evidence of a problem"},
}

var evidenceNotes = map[dispute.Party][]string{
	dispute.CustomerSide: {"已上传开箱视频和问题照片", "聊天记录截图:客服承认发错货", "快递签收时外箱已破损"},
	dispute.MerchantSide: {"出库检验记录:发货时商品完好", "发货视频,请平台查看", "物流签收记录显示本人签收"},
}

var dismissNotes = []string{"申请理由与订单情况不符,不予受理", "已超过平台介入受理期限", "消费者误操作申请,商家处理无误"}

// settleDispute works the case's dispute to the end mv stands for and returns the case.
func (s *sim) settleDispute(c *caseSim, mv move) (*app.CaseView, error) {
	sup := s.principal(c, platformSupervisor)
	ds, err := s.a.CaseDisputes(s.ctx, sup, c.id)
	if err != nil {
		return nil, fmt.Errorf("disputes of case %s: %w", c.id, err)
	}
	i := slices.IndexFunc(ds, func(d app.DisputeView) bool { return !d.State.Terminal() })
	if i < 0 {
		return nil, fmt.Errorf("case %s is disputed without an open dispute", c.id)
	}
	d := ds[i]
	r := c.o.r
	buyer, merchant := customer(c.o.cust.ID), s.staffOf(c)
	do := func(p app.Principal, in app.DisputeActInput) error {
		in.Version = d.Version
		rep, err := s.a.DisputeAct(s.ctx, p, d.ID, in, nil)
		if err != nil {
			return fmt.Errorf("%s %s on dispute %s (case %s, %s): %w", p.Role, in.Action, d.Number, c.id, d.State, err)
		}
		d = *rep.Value
		return nil
	}
	evidence := func(party dispute.Party, who app.Principal) error {
		if err := do(sup, app.DisputeActInput{Action: dispute.RequestEvidence, Party: party}); err != nil {
			return err
		}
		return do(who, app.DisputeActInput{Action: dispute.SubmitEvidence, Note: pickString(r, evidenceNotes[party])})
	}
	steps := func() error {
		switch mv.in.Action {
		case aftersale.Cancel:
			return do(buyer, app.DisputeActInput{Action: dispute.Withdraw, Note: mv.in.Note})
		case aftersale.Reject:
			if r.IntN(100) < 25 {
				return do(sup, app.DisputeActInput{Action: dispute.Dismiss, Category: dispute.CustomerError, Note: pickString(r, dismissNotes)})
			}
			if err := do(sup, app.DisputeActInput{Action: dispute.Admit}); err != nil {
				return err
			}
			if err := evidence(dispute.CustomerSide, buyer); err != nil {
				return err
			}
			return do(sup, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForMerchant, Liability: dispute.LiableCustomer,
				Basis: disputeBasisForMerchant[r.IntN(len(disputeBasisForMerchant))]})
		}
		if err := do(sup, app.DisputeActInput{Action: dispute.Admit}); err != nil {
			return err
		}
		floor := d.PaidBack + d.Advanced // what the customer already has
		switch n := r.IntN(100); {
		case n < 35 && d.Refundable-floor > 200:
			if err := evidence(dispute.MerchantSide, merchant); err != nil {
				return err
			}
			half := (d.Refundable + floor) / 2
			if err := do(sup, app.DisputeActInput{Action: dispute.Propose, Outcome: dispute.Split, Amount: &half,
				Note: "保留商品,部分退款 / keep the goods with part of the money back"}); err != nil {
				return err
			}
			if err := do(buyer, app.DisputeActInput{Action: dispute.AcceptProposal}); err != nil {
				return err
			}
			return do(merchant, app.DisputeActInput{Action: dispute.AcceptProposal})
		case n < 45 && d.Refundable-floor > 0:
			room := d.Refundable - floor
			if err := do(sup, app.DisputeActInput{Action: dispute.Advance, Amount: &room, Note: "商家未及时回应,平台先行赔付"}); err != nil {
				return err
			}
		case n < 70:
			if err := evidence(dispute.MerchantSide, merchant); err != nil {
				return err
			}
		}
		return do(sup, app.DisputeActInput{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableMerchant,
			Basis: disputeBasisForCustomer[r.IntN(len(disputeBasisForCustomer))]})
	}
	if err := steps(); err != nil {
		return nil, err
	}
	s.sum.Disputes++
	if d.Ruling != nil && d.Ruling.Outcome == dispute.ForMerchant || d.State == dispute.Dismissed {
		if err := s.maybeComplain(c, 40); err != nil {
			return nil, err
		}
	}
	return s.a.GetCase(s.ctx, sup, c.id)
}

var complaintTexts = []struct {
	about   complaint.About
	subject string
	text    string
}{
	{complaint.AboutMerchant, "商家拒绝退货态度恶劣", "客服说话很不客气,还挂断了电话。"},
	{complaint.AboutMerchant, "商家迟迟不处理售后", "申请三天了没有人回复。"},
	{complaint.AboutAgent, "平台客服推诿", "平台客服让我找商家,商家让我找平台。"},
	{complaint.AboutPlatform, "退款到账太慢", "显示已退款,但银行卡一直没有收到。"},
}

// maybeComplain has the customer of a case complain, percent times in a hundred (投诉):
// after a rejection, or a dispute lost. The desk answers some at once, and the server's
// complaint clock moves the rest up its tiers.
func (s *sim) maybeComplain(c *caseSim, percent int) error {
	r := c.o.r
	if r.IntN(100) >= percent {
		return nil
	}
	t := complaintTexts[r.IntN(len(complaintTexts))]
	buyer := customer(c.o.cust.ID)
	rep, err := s.a.FileComplaint(s.ctx, buyer, app.ComplaintInput{Subject: t.subject, About: t.about, CaseID: c.id, Description: t.text}, nil)
	if err != nil {
		return fmt.Errorf("complaint on case %s: %w", c.id, err)
	}
	s.sum.Complaints++
	if r.IntN(100) < 60 {
		cv := rep.Value
		sup := s.principal(c, platformSupervisor)
		if _, err := s.a.ComplaintAct(s.ctx, sup, cv.ID, app.ComplaintActInput{Action: complaint.Resolve, Version: cv.Version,
			Resolution: "已联系商家核实并向您致歉,售后申请已重新审核"}, nil); err != nil {
			return fmt.Errorf("resolve complaint %s: %w", cv.Number, err)
		}
	}
	return nil
}
