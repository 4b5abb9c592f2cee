package demo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	emergency "github.com/aftersales/aftersales/internal/plan"
	"github.com/aftersales/aftersales/internal/policy"
)

// Issue 16 in the demo (risk, early warning, smart service, emergency plans). After the
// orders have been played out, a story is played on the first worker, back in time on its
// clock, the same way: the shop system pushes orders, customers apply, staff and timeouts
// act. It has
//
//   - a customer (the one with the fewest orders of the run) who claims one parcel after
//     another was "not received" and asks for a refund only: the score climbs, the policy
//     holds the applications for a person and then asks for evidence (refused without it);
//     a supervisor puts them on the watch list; a second account moves to their address
//     and claims a parcel not received too;
//   - a power bank of 极客数码 (JK2019) sold some twenty times a day, whose returns run
//     steady for a month and then more than triple over the last days (a bad batch):
//     the early warning, checked at the end of each of those days, opens one alert;
//   - the newest case of the run, filed at the end, about that power bank smoking while it
//     charged: triage makes it urgent; its customer then asks the assistant what to do
//     next and where the refund is;
//   - the emergency plans, left as drafts: a 双11 surge plan (intake per hour), a manual
//     one (a snowstorm) and a recall of the power bank.
//
// A story needs a run long and large enough (riskMinDays, riskMinOrders); its orders are
// part of opts.Orders, taken from the ordinary ones.

// RiskSummary is what a run shows of issue 16; zero when the run is too small for it.
type RiskSummary struct {
	HighRisk      string // the customer of the "not received" claims, on the watch list
	SecondAccount string // another account that moved to the high-risk customer's address
	AlertSKU      string // the SKU whose returns tripled
	Alerts        int    // alerts the early warning opened (this SKU's and any other subject's)
	Plans         int    // emergency plans written
	Urgent        string // the customer whose application triage found urgent (the newest case)
	Session       string // that customer's conversation with the assistant (/assistant?session=)
}

const (
	riskMinOrders = 1500
	riskMinDays   = 90
	riskStream    = 1 << 40 // the story's random streams: riskStream and riskStream+1+i for its order i
	surgeDays     = 30      // the power bank's month: surgeDays days before today, and today
	spikeDays     = 3       // its last days (today included) have the returns of the bad batch
)

// surgeShop and surgeSKU are the power bank whose returns triple. It is not in the shop's
// catalogue: only the story sells it.
const surgeShop = "jike-digital"

var surgeSKU = sku{Code: "JK2019", Title: "10000mAh 磁吸无线充电宝 22.5W 星空灰", Category: "充电宝", Price: 12900, Repairable: true}

// What the power bank's buyers come back with: in an ordinary month a few no-reason returns
// and the odd defect; from the bad batch, defects.
var (
	surgeUsual = []want{
		{Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Desc: []string{
			"七天无理由退货,包装完好", "买重复了,未拆封", "和手机壳不兼容,吸不住,退了"}},
		{Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Evidence: true, Desc: []string{
			"充电速度很慢,达不到标称的22.5W", "磁吸不牢,一碰就掉"}},
	}
	surgeBatch = []want{
		{Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Evidence: true, Desc: []string{
			"充不进电,指示灯一直闪", "用了两天外壳就鼓包了", "充电的时候特别烫,拿不住", "无线充电时断时续,手机提示有异物",
			"电量显示乱跳,满电用一会儿就没了", "只能充到60%就不动了"}},
		{Type: aftersale.Exchange, Reason: aftersale.QualityDefect, Evidence: true, Desc: []string{
			"充不进电,换一个新的", "外壳鼓包,请换货"}},
	}
	surgeUrgent = want{Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Evidence: true, Desc: []string{
		"充电宝充电时冒烟了,外壳烫手还有焦味,差点起火,太危险了!请尽快处理"}}
)

// notReceived is a refund-only claim that a parcel never came.
var notReceived = want{Type: aftersale.RefundOnly, Reason: aftersale.NotReceived, When: parcelLost, Lo: 3, Hi: 6, Desc: []string{
	"物流一直没更新,没收到货,申请退款", "显示在派送中但一直没送到,要求退款", "快递说已经放驿站了,我去找了没有,没收到货",
	"等了快一周还没到,不想要了,退款"}}

