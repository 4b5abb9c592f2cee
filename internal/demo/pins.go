package demo

import (
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/policy"
)

// pin is a case set aside so that the data has a case in every state of the life cycle,
// whatever the size of the run: it is applied for shortly before the end, its parties act
// within hours along the usual path (or the detour in Instead), and nobody acts once it
// reaches Target — so at the end it waits there, its deadline still ahead.
type pin struct {
	Target   aftersale.State
	Shop     string
	Type     aftersale.Type
	Reason   aftersale.Reason
	Evidence bool
	Item     func(*sku) bool
	Ask      int     // compensation asked for, percent of what was paid
	Signed   float64 // days between signing for the goods and applying
	Steps    int     // actions before the target, for the time they take
	Instead  map[aftersale.State]step
	Desc     string
}

// step is an action with what it needs to be told apart (a failed inspection).
type step struct {
	Action aftersale.Action
	Fail   bool
}

// pinStep is the most a pinned case's party takes to act.
const pinStep = 3 * time.Hour

// notCheap keeps pinned cases out of the one-click approval of cheap no-reason returns.
func notCheap(s *sku) bool { return s.Price > 10000 }

func repairableNotCheap(s *sku) bool { return s.Repairable && notCheap(s) }

var pinned = []pin{
	{Target: aftersale.Requested, Shop: "yichu-fashion", Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Evidence: true,
		Desc: "袖口开线,申请退货退款"},
	{Target: aftersale.InfoRequested, Shop: "jike-digital", Type: aftersale.ReturnRefund, Reason: aftersale.NotAsDescribed, Evidence: true, Steps: 1,
		Instead: map[aftersale.State]step{aftersale.Requested: {Action: aftersale.RequestInfo}}, Desc: "续航远不到宣传的30小时"},
	{Target: aftersale.Rejected, Shop: "yichu-fashion", Type: aftersale.ReturnRefund, Reason: aftersale.ChangedMind, Steps: 1,
		Instead: map[aftersale.State]step{aftersale.Requested: {Action: aftersale.Reject}}, Desc: "不想要了"},
	{Target: aftersale.Approved, Shop: "yueju-home", Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Steps: 1,
		Desc: "七天无理由退货,未拆封"},
	{Target: aftersale.Returning, Shop: "yichu-fashion", Type: aftersale.Exchange, Reason: aftersale.SizeFit, Steps: 2,
		Desc: "偏小,换大一码"},
	{Target: aftersale.ReturnDelivered, Shop: "yueju-home", Type: aftersale.ReturnRefund, Reason: aftersale.ChangedMind, Steps: 3,
		Desc: "家里已经有了"},
	{Target: aftersale.InspectionFailed, Shop: "yichu-fashion", Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Steps: 4,
		Instead: map[aftersale.State]step{aftersale.ReturnDelivered: {Action: aftersale.ConfirmReceipt, Fail: true}}, Desc: "上身效果不好"},
	{Target: aftersale.Refunding, Shop: "jike-digital", Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Evidence: true, Steps: 4,
		Desc: "耳机右耳有电流声"},
	{Target: aftersale.ExchangePending, Shop: "yichu-fashion", Type: aftersale.Exchange, Reason: aftersale.SizeFit, Steps: 4,
		Desc: "换小一码"},
	{Target: aftersale.Repairing, Shop: "jike-digital", Type: aftersale.Repair, Reason: aftersale.QualityDefect, Evidence: true, Steps: 4,
		Item: repairableNotCheap, Signed: 20, Desc: "充电后无法开机"},
	{Target: aftersale.Quoted, Shop: "jiangxin-custom", Type: aftersale.Repair, Reason: aftersale.QualityDefect, Evidence: true, Steps: 5,
		Item: repairableNotCheap, Signed: 32, Desc: "钱包缝线开裂"}, // the shop repairs free for 30 days
	{Target: aftersale.RepairChoice, Shop: "jike-digital", Type: aftersale.Repair, Reason: aftersale.QualityDefect, Evidence: true, Steps: 6,
		Item: repairableNotCheap, Signed: 25, Instead: map[aftersale.State]step{aftersale.Repairing: {Action: aftersale.RepairFailed}},
		Desc: "屏幕反复出现坏点"},
	{Target: aftersale.Reshipping, Shop: "xianfeng-fresh", Type: aftersale.Reship, Reason: aftersale.MissingParts, Steps: 1, Signed: 0.3,
		Desc: "礼盒里少了两只蟹"},
	{Target: aftersale.Offered, Shop: "xianfeng-fresh", Type: aftersale.Compensation, Reason: aftersale.DamagedInTransit, Evidence: true, Ask: 30,
		Steps: 1, Signed: 0.3, Desc: "泡沫箱破了,冰袋全化了"},
	{Target: aftersale.Resolved, Shop: "yueju-home", Type: aftersale.Reship, Reason: aftersale.MissingParts, Steps: 2,
		Desc: "吸尘器少了一个刷头"},
	{Target: aftersale.Disputed, Shop: "yichu-fashion", Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Evidence: true, Steps: 2,
		Instead: map[aftersale.State]step{aftersale.Requested: {Action: aftersale.Reject}}, Desc: "洗了一次就严重褪色"},
	{Target: aftersale.Completed, Shop: "jike-digital", Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Steps: 6,
		Desc: "七天无理由,包装完好未激活"},
	{Target: aftersale.Closed, Shop: "yueju-home", Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Steps: 1,
		Instead: map[aftersale.State]step{aftersale.Requested: {Action: aftersale.Cancel}}, Desc: "拍错了"},
}

