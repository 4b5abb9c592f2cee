package plan

import (
	"reflect"
	"testing"
	"time"
)

func surgePlan() Plan {
	return Plan{
		Name:     Text{ZH: "双11", EN: "Singles' Day"},
		Triggers: []Trigger{{Kind: IntakePerHour, Above: 3}},
		Effects:  Effects{ExtendDeadlinesWD: 2, Banner: &Text{ZH: "高峰", EN: "Peak"}},
		End:      End{After: Duration(2 * time.Hour)},
	}
}

func TestValidatePointsAtFields(t *testing.T) {
	if errs := surgePlan().Validate(); len(errs) != 0 {
		t.Fatalf("good plan: %v", errs)
	}
	p := surgePlan()
	p.Triggers = append(p.Triggers, Trigger{Kind: "flood"}, Trigger{Kind: Recall})
	p.Effects.AutoApprove = &AutoApprove{MaxAmount: 0, MaxRisk: 101}
	p.Effects.SLAFactorBP = 100
	var fields []string
	for _, e := range p.Validate() {
		fields = append(fields, e.Field)
	}
	want := []string{"triggers[1].kind", "triggers[2].skus", "effects.auto_approve.max_amount", "effects.auto_approve.max_risk", "effects.sla_factor_bp"}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
}

func TestDecideStartsOnIntakeAndEndsByItsRule(t *testing.T) {
	now := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	p := surgePlan()
	if d, _ := Decide(p, Status{State: Draft}, Metrics{IntakeLastHour: 3}, now); d != Keep {
		t.Fatalf("at N: %q", d)
	}
	if d, _ := Decide(p, Status{State: Draft}, Metrics{IntakeLastHour: 4}, now); d != Activate {
		t.Fatalf("above N: %q", d)
	}
	active := Status{State: Active, ActivatedAt: now}
	if d, _ := Decide(p, active, Metrics{IntakeLastHour: 9}, now.Add(time.Hour)); d != Keep {
		t.Fatalf("before end: %q", d)
	}
	if d, _ := Decide(p, active, Metrics{IntakeLastHour: 9}, now.Add(2*time.Hour)); d != Deactivate {
		t.Fatalf("after end: %q", d)
	}
	// when_clear_for: ends once no trigger held for 30 minutes.
	p.End = End{WhenClearFor: Duration(30 * time.Minute)}
	d, since := Decide(p, active, Metrics{}, now.Add(time.Minute))
	if d != Keep || !since.Equal(now.Add(time.Minute)) {
		t.Fatalf("clear starts: %q %v", d, since)
	}
	active.ClearSince = since
	if d, _ := Decide(p, active, Metrics{}, now.Add(31*time.Minute)); d != Deactivate {
		t.Fatalf("clear for 30m: %q", d)
	}
	if d, s := Decide(p, active, Metrics{IntakeLastHour: 4}, now.Add(31*time.Minute)); d != Keep || !s.IsZero() {
		t.Fatalf("holds again: %q %v", d, s)
	}
}

// TestDrillSmallSurge: 10 and 10 arrivals, one agent handling 5 an hour, a 2-hour target;
// half the arrivals are low-risk and the plan approves them at once.
func TestDrillSmallSurge(t *testing.T) {
	s := Surge{ArrivalsPerHour: []int{10, 10}, Agents: 1, CasesPerAgentHr: 5, LowRiskShareBP: 5000, TargetHours: 2}
	e := Effects{ExtendDeadlinesWD: 2, AutoApprove: &AutoApprove{MaxAmount: 10000, MaxRisk: 40}}
	r := Simulate(s, e)
	want := Report{Arrivals: 20, AutoApproved: 10, DeadlinesExtended: 10, ExtendWorkingDays: 2,
		PeakQueue: 0, PeakQueueWithout: 10, MaxWaitHours: 1, MaxWaitWithout: 3, TargetHours: 2,
		Breaches: 0, BreachesWithout: 5, Holds: true,
		Hours: []HourRow{
			{Hour: 0, Arrivals: 10, AutoApproved: 5, Handled: 10, Queue: 0, QueueWithout: 5},
			{Hour: 1, Arrivals: 10, AutoApproved: 5, Handled: 10, Queue: 0, QueueWithout: 10},
			{Hour: 2, Queue: 0, QueueWithout: 5},
		}}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("report\n%+v\nwant\n%+v", r, want)
	}
	// Without auto-approval the same surge does not hold.
	if r := Simulate(s, Effects{}); r.Holds || r.Breaches != 5 {
		t.Fatalf("no plan: %+v", r)
	}
}

// The effects a case opened under several active plans gets: auto-approval within both
// limits, the loosest SLA factor, the overflow groups of the full group in order, once.
func TestEffectsOfActivePlans(t *testing.T) {
	aa := &AutoApprove{MaxAmount: 10000, MaxRisk: 30}
	for _, c := range []struct {
		amount int64
		risk   int
		want   bool
	}{{10000, 30, true}, {0, 0, true}, {10001, 0, false}, {5000, 31, false}} {
		if got := aa.Covers(c.amount, c.risk); got != c.want {
			t.Errorf("Covers(%d, %d) = %v, want %v", c.amount, c.risk, got, c.want)
		}
	}
	if (*AutoApprove)(nil).Covers(0, 0) {
		t.Error("no auto-approval covers nothing")
	}
	es := []Effects{
		{SLAFactorBP: 15000, Overflow: &Overflow{From: "digital", To: []string{"general", "vip"}}},
		{ExtendDeadlinesWD: 2},
		{SLAFactorBP: 20000, Overflow: &Overflow{From: "digital", To: []string{"vip", "night"}}},
		{Overflow: &Overflow{From: "home", To: []string{"general"}}},
	}
	if f := SLAFactorOf(es); f != 20000 {
		t.Errorf("SLA factor %d, want the loosest 20000", f)
	}
	if f := SLAFactorOf(es[1:2]); f != 0 {
		t.Errorf("no factor set: %d, want 0", f)
	}
	if got := OverflowTo(es, "digital"); !reflect.DeepEqual(got, []string{"general", "vip", "night"}) {
		t.Errorf("overflow of digital: %v", got)
	}
	if got := OverflowTo(es, "general"); got != nil {
		t.Errorf("overflow of general: %v, want none", got)
	}
}
