package analytics

import (
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/sla"
)

// Metrics: what facts count. A metric with a suffix after a dot breaks its base down
// ("cases.t.refund_only": cases of that type).
const (
	MItems          = "items"             // order items (lines) sold, on the day paid
	MCases          = "cases"             // cases opened
	MCasesByType    = "cases.t."          // + type
	MCasesByReason  = "cases.r."          // + reason
	MDecided        = "decided"           // merchant or desk decisions on an application (approve or reject)
	MApproved       = "approved"          // of which approvals
	MFirstResponse  = "first_response"    // first answers by the merchant or the desk; Sum seconds from application
	MResolved       = "resolved"          // cases ended (completed or closed); Sum seconds from application
	MSLAMet         = "sla.met."          // + clock (first_response, resolution): stopped within target
	MSLABreached    = "sla.breached."     // + clock: stopped after, or running past, its target
	MSLABreaches    = "sla.breaches"      // breach records of any clock
	MSurveys        = "csat"              // ratings; Sum of the three scores
	MSurveyScore    = "csat."             // + attitude | speed | result; Sum of that score
	MSurveysLow     = "csat_low"          // ratings with a score of 2 or less
	MDisputes       = "disputes"          // disputes opened
	MDisputeOutcome = "disputes.o."       // + customer | merchant | split | dismissed | withdrawn, on the day decided
	MDisputeLiable  = "disputes.l."       // + liability of a ruling
	MDisputesLost   = "disputes_lost"     // decided for the customer or split, the merchant liable or agreed
	MRefunds        = "refunds"           // money paid to customers; Sum minor units, on the day it settled
	MRefundsByKind  = "refunds.k."        // + ledger kind
	MTimeToMoney    = "time_to_money"     // settled payments to customers; Sum seconds from application
	MComplaints     = "complaints"        // complaints filed (Theme set)
	MComplaintTheme = "complaints.th."    // + theme
	MCaused         = "complaints_caused" // complaints about the desk, counted to the case's assignee
	MReviews        = "reviews"           // quality reviews scored; Sum of totals in hundredths
)

// CaseInput is everything stored of a case that its facts depend on.
type CaseInput struct {
	Case       *aftersale.Case
	Categories map[string]string // the order's SKU → category
	Events     []aftersale.Event
	// Replies are the times the merchant or the desk wrote to the customer (public
	// messages), in any order.
	Replies []time.Time
	// SLA is the case's clocks evaluated at its last activity (ok false: no targets).
	SLA   sla.Report
	SLAOK bool
	// Survey is the customer's rating, nil when none.
	Survey     *Survey
	Disputes   []dispute.Dispute
	Entries    []ledger.Entry
	Complaints []complaint.Complaint // complaints filed about the case
}

// Survey is a rating as the facts need it.
type Survey struct {
	Agent                   string
	Attitude, Speed, Result int
	At                      time.Time
}

func staff(r aftersale.Role) bool {
	return r == aftersale.Merchant || r == aftersale.Agent || r == aftersale.Supervisor
}