// claims are the orders of the "not received" story: whose (the high-risk customer, or
// their second account), what, and how many days before today it was paid for.
var claims = []struct {
	second bool
	shop   string
	sku    string
	day    int
}{
	{false, "yueju-home", "YJ5005", -80},
	{false, "jike-digital", "JK2010", -64},
	{false, "yichu-fashion", "YC1009-L", -49},
	{false, "yueju-home", "YJ5009", -36}, // the score may ask for evidence by now
	{true, "jike-digital", "JK2017", -14},
	{false, "yichu-fashion", "YC1011-M", -11}, // on the watch list
}

const (
	watchDay   = -24 // the supervisor puts the high-risk customer on the watch list (after the fourth claim)
	addressDay = -20 // the second account moves to their address
)

// riskStory is the story of a run.
type riskStory struct {
	perDay []int // the power bank's orders on each of its days, oldest first (the last: today)
	orders []*orderSim
	high   *person
	second *person
	urgent *orderSim
}

// size is how many orders the story pushes (0 for none).
func (st *riskStory) size() int {
	if st == nil {
		return 0
	}
	n := len(claims)
	for _, k := range st.perDay {
		n += k
	}
	return n
}

// newRiskStory draws how many power banks are sold each day, or returns nil when the run
// is too small for the story. It is called before the ordinary orders are apportioned.
func (s *sim) newRiskStory() *riskStory {
	if s.opts.Orders < riskMinOrders || s.opts.Days < riskMinDays || len(s.people) < 10 {
		return nil
	}
	r := s.rng(riskStream)
	st := &riskStory{}
	for d := -surgeDays; d <= 0; d++ {
		n := 19 + r.IntN(5)
		if d > -spikeDays {
			n = 21 + r.IntN(3) // at least the warning's minimum volume of 20 a day
		}
		if d == 0 {
			n = int(math.Round(float64(n) * dayElapsed(s.end)))
		}
		st.perDay = append(st.perDay, n)
	}
	return st
}

// planRisk lays the story out once the ordinary orders are planned and numbered: its
// customers, its orders with their moments and the applications made on them.
func (s *sim) planRisk(today time.Time) {
	st := s.risk
	if st == nil {
		return
	}
	r := s.rng(riskStream + 1<<20)
	// The claims are made by the two customers with the fewest orders of the run: little
	// else in their history, so the claims are what the score sees.
	index := make(map[*person]int, len(s.people))
	for i := range s.people {
		index[&s.people[i]] = i
	}
	bought := make([]int, len(s.people))
	for _, o := range s.orders {
		bought[index[o.cust]]++
	}
	order := make([]int, len(s.people))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(bought[a], bought[b]), cmp.Compare(b, a)) })
	st.high, st.second = &s.people[order[0]], &s.people[order[1]]

	newOrder := func(si int, paid time.Time, who *person, items []app.OrderItemInput, insured bool) *orderSim {
		i := len(st.orders)
		sh := shops[si]
		o := &orderSim{idx: len(s.orders) + i, shop: sh, shopIndex: si, cust: who, r: s.rng(riskStream + 1 + uint64(i)), paid: paid}
		s.fillOrder(o, items, 0, false, insured)
		o.ship = within(o.r, paid.Add(between(o.r, hours(float64(sh.ShipHrs[0])), hours(float64(sh.ShipHrs[1])))), 8, 20)
		o.deliver = within(o.r, o.ship.Add(between(o.r, hours(float64(sh.TransHrs[0])), hours(float64(sh.TransHrs[1])))), 8, 21)
		if o.r.IntN(100) < 60 {
			o.complete = o.deliver.Add(days(10))
		} else {
			o.complete = within(o.r, o.deliver.Add(between(o.r, hours(12), days(6))), 8, 23)
		}
		st.orders = append(st.orders, o)
		return o
	}

	// The parcels that "never came".
	for _, c := range claims {
		who := st.high
		if c.second {
			who = st.second
		}
		si := shopIndex(c.shop)
		sk := shops[si].sku(c.sku)
		date := today.AddDate(0, 0, c.day)
		o := newOrder(si, date.Add(between(r, 10*time.Hour, 21*time.Hour)), who, []app.OrderItemInput{item(sk, 1)}, false)
		o.lost, o.deliver, o.complete = true, time.Time{}, time.Time{}
		w := notReceived
		p := &plan{want: &w, items: []policy.RequestItem{{SKU: sk.Code, Quantity: 1}}}
		p.at = within(o.r, o.ship.Add(between(o.r, days(w.Lo), days(w.Hi))), 8, 23)
		s.fillPlan(o, p, o.r)
		o.plan = p
	}

	// The power bank's month: its buyers are the run's customers, the claimers excepted.
	si := shopIndex(surgeShop)
	buyer := func() *person {
		for {
			p := &s.people[int(float64(len(s.people))*math.Pow(r.Float64(), 1.7))]
			if p != st.high && p != st.second {
				return p
			}
		}
	}
	var sold []*orderSim
	first := today.AddDate(0, 0, -surgeDays)
	for d, n := range st.perDay {
		date := first.AddDate(0, 0, d)
		for range n {
			o := newOrder(si, s.timeOfDay(r, date, false), buyer(), []app.OrderItemInput{item(&surgeSKU, 1)}, r.IntN(100) < 25)
			sold = append(sold, o)
		}
	}
	// Their applications: one to three a day on the month's orders, seven a day from the
	// bad batch, each on a power bank delivered within the week before.
	apply := func(at time.Time, w *want) *orderSim {
		var fits []*orderSim
		for _, o := range sold {
			if o.plan == nil && !o.deliver.After(at.Add(-6*time.Hour)) && o.deliver.After(at.Add(-6*24*time.Hour)) {
				fits = append(fits, o)
			}
		}
		if len(fits) == 0 {
			return nil
		}
		o := fits[r.IntN(len(fits))]
		p := &plan{want: w, at: at, items: []policy.RequestItem{{SKU: surgeSKU.Code, Quantity: 1}}}
		s.fillPlan(o, p, o.r)
		p.forgot = false // the day's figures are the story: nobody forgets the photos
		o.plan = p
		return o
	}
	for d := range st.perDay {
		date := first.AddDate(0, 0, d)
		k, wants := 1+r.IntN(3), surgeUsual
		if d >= len(st.perDay)-spikeDays {
			k, wants = 7, surgeBatch
		}
		for range k {
			at := date.Add(between(r, 8*time.Hour, 22*time.Hour))
			if !at.Before(s.end) {
				continue
			}
			apply(at, &wants[r.IntN(len(wants))])
		}
	}
	// The newest case of the run: smoke.
	w := surgeUrgent
	st.urgent = apply(s.end, &w)

	slices.SortStableFunc(st.orders, func(a, b *orderSim) int { return a.paid.Compare(b.paid) })
	for i, o := range st.orders {
		o.no = fmt.Sprintf("DD%s%06d", o.paid.Format("20060102"), len(s.orders)+i+1)
	}
}

