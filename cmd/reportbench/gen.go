package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/sla"
)

// categories are the 20 product categories of the synthetic catalogue.
var categories = []string{
	"apparel", "shoes", "bags", "watches", "jewelry", "phones", "laptops", "audio", "cameras", "appliances",
	"kitchen", "furniture", "bedding", "toys", "baby", "beauty", "sports", "books", "groceries", "pets",
}

// typeWeights is how often each case type occurs (per mille).
var typeWeights = []struct {
	t aftersale.Type
	w int
}{
	{aftersale.ReturnRefund, 400}, {aftersale.RefundOnly, 300}, {aftersale.Exchange, 120},
	{aftersale.Compensation, 80}, {aftersale.Repair, 50}, {aftersale.Reship, 50},
}

// reasonOrder is the reasons from the most to the least frequent (the Zipf rank).
var reasonOrder = []aftersale.Reason{
	aftersale.NoReason, aftersale.SizeFit, aftersale.QualityDefect, aftersale.NotAsDescribed, aftersale.ChangedMind,
	aftersale.DamagedInTransit, aftersale.WrongItem, aftersale.NotReceived, aftersale.MissingParts, aftersale.OtherReason,
	aftersale.LostParcel, aftersale.AbnormalSignoff, aftersale.OutOfStock, aftersale.PriceProtection,
}

// complaintTexts are short complaints in both languages (subject, description); the
// themes classify them.
var complaintTexts = [][2]string{
	{"退款一直没到账", "申请退款一周了钱还没到账"},
	{"快递丢件", "包裹显示签收但是我没收到"},
	{"客服态度差", "客服不回复，一直敷衍"},
	{"质量问题", "收到的商品有瑕疵，开裂了"},
	{"与描述不符", "实物和图片颜色不一样"},
	{"Refund not received", "I was promised a refund two weeks ago and the money never arrived"},
	{"Parcel lost", "The courier says the package was delivered but I never got it"},
	{"Rude agent", "The agent was rude and ignored my messages"},
	{"Broken item", "The item arrived broken and defective"},
	{"流程太复杂", "退货流程规则太复杂"},
}

// world is the synthetic catalogue: merchants, SKUs (each of one merchant and one
// category) and agents.
type world struct {
	merchants   []string
	skus        []string
	skuMerchant []int
	skuCategory []string
	merchantSKU [][]int // a merchant's SKUs
	agents      []string
	first, last time.Time // the first and the last day (00:00 CST)
	now         time.Time // the end of the last day
}

func newWorld(merchants, skus int, lastDay time.Time) *world {
	w := &world{last: lastDay, first: lastDay.AddDate(0, 0, -364), now: lastDay.Add(24*time.Hour - time.Second)}
	for i := range merchants {
		w.merchants = append(w.merchants, fmt.Sprintf("m%03d", i+1))
	}
	w.merchantSKU = make([][]int, merchants)
	for i := range skus {
		m := i % merchants
		// A merchant sells in 4 of the 20 categories.
		cat := categories[(m*3+(i/merchants)%4)%len(categories)]
		w.skus = append(w.skus, fmt.Sprintf("SKU-%05d", i+1))
		w.skuMerchant = append(w.skuMerchant, m)
		w.skuCategory = append(w.skuCategory, cat)
		w.merchantSKU[m] = append(w.merchantSKU[m], i)
	}
	for i := range 200 {
		w.agents = append(w.agents, fmt.Sprintf("agent%03d", i+1))
	}
	return w
}

// agent returns the i-th (0–3) of the 4 agents who serve merchant m (an agent serves
// one merchant, or a few when the merchants outnumber the agents).
func (w *world) agent(m, i int) string { return w.agents[(m*4+i)%len(w.agents)] }

// rawRow is one case as a plain row of bench_cases: what a report without aggregates
// would scan.
type rawRow struct {
	day, merchant, category, sku, reason, typ string
	firstResponse, resolved, refund           int64
	survey                                    int64 // the sum of the three scores, 0 when none
	dispute                                   int64 // 1 when disputed
}

// generator makes the synthetic records, case by case, with one seeded generator.
type generator struct {
	w        *world
	r        *rand.Rand
	skuZipf  *rand.Zipf
	reasZipf *rand.Zipf
	seq      int
}

func newGenerator(w *world, seed uint64) *generator {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return &generator{
		w: w, r: r,
		skuZipf:  rand.NewZipf(r, 1.07, 2, uint64(len(w.skus)-1)),
		reasZipf: rand.NewZipf(r, 1.2, 1, uint64(len(reasonOrder)-1)),
	}
}

func (g *generator) typ() aftersale.Type {
	x := g.r.IntN(1000)
	for _, tw := range typeWeights {
		if x < tw.w {
			return tw.t
		}
		x -= tw.w
	}
	return aftersale.ReturnRefund
}