// pins returns the pinned cases whose orders fit in the run.
func (s *sim) pins(first time.Time) []pin {
	var out []pin
	for _, p := range pinned {
		if p.Signed == 0 {
			p.Signed = 1.5
		}
		if p.Item == nil {
			p.Item = notCheap
		}
		sh := shopByCode(p.Shop)
		if !s.pinApplyAt(&p).Add(-days(p.Signed) - hours(float64(sh.TransHrs[1]+sh.ShipHrs[1]))).After(first) {
			continue // the run is too short for this one
		}
		out = append(out, p)
	}
	return out
}

// pinApplyAt is when a pinned case is applied for: early enough for its steps to be taken
// before the end.
func (s *sim) pinApplyAt(p *pin) time.Time {
	return s.end.Add(-time.Duration(p.Steps)*pinStep - 2*time.Hour)
}

// pinnedOrder is the order of a pinned case: one line of a suitable product, delivered
// p.Signed days before the application.
func (s *sim) pinnedOrder(idx int, p *pin) *orderSim {
	r := s.rng(1<<20 + uint64(idx))
	var si int
	for i, sh := range shops {
		if sh.Code == p.Shop {
			si = i
		}
	}
	sh := shops[si]
	var fits []*sku
	for i := range sh.SKUs {
		if p.Item(&sh.SKUs[i]) {
			fits = append(fits, &sh.SKUs[i])
		}
	}
	sk := fits[r.IntN(len(fits))]
	o := &orderSim{idx: idx, shop: sh, shopIndex: si, r: r}
	o.cust = &s.people[r.IntN(len(s.people))]
	at := s.pinApplyAt(p)
	o.deliver = at.Add(-days(p.Signed))
	o.ship = o.deliver.Add(-between(r, hours(float64(sh.TransHrs[0])), hours(float64(sh.TransHrs[1]))))
	o.paid = o.ship.Add(-between(r, hours(float64(sh.ShipHrs[0])), hours(float64(sh.ShipHrs[1]))))
	o.complete = o.deliver.Add(days(10))
	s.fillOrder(o, []app.OrderItemInput{item(sk, 1)}, 0, false, false)
	w := &want{Type: p.Type, Reason: p.Reason, Evidence: p.Evidence, Desc: []string{p.Desc}}
	if p.Ask > 0 {
		w.Ask = [2]int{p.Ask, p.Ask}
	}
	o.plan = &plan{want: w, at: at, pin: p, items: []policy.RequestItem{{SKU: sk.Code, Quantity: 1}}}
	s.fillPlan(o, o.plan, r)
	return o
}