func shopIndex(code string) int {
	for i, sh := range shops {
		if sh.Code == code {
			return i
		}
	}
	panic("demo: no shop " + code)
}

// playRisk plays the story out on the run's first worker, after the ordinary orders: back
// to the first of its days on the clock, then forward to the end.
func (s *sim) playRisk() error {
	st := s.risk
	if st == nil {
		return nil
	}
	ctx := s.ctx
	today := midnight(s.end)
	s.t = s.start
	for _, o := range st.orders {
		s.at(o.paid, func() error { return s.pushPaid(o) })
	}
	s.at(within(s.rng(riskStream+2<<20), today.AddDate(0, 0, watchDay), 9, 18), func() error {
		_, err := s.a.AddToWatchList(ctx, s.cast.supervisors[0], app.WatchInput{Customer: st.high.ID,
			Reason: "三个月内多次声称未收到货并申请仅退款,物流均显示已发出;后续此类申请须附凭证 / repeated refund-only claims of parcels not received in three months, all shipped; such claims need evidence from now on"})
		return err
	})
	s.at(within(s.rng(riskStream+3<<20), today.AddDate(0, 0, addressDay), 9, 22), func() error {
		st.second.Address = st.high.Address
		return s.a.UpdateCustomerProfile(ctx, s.cast.shopSystem, app.CustomerProfile{ID: st.second.ID, Name: st.second.Name,
			Phone: st.second.Phone, Address: st.second.Address})
	})
	check := func() error {
		n, _, err := s.a.CheckAlerts(ctx)
		s.sum.Risk.Alerts += n
		return err
	}
	// The early warning as serve runs it, at the end of each day of the bad batch: it opens
	// the alert on the first and keeps it open after.
	for d := -(spikeDays - 1); d < 0; d++ {
		s.at(today.AddDate(0, 0, d).Add(23*time.Hour+30*time.Minute), check)
	}
	if err := s.run(); err != nil {
		return err
	}
	s.t = s.end
	s.clk.Set(s.end)
	if err := check(); err != nil {
		return err
	}
	if err := s.writePlans(); err != nil {
		return err
	}
	s.sum.Risk.HighRisk, s.sum.Risk.SecondAccount, s.sum.Risk.AlertSKU = st.high.ID, st.second.ID, surgeSKU.Code
	if st.urgent != nil && st.urgent.pushed {
		if err := s.askAssistant(st.urgent); err != nil {
			return err
		}
	}
	s.orders = append(s.orders, st.orders...)
	return nil
}