// CaseFacts returns what a case adds to the figures.
func CaseFacts(in CaseInput) []Fact {
	c := in.Case
	if c == nil || c.ID == "" {
		return nil
	}
	var lines []Line
	for _, it := range c.Items {
		lines = append(lines, Line{SKU: it.SKU, Category: in.Categories[it.SKU]})
	}
	opened := c.CreatedAt
	base := func(metric string, at time.Time, n, sum int64) Fact {
		return Fact{Metric: metric, Day: Day(at), Merchant: c.MerchantID, N: n, Sum: sum, Reason: string(c.Reason), Agent: c.Assignee, Lines: lines}
	}
	secs := func(from, to time.Time) int64 {
		if to.Before(from) {
			return 0
		}
		return int64(to.Sub(from) / time.Second)
	}
	out := []Fact{
		base(MCases, opened, 1, 0),
		base(MCasesByType+string(c.Type), opened, 1, 0),
		base(MCasesByReason+string(c.Reason), opened, 1, 0),
	}

	// The first answer: the first event or public message of the merchant or the desk.
	var first time.Time
	for _, ev := range in.Events {
		if staff(ev.Actor.Role) && !ownerAction(ev.Action) {
			first = ev.At
			break
		}
	}
	for _, t := range in.Replies {
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	if !first.IsZero() {
		out = append(out, base(MFirstResponse, first, 1, secs(opened, first)))
	}
	for _, ev := range in.Events {
		switch {
		case ev.Action == aftersale.Approve || ev.Action == aftersale.Reject:
			if !staff(ev.Actor.Role) && ev.Actor.Role != aftersale.System {
				continue
			}
			out = append(out, base(MDecided, ev.At, 1, 0))
			if ev.Action == aftersale.Approve {
				out = append(out, base(MApproved, ev.At, 1, 0))
			}
		case ev.Action == aftersale.SLABreach:
			out = append(out, base(MSLABreaches, ev.At, 1, 0))
		}
	}
	if c.State.Terminal() && len(in.Events) > 0 {
		end := in.Events[len(in.Events)-1].At
		for i := len(in.Events) - 1; i >= 0; i-- {
			if ev := in.Events[i]; ev.To.Terminal() && (ev.From == "" || !ev.From.Terminal()) {
				end = ev.At
				break
			}
		}
		out = append(out, base(MResolved, end, 1, secs(opened, end)))
	}
	if in.SLAOK {
		for _, kind := range []sla.Kind{sla.FirstResponse, sla.Resolution} {
			clk, ok := in.SLA.Clock(kind)
			if !ok {
				continue
			}
			switch {
			case clk.Status == sla.StatusMet && !clk.StoppedAt.IsZero():
				out = append(out, base(MSLAMet+string(kind), clk.StoppedAt, 1, 0))
			case clk.Status == sla.StatusBreached && !clk.StoppedAt.IsZero():
				out = append(out, base(MSLABreached+string(kind), clk.StoppedAt, 1, 0))
			case clk.Status == sla.StatusBreached:
				at := clk.DueAt
				if at.IsZero() {
					at = clk.StartedAt
				}
				out = append(out, base(MSLABreached+string(kind), at, 1, 0))
			}
		}
	}
	if s := in.Survey; s != nil {
		f := func(metric string, sum int64) Fact {
			x := base(metric, s.At, 1, sum)
			x.Agent = s.Agent
			return x
		}
		out = append(out,
			f(MSurveys, int64(s.Attitude+s.Speed+s.Result)),
			f(MSurveyScore+"attitude", int64(s.Attitude)),
			f(MSurveyScore+"speed", int64(s.Speed)),
			f(MSurveyScore+"result", int64(s.Result)))
		if s.Attitude <= 2 || s.Speed <= 2 || s.Result <= 2 {
			out = append(out, f(MSurveysLow, 0))
		}
	}
	for _, d := range in.Disputes {
		out = append(out, base(MDisputes, d.CreatedAt, 1, 0))
		var outcome string
		var at time.Time
		lost := false
		switch {
		case d.Ruling != nil:
			outcome, at = string(d.Ruling.Outcome), d.Ruling.At
			out = append(out, base(MDisputeLiable+string(d.Ruling.Liability), at, 1, 0))
			lost = d.Ruling.Outcome != dispute.ForMerchant && d.Ruling.Liability == dispute.LiableMerchant
		case d.State == dispute.Agreed && d.Proposal != nil:
			outcome, at = string(d.Proposal.Outcome), d.UpdatedAt
			lost = d.Proposal.Outcome != dispute.ForMerchant
		case d.State == dispute.Dismissed || d.State == dispute.Withdrawn:
			outcome, at = string(d.State), d.UpdatedAt
		}
		if outcome != "" {
			out = append(out, base(MDisputeOutcome+outcome, at, 1, 0))
		}
		if lost {
			out = append(out, base(MDisputesLost, at, 1, 0))
		}
	}
	for _, e := range in.Entries {
		if e.Payee != ledger.Customer || e.State != ledger.Succeeded || e.SettledAt == nil {
			continue
		}
		out = append(out,
			base(MRefunds, *e.SettledAt, 1, e.Amount),
			base(MRefundsByKind+string(e.Kind), *e.SettledAt, 1, e.Amount),
			base(MTimeToMoney, *e.SettledAt, 1, secs(opened, *e.SettledAt)))
	}
	for _, cp := range in.Complaints {
		if cp.About != complaint.AboutAgent || c.Assignee == "" {
			continue
		}
		out = append(out, base(MCaused, cp.CreatedAt, 1, 0))
	}
	return out
}

func ownerAction(a aftersale.Action) bool {
	return a == aftersale.AssignOwner || a == aftersale.TransferOwner || a == aftersale.TakeOwner ||
		a == aftersale.SLABreach || a == aftersale.SLAWarning || a == aftersale.TriageUrgent
}

// OrderFacts returns what an order adds: one item per line, on the day it was paid (the
// day it was received when it has no payment time).
func OrderFacts(o order.Order, received time.Time) []Fact {
	at := o.PaidAt
	if at.IsZero() {
		at = received
	}
	out := make([]Fact, 0, len(o.Items))
	for _, it := range o.Items {
		out = append(out, Fact{Metric: MItems, Day: Day(at), Merchant: o.Merchant, N: 1, Sum: int64(it.Quantity),
			Lines: []Line{{SKU: it.SKU, Category: it.Category}}})
	}
	return out
}

// ComplaintFacts returns what a complaint adds: one complaint of its theme on the day it
// was filed.
func ComplaintFacts(c complaint.Complaint, themes Themes) []Fact {
	th := themes.Classify(c.Subject + "\n" + c.Description)
	day := Day(c.CreatedAt)
	return []Fact{
		{Metric: MComplaints, Day: day, Merchant: c.Merchant, N: 1, Theme: th},
		{Metric: MComplaintTheme + th, Day: day, Merchant: c.Merchant, N: 1},
	}
}

// Review is a quality review as the facts need it.
type Review struct {
	Merchant, Agent string
	Done            bool
	Total           float64 // 0–100
	At              time.Time
}

// ReviewFacts returns what a scored quality review adds to its agent's figures.
func ReviewFacts(r Review) []Fact {
	if !r.Done || r.Agent == "" {
		return nil
	}
	return []Fact{{Metric: MReviews, Day: Day(r.At), Merchant: r.Merchant, N: 1, Sum: int64(r.Total*100 + 0.5), Agent: r.Agent}}
}
