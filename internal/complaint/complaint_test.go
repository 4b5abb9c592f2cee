package complaint

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// tiers: first response in 4 h at tier 1, 2 h above; resolution in 24 h.
type tiers struct{}

func (tiers) Due(tier int, t Target, since time.Time) (time.Time, bool) {
	if t == Resolution {
		return since.Add(24 * time.Hour), true
	}
	if tier == 1 {
		return since.Add(4 * time.Hour), true
	}
	return since.Add(2 * time.Hour), true
}

var (
	t0      = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	filer   = Actor{Role: Customer, ID: "c1"}
	agent   = Actor{Role: Agent, ID: "a1"}
	sup     = Actor{Role: Supervisor, ID: "s1"}
	manager = Actor{Role: Admin, ID: "m1"}
)

func filed(t *testing.T) Complaint {
	t.Helper()
	res, err := New(Complaint{ID: "x", Subject: "态度差", About: AboutAgent, Description: "挂电话", FiledBy: filer, Customer: "c1"}, t0, tiers{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Effects.CheckAt.Equal(t0.Add(4*time.Hour)) || res.Effects.NotifyTier != 1 {
		t.Fatalf("filed: check at %s, notify %d", res.Effects.CheckAt, res.Effects.NotifyTier)
	}
	return res.Complaint
}

func TestFilingNeedsSubjectAboutDescription(t *testing.T) {
	for field, c := range map[string]Complaint{
		"subject":     {About: AboutAgent, Description: "d"},
		"about":       {Subject: "s", About: "weather", Description: "d"},
		"description": {Subject: "s", About: AboutAgent},
	} {
		_, err := New(c, t0, tiers{})
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Field != field {
			t.Errorf("missing %s: %v", field, err)
		}
	}
}

// Breaches climb the tiers; at the top a breach is recorded once and the clock stops.
func TestBreachesClimbToTheManager(t *testing.T) {
	c := filed(t)
	if _, ok := Check(&c, t0.Add(4*time.Hour-time.Second), tiers{}); ok {
		t.Fatal("a breach before the target")
	}
	at := t0.Add(4 * time.Hour)
	for tier := 2; tier <= 3; tier++ {
		cmd, ok := Check(&c, at, tiers{})
		if !ok || cmd.Target != FirstResponse {
			t.Fatalf("tier %d: check %+v %v", tier-1, cmd, ok)
		}
		res, err := Transition(c, cmd, at, tiers{})
		if err != nil {
			t.Fatal(err)
		}
		c = res.Complaint
		if c.Tier != tier || res.Effects.NotifyTier != tier || !c.TierSince.Equal(at) || !res.Effects.CheckAt.Equal(at.Add(2*time.Hour)) {
			t.Fatalf("after the breach: tier %d since %s, notify %d, next check %s", c.Tier, c.TierSince, res.Effects.NotifyTier, res.Effects.CheckAt)
		}
		at = at.Add(2 * time.Hour)
	}
	cmd, _ := Check(&c, at, tiers{})
	res, err := Transition(c, cmd, at, tiers{})
	if err != nil || res.Complaint.Tier != 3 || !slices.Equal(res.Complaint.Breaches, []Target{FirstResponse}) {
		t.Fatalf("top tier breach: %+v %v", res.Complaint, err)
	}
	if _, err := Transition(res.Complaint, cmd, at, tiers{}); err == nil {
		t.Error("the same breach recorded twice")
	}
	if !res.Effects.CheckAt.Equal(res.Complaint.TierSince.Add(24 * time.Hour)) {
		t.Errorf("next check %s, want the resolution target", res.Effects.CheckAt)
	}
}

func TestTiersDecideWhoActs(t *testing.T) {
	c := filed(t)
	if !slices.Contains(Allowed(&c, agent), Resolve) || slices.Contains(Allowed(&c, filer), Resolve) {
		t.Fatalf("tier 1: agent may %v, customer %v", Allowed(&c, agent), Allowed(&c, filer))
	}
	res, err := Transition(c, Command{Action: Escalate, Actor: agent, Note: "需要主管处理"}, t0, tiers{})
	if err != nil {
		t.Fatal(err)
	}
	c = res.Complaint
	if slices.Contains(Allowed(&c, agent), Resolve) || !slices.Contains(Allowed(&c, sup), Resolve) || !slices.Contains(Allowed(&c, manager), Resolve) {
		t.Fatalf("tier 2: agent %v, supervisor %v", Allowed(&c, agent), Allowed(&c, sup))
	}
	if _, err := Transition(c, Command{Action: Resolve, Actor: sup}, t0, tiers{}); err == nil {
		t.Error("resolved without a resolution")
	}
	res, err = Transition(c, Command{Action: Resolve, Actor: sup, Note: "已道歉"}, t0.Add(time.Hour), tiers{})
	if err != nil || res.Complaint.State != Resolved || !res.Effects.CheckAt.IsZero() || !res.Effects.NotifyFiler {
		t.Fatalf("resolve: %+v %v", res, err)
	}
	c = res.Complaint
	if _, ok := Check(&c, t0.Add(1000*time.Hour), tiers{}); ok {
		t.Error("a resolved complaint breaches")
	}
	res, err = Transition(c, Command{Action: Reopen, Actor: filer, Note: "并没有解决"}, t0.Add(2*time.Hour), tiers{})
	if err != nil || res.Complaint.State != Open || res.Complaint.Tier != 2 || res.Effects.CheckAt.IsZero() {
		t.Fatalf("reopen: %+v %v", res.Complaint, err)
	}
	// Someone else's complaint: another customer is not its complainant.
	other := Actor{Role: Merchant, ID: "m9"}
	if len(Allowed(&res.Complaint, other)) != 0 {
		t.Errorf("a merchant may %v on a customer's complaint", Allowed(&res.Complaint, other))
	}
}