// writePlans writes the platform's emergency plans, as drafts.
func (s *sim) writePlans() error {
	plans := []emergency.Plan{
		{
			Name:     emergency.Text{ZH: "双11 大促进线高峰", EN: "双11 surge"},
			Triggers: []emergency.Trigger{{Kind: emergency.IntakePerHour, Above: 50}},
			// Low-risk returns up to ¥200 approved at once, SLA targets half as long again,
			// the desk's overflow to the supervisors.
			Effects: emergency.Effects{ExtendDeadlinesWD: 2, Banner: &emergency.Text{
				ZH: "双11 期间售后申请较多,商家处理时限顺延 2 个工作日,感谢您的耐心。",
				EN: "After-sales requests are many around 双11: the merchants' deadlines are extended by 2 working days. Thank you for your patience."},
				AutoApprove: &emergency.AutoApprove{MaxAmount: 20000, MaxRisk: 30}, SLAFactorBP: 15000,
				Overflow: &emergency.Overflow{From: "general", To: []string{"escalations"}}},
			End: emergency.End{WhenClearFor: emergency.Duration(2 * time.Hour)},
		},
		{
			Name:     emergency.Text{ZH: "暴雪天气物流延误", EN: "Snowstorm: parcels delayed"},
			Triggers: []emergency.Trigger{{Kind: emergency.Manual}},
			Effects: emergency.Effects{ExtendDeadlinesWD: 3, Banner: &emergency.Text{
				ZH: "受暴雪天气影响,部分地区快递延误,寄回和处理时限顺延 3 个工作日。",
				EN: "Snow has delayed parcels in some regions: deadlines are extended by 3 working days."}},
			End: emergency.End{After: emergency.Duration(72 * time.Hour)},
		},
		{
			Name:     emergency.Text{ZH: "召回 JK2019 磁吸无线充电宝", EN: "Recall of the JK2019 magnetic power bank"},
			Triggers: []emergency.Trigger{{Kind: emergency.Recall, SKUs: []string{surgeSKU.Code}}},
			Effects: emergency.Effects{Banner: &emergency.Text{
				ZH: "JK2019 磁吸无线充电宝召回:请立即停止使用,我们将为您免费退货或换货。",
				EN: "Recall of the JK2019 magnetic power bank: please stop using it at once; we will take it back or exchange it free of charge."}},
		},
	}
	for _, p := range plans {
		if _, err := s.a.CreatePlan(s.ctx, s.cast.admin, p); err != nil {
			return fmt.Errorf("plan %q: %w", p.Name.EN, err)
		}
		s.sum.Risk.Plans++
	}
	return nil
}

// askAssistant is the urgent case's customer asking the assistant, right after applying:
// what to do next (naming the case when the assistant asks which), where the refund is.
func (s *sim) askAssistant(o *orderSim) error {
	number := ""
	for _, c := range s.cases {
		if c.o == o {
			v, err := s.a.GetCase(s.ctx, customer(o.cust.ID), c.id)
			if err != nil {
				return err
			}
			number = v.Number
		}
	}
	session := ""
	ask := func(q string) (*app.AssistantReply, error) {
		reply, err := s.a.Ask(s.ctx, customer(o.cust.ID), app.AssistantInput{Text: q, Session: session})
		if err != nil {
			return nil, fmt.Errorf("ask the assistant %q: %w", q, err)
		}
		session = reply.Session
		return reply, nil
	}
	reply, err := ask("你好,我的充电宝充电时冒烟了,下一步我要做什么?")
	if err != nil {
		return err
	}
	if len(reply.Cases) > 1 && number != "" { // more than one case open: which one
		if _, err := ask("是 " + number + " 这个,下一步要做什么?"); err != nil {
			return err
		}
	}
	for _, q := range []string{"退款什么时候到账?", "好的,谢谢"} {
		if _, err := ask(q); err != nil {
			return err
		}
	}
	s.sum.Risk.Urgent, s.sum.Risk.Session = o.cust.ID, session
	return nil
}