func (g *generator) hours(lo, hi float64) time.Duration {
	return time.Duration((lo + g.r.Float64()*(hi-lo)) * float64(time.Hour))
}

// record is what one case adds: its facts (the case's, its order's and its complaint's)
// and its raw row.
type record struct {
	facts []analytics.Fact
	raw   rawRow
}

// next makes the case opened on day (00:00 CST) with its order and perhaps a complaint,
// and derives their facts with the real functions of package analytics.
func (g *generator) next(day time.Time) record {
	w, r := g.w, g.r
	g.seq++
	id := fmt.Sprintf("C%08d", g.seq)
	sku := int(g.skuZipf.Uint64())
	m := w.skuMerchant[sku]
	merchant := w.merchants[m]
	opened := day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))

	// The order: 1 or 2 lines (1.5 on average) of the merchant's SKUs, paid 1–15 days
	// before the case; the case is about the first line, or both.
	lines := []int{sku}
	if r.IntN(2) == 0 {
		own := w.merchantSKU[m]
		if other := own[r.IntN(len(own))]; other != sku {
			lines = append(lines, other)
		}
	}
	o := order.Order{No: "O" + id[1:], Merchant: merchant, PaidAt: opened.Add(-g.hours(24, 15*24))}
	cats := map[string]string{}
	c := &aftersale.Case{ID: id, Number: "RMA" + id[1:], OrderNo: o.No, MerchantID: merchant, CustomerID: fmt.Sprintf("U%06d", r.IntN(300000)),
		Type: g.typ(), Reason: reasonOrder[g.reasZipf.Uint64()], State: aftersale.Requested, Version: 1, CreatedAt: opened}
	for i, s := range lines {
		o.Items = append(o.Items, order.Item{SKU: w.skus[s], Category: w.skuCategory[s], Quantity: 1 + r.IntN(2)})
		cats[w.skus[s]] = w.skuCategory[s]
		if i == 0 || r.IntN(2) == 0 {
			c.Items = append(c.Items, aftersale.Item{SKU: w.skus[s], Quantity: 1})
		}
	}
	if r.IntN(2) == 0 {
		c.Assignee = w.agent(m, r.IntN(4))
	}
	customer := aftersale.Actor{Role: aftersale.Customer, ID: c.CustomerID}
	in := analytics.CaseInput{Case: c, Categories: cats,
		Events: []aftersale.Event{{Seq: 1, Action: aftersale.Apply, Actor: customer, To: aftersale.Requested, At: opened}}}
	raw := rawRow{day: analytics.Day(opened), merchant: merchant, category: w.skuCategory[sku], sku: w.skus[sku],
		reason: string(c.Reason), typ: string(c.Type)}
	event := func(a aftersale.Action, actor aftersale.Actor, from, to aftersale.State, at time.Time) {
		in.Events = append(in.Events, aftersale.Event{Seq: int64(len(in.Events) + 1), Action: a, Actor: actor, From: from, To: to, At: at})
		c.State, c.Version, c.UpdatedAt = to, int64(len(in.Events)), at
	}

	// The answer: 5% never answered; otherwise the merchant (or the desk, 30%) approves
	// (85%) or rejects after 1–72 h, most within a day.
	frClock := sla.Clock{Kind: sla.FirstResponse, Target: calendar.Span{N: 24, Unit: calendar.Hour}, StartedAt: opened}
	resClock := sla.Clock{Kind: sla.Resolution, Target: calendar.Span{N: 7, Unit: calendar.Day}, StartedAt: opened}
	var end time.Time
	if r.IntN(100) >= 5 {
		wait := time.Hour + time.Duration(r.ExpFloat64()*10*float64(time.Hour))
		wait = min(wait, 72*time.Hour)
		at := opened.Add(wait)
		actor := aftersale.Actor{Role: aftersale.Merchant, ID: "staff." + merchant}
		if r.IntN(10) < 3 {
			actor = aftersale.Actor{Role: aftersale.Agent, ID: w.agent(m, r.IntN(4))}
		}
		if wait > 24*time.Hour && !opened.Add(24*time.Hour).After(w.now) {
			event(aftersale.SLABreach, aftersale.SystemActor, c.State, c.State, opened.Add(24*time.Hour))
		}
		if !at.After(w.now) {
			raw.firstResponse = int64(wait / time.Second)
			frClock.StoppedAt = at
			frClock.Status = sla.StatusMet
			if wait > 24*time.Hour {
				frClock.Status = sla.StatusBreached
			}
			approve := r.IntN(100) < 85
			if approve {
				event(aftersale.Approve, actor, aftersale.Requested, aftersale.Approved, at)
				if done := at.Add(g.hours(24, 10*24)); !done.After(w.now) {
					event(aftersale.Confirm, customer, aftersale.Approved, aftersale.Completed, done)
					end = done
				}
			} else {
				event(aftersale.Reject, actor, aftersale.Requested, aftersale.Rejected, at)
				if done := at.Add(g.hours(24, 7*24)); !done.After(w.now) {
					event(aftersale.Close, aftersale.SystemActor, aftersale.Rejected, aftersale.Closed, done)
					end = done
				}
			}
			// Money: 60% of cases pay the customer, 1 h–5 days after the answer.
			if approve && r.IntN(100) < 70 || !approve && r.IntN(100) < 10 {
				if settled := at.Add(g.hours(1, 5*24)); !settled.After(w.now) {
					kind := ledger.Refund
					switch x := r.IntN(100); {
					case c.Type == aftersale.Compensation || x < 5:
						kind = ledger.Compensation
					case x < 15:
						kind = ledger.ShippingReimbursement
					}
					amount := 500 + r.Int64N(200_000)
					in.Entries = append(in.Entries, ledger.Entry{ID: "E" + id[1:], CaseID: id, Merchant: merchant, Kind: kind, Amount: amount,
						Payer: ledger.Merchant, Payee: ledger.Customer, State: ledger.Succeeded, CreatedAt: at, SettledAt: &settled})
					raw.refund = amount
				}
			}
		}
	} else if !opened.Add(24 * time.Hour).After(w.now) {
		event(aftersale.SLABreach, aftersale.SystemActor, c.State, c.State, opened.Add(24*time.Hour))
		frClock.Status, frClock.DueAt = sla.StatusBreached, opened.Add(24*time.Hour)
	}
	if !end.IsZero() {
		raw.resolved = int64(end.Sub(opened) / time.Second)
		resClock.StoppedAt, resClock.Status = end, sla.StatusMet
		if end.Sub(opened) > 7*24*time.Hour {
			resClock.Status = sla.StatusBreached
		}
	} else if due := opened.Add(7 * 24 * time.Hour); !due.After(w.now) {
		resClock.Status, resClock.DueAt = sla.StatusBreached, due
	}
	in.SLA, in.SLAOK = sla.Report{Clocks: []sla.Clock{frClock, resClock}}, true

	// A rating for about 30% of the ended cases (35% of 85%), mostly good.
	if !end.IsZero() && r.IntN(100) < 30*100/85 && r.IntN(100) < 85 {
		if at := end.Add(g.hours(0, 72)); !at.After(w.now) {
			score := func() int { return min(5, max(1, 5-int(r.ExpFloat64()*0.8))) }
			in.Survey = &analytics.Survey{Agent: c.Assignee, Attitude: score(), Speed: score(), Result: score(), At: at}
			raw.survey = int64(in.Survey.Attitude + in.Survey.Speed + in.Survey.Result)
		}
	}
	// A dispute for 2%, ruled 3–10 days after it was opened.
	if r.IntN(100) < 2 && len(in.Events) > 1 {
		at := in.Events[len(in.Events)-1].At.Add(g.hours(24, 72))
		if !at.After(w.now) {
			d := dispute.Dispute{ID: "D" + id[1:], CaseID: id, Merchant: merchant, State: dispute.Open, CreatedAt: at}
			if ruled := at.Add(g.hours(72, 240)); !ruled.After(w.now) {
				outcomes := []dispute.Outcome{dispute.ForCustomer, dispute.ForMerchant, dispute.Split}
				d.State = dispute.Ruled
				d.Ruling = &dispute.Ruling{Outcome: outcomes[r.IntN(len(outcomes))], Liability: dispute.Liabilities[r.IntN(len(dispute.Liabilities))], At: ruled}
			}
			in.Disputes = append(in.Disputes, d)
			raw.dispute = 1
		}
	}
	// A complaint for 1%, a third of them about the case's agent.
	var cp *complaint.Complaint
	if r.IntN(100) == 0 {
		t := complaintTexts[r.IntN(len(complaintTexts))]
		about := complaint.AboutMerchant
		if c.Assignee != "" && r.IntN(3) == 0 {
			about = complaint.AboutAgent
		}
		if at := opened.Add(g.hours(1, 96)); !at.After(w.now) {
			cp = &complaint.Complaint{ID: "Q" + id[1:], Subject: t[0], Description: t[1], About: about, CaseID: id, Merchant: merchant, CreatedAt: at}
			if about == complaint.AboutAgent {
				in.Complaints = append(in.Complaints, *cp)
			}
		}
	}

	facts := analytics.CaseFacts(in)
	facts = append(facts, analytics.OrderFacts(o, time.Time{})...)
	if cp != nil {
		facts = append(facts, analytics.ComplaintFacts(*cp, analytics.DefaultThemes)...)
	}
	return record{facts: facts, raw: raw}
}
