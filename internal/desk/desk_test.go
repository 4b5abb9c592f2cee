package desk

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func rules(groups ...Group) Rules {
	return Rules{Groups: groups, Cap: 2, AutoAssign: true, Rubric: DefaultRubric()}
}

func TestRouteBySkillMerchantAndStrategy(t *testing.T) {
	r := rules(
		Group{Code: "vip", Strategy: LeastLoad, Members: []string{"c"}, Merchants: []string{"shop-b"}},
		Group{Code: "en", Strategy: LeastLoad, Members: []string{"e"}, Languages: []string{"en"}},
		Group{Code: "shoes", Strategy: LeastLoad, Members: []string{"a", "b"}, Categories: []string{"shoes"}},
		Group{Code: "complaints", Strategy: Manual, Members: []string{"s"}, Kinds: []string{"complaint"}},
		Group{Code: "general", Strategy: RoundRobin, Members: []string{"a", "b", "c"}},
	)
	for _, c := range []struct {
		it       Item
		load     map[string]int
		last     string
		group    string
		assignee string
	}{
		{Item{Kind: "case", Merchant: "shop-b"}, nil, "", "vip", "c"},
		{Item{Kind: "case", Merchant: "shop-a", Language: "en"}, nil, "", "en", "e"},
		{Item{Kind: "case", Merchant: "shop-a", Categories: []string{"apparel", "shoes"}}, map[string]int{"a": 1}, "", "shoes", "b"},
		{Item{Kind: "case", Merchant: "shop-a", Categories: []string{"shoes"}}, map[string]int{"a": 1, "b": 1}, "", "shoes", "a"}, // tie: listed first
		{Item{Kind: "complaint", Merchant: "shop-a"}, nil, "", "complaints", ""},                                                  // manual: the queue
		{Item{Kind: "case", Merchant: "shop-a"}, nil, "", "general", "a"},
		{Item{Kind: "case", Merchant: "shop-a"}, nil, "a", "general", "b"},
		{Item{Kind: "case", Merchant: "shop-a"}, nil, "c", "general", "a"},                                  // wraps around
		{Item{Kind: "case", Merchant: "shop-a"}, map[string]int{"b": 2}, "a", "general", "c"},               // b at the cap: passed over
		{Item{Kind: "case", Merchant: "shop-a"}, map[string]int{"a": 2, "b": 2, "c": 2}, "", "general", ""}, // all capped: queued
	} {
		d := Route(&r, c.it, c.load, c.last, nil)
		if d.Group != c.group || d.Assignee != c.assignee {
			t.Errorf("%+v (load %v, last %q): %s/%q, want %s/%q", c.it, c.load, c.last, d.Group, d.Assignee, c.group, c.assignee)
		}
		if d.Why.ZH == "" || d.Why.EN == "" {
			t.Errorf("%+v: the decision does not say why", c.it)
		}
		// Full: only a group whose members are all at the cap (an emergency plan may
		// overflow it); a manual group's queue is where work goes, not a sign of it.
		if full := d.Group != "" && d.Assignee == "" && c.group != "complaints"; d.Full != full {
			t.Errorf("%+v (load %v): full %v, want %v", c.it, c.load, d.Full, full)
		}
	}
	// RouteIn routes in a group named by the caller (an overflow), whatever it takes.
	if d := RouteIn(&r, r.Groups[1], map[string]int{"e": 2}, "", nil); d.Group != "en" || d.Assignee != "" || !d.Full {
		t.Errorf("RouteIn en with e at the cap: %+v", d)
	}
	if d := RouteIn(&r, r.Groups[2], nil, "", nil); d.Group != "shoes" || d.Assignee != "a" {
		t.Errorf("RouteIn shoes: %+v", d)
	}
	// Someone who may not own it (disabled, another merchant's scope) is passed over.
	d := Route(&r, Item{Kind: "case", Merchant: "shop-a"}, nil, "", func(m string) bool { return m != "a" })
	if d.Assignee != "b" {
		t.Errorf("a is not eligible: %q", d.Assignee)
	}
	if d := Route(&Rules{Groups: []Group{{Code: "x", Strategy: Manual, Merchants: []string{"z"}}}}, Item{Merchant: "y"}, nil, "", nil); d.Group != "" {
		t.Errorf("no group takes it, yet %q", d.Group)
	}
}

func TestHandovers(t *testing.T) {
	r := rules(Group{Code: "general", Strategy: Manual, Members: []string{"a", "b"}}, Group{Code: "l2", Strategy: Manual, Cap: 5})
	var conflict *ConflictError
	var field *FieldError
	for _, c := range []struct {
		name string
		o    Owner
		cmd  Command
		load map[string]int
		want Owner
		err  any
	}{
		{"take from the queue", Owner{Group: "general"}, Command{Action: Take, Actor: "a"}, nil, Owner{Assignee: "a", Group: "general"}, nil},
		{"take what another owns", Owner{Assignee: "b"}, Command{Action: Take, Actor: "a"}, nil, Owner{Assignee: "b"}, &conflict},
		{"a supervisor takes it anyway", Owner{Assignee: "b"}, Command{Action: Take, Actor: "s", Supervisor: true}, nil, Owner{Assignee: "s"}, nil},
		{"take one's own", Owner{Assignee: "a"}, Command{Action: Take, Actor: "a"}, nil, Owner{Assignee: "a"}, &conflict},
		{"take at the cap", Owner{}, Command{Action: Take, Actor: "a"}, map[string]int{"a": 2}, Owner{}, &conflict},
		{"the group's own cap", Owner{Group: "l2"}, Command{Action: Take, Actor: "a"}, map[string]int{"a": 4}, Owner{Assignee: "a", Group: "l2"}, nil},
		{"transfer without a note", Owner{Assignee: "a"}, Command{Action: Transfer, Actor: "a", Assignee: "b"}, nil, Owner{Assignee: "a"}, &field},
		{"transfer", Owner{Assignee: "a"}, Command{Action: Transfer, Actor: "a", Assignee: "b", Note: "EN"}, nil, Owner{Assignee: "b"}, nil},
		{"transfer another's", Owner{Assignee: "b"}, Command{Action: Transfer, Actor: "a", Assignee: "a", Note: "x"}, nil, Owner{Assignee: "b"}, &conflict},
		{"transfer nobody's", Owner{}, Command{Action: Transfer, Actor: "a", Assignee: "b", Note: "x"}, nil, Owner{}, &conflict},
		{"assign to a group", Owner{Assignee: "a", Group: "general"}, Command{Action: Assign, Actor: "s", Supervisor: true, Group: "l2"}, nil, Owner{Group: "l2"}, nil},
		{"assign to an unknown group", Owner{}, Command{Action: Assign, Actor: "s", Supervisor: true, Group: "nope"}, nil, Owner{}, &field},
		{"assign to nobody", Owner{}, Command{Action: Assign, Actor: "s"}, nil, Owner{}, &field},
		{"assign the same", Owner{Assignee: "a"}, Command{Action: Assign, Actor: "a", Assignee: "a"}, nil, Owner{Assignee: "a"}, &conflict},
		{"unknown action", Owner{}, Command{Action: "steal", Actor: "a"}, nil, Owner{}, &field},
	} {
		got, err := Apply(&r, c.o, c.cmd, c.load)
		switch want := c.err.(type) {
		case nil:
			if err != nil || got != c.want {
				t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
			}
		case **ConflictError:
			if !errors.As(err, want) || got != c.o {
				t.Errorf("%s: %+v %v, want a conflict and the owner unchanged", c.name, got, err)
			}
		case **FieldError:
			if !errors.As(err, want) || got != c.o {
				t.Errorf("%s: %+v %v, want a field error and the owner unchanged", c.name, got, err)
			}
		}
	}
}

// Whatever the commands, the owner changes only by a successful Apply, and nobody is
// given work beyond the cap.
func TestApplyNeverExceedsTheCap(t *testing.T) {
	r := rules(Group{Code: "general", Strategy: Manual, Members: []string{"a", "b", "c"}})
	rapid.Check(t, func(t *rapid.T) {
		people := []string{"a", "b", "c"}
		owners := make([]Owner, 8)
		load := map[string]int{}
		for range rapid.IntRange(1, 60).Draw(t, "steps") {
			i := rapid.IntRange(0, len(owners)-1).Draw(t, "item")
			cmd := Command{Action: rapid.SampledFrom(Actions).Draw(t, "action"), Actor: rapid.SampledFrom(people).Draw(t, "actor"),
				Assignee: rapid.SampledFrom(append([]string{""}, people...)).Draw(t, "assignee"), Note: rapid.SampledFrom([]string{"", "n"}).Draw(t, "note"),
				Supervisor: rapid.Bool().Draw(t, "supervisor")}
			next, err := Apply(&r, owners[i], cmd, load)
			if err != nil {
				if next != owners[i] {
					t.Fatalf("a refused %s changed the owner", cmd.Action)
				}
				continue
			}
			if owners[i].Assignee != "" {
				load[owners[i].Assignee]--
			}
			if next.Assignee != "" {
				load[next.Assignee]++
				if load[next.Assignee] > r.Cap {
					t.Fatalf("%s holds %d, over the cap %d", next.Assignee, load[next.Assignee], r.Cap)
				}
			}
			owners[i] = next
		}
	})
}

func TestRulesCheck(t *testing.T) {
	ok := rules(Group{Code: "general", Strategy: RoundRobin, Members: []string{"a"}})
	if err := ok.Check(func(string) bool { return true }); err != nil {
		t.Fatalf("valid rules: %v", err)
	}
	for _, c := range []struct {
		name  string
		edit  func(*Rules)
		field string
	}{
		{"no groups", func(r *Rules) { r.Groups = nil }, "groups"},
		{"bad code", func(r *Rules) { r.Groups[0].Code = "Has Space" }, "groups[0].code"},
		{"twice", func(r *Rules) { r.Groups = append(r.Groups, r.Groups[0]) }, "groups[1].code"},
		{"strategy", func(r *Rules) { r.Groups[0].Strategy = "lottery" }, "groups[0].strategy"},
		{"not a user", func(r *Rules) { r.Groups[0].Members = []string{"ghost"} }, "groups[0].members[0]"},
		{"language", func(r *Rules) { r.Groups[0].Languages = []string{"fr"} }, "groups[0].languages[0]"},
		{"cap", func(r *Rules) { r.Cap = -1 }, "cap"},
		{"weights", func(r *Rules) { r.Rubric.Criteria[0].Weight++ }, "rubric.criteria"},
	} {
		r := rules(Group{Code: "general", Strategy: RoundRobin, Members: []string{"a"}})
		c.edit(&r)
		var fe *FieldError
		if err := r.Check(func(m string) bool { return m != "ghost" }); !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: %v, want a problem at %s", c.name, err, c.field)
		}
	}
}

func TestSurveyAndRubric(t *testing.T) {
	if s := (Survey{Attitude: 3, Speed: 3, Result: 3}); s.Low() || s.Check() != nil {
		t.Errorf("3s are fine")
	}
	if s := (Survey{Attitude: 5, Speed: 2, Result: 5}); !s.Low() {
		t.Errorf("a 2 is low")
	}
	var fe *FieldError
	if err := (&Survey{Attitude: 0, Speed: 3, Result: 3}).Check(); !errors.As(err, &fe) || fe.Field != "attitude" {
		t.Errorf("0: %v", err)
	}
	r := DefaultRubric()
	total, err := r.Score(map[string]int{"courtesy": 5, "accuracy": 4, "compliance": 3, "speed": 5, "resolution": 5})
	if err != nil || total != 85 {
		t.Errorf("total %v %v, want 85", total, err)
	}
	if _, err := r.Score(map[string]int{"courtesy": 5}); !errors.As(err, &fe) || fe.Field != "scores.accuracy" {
		t.Errorf("missing: %v", err)
	}
	if _, err := r.Score(map[string]int{"courtesy": 6, "accuracy": 4, "compliance": 3, "speed": 5, "resolution": 5}); !errors.As(err, &fe) || fe.Field != "scores.courtesy" {
		t.Errorf("over max: %v", err)
	}
}

func TestSampleByRule(t *testing.T) {
	var cands []Candidate
	for i := range 20 {
		cands = append(cands, Candidate{CaseID: fmt.Sprint(i), LowCSAT: i%4 == 0, Complained: i%5 == 0, Handling: time.Duration(i) * 10 * time.Hour})
	}
	for rule, want := range map[SampleRule]int{SampleRandom: 20, SampleLowCSAT: 5, SampleComplain: 4, SampleLong: 12} {
		got := Sample(rule, cands, 100, 72*time.Hour, 1)
		if len(got) != want {
			t.Errorf("%s: %d, want %d", rule, len(got), want)
		}
	}
	a, b := Sample(SampleRandom, cands, 3, 0, 9), Sample(SampleRandom, cands, 3, 0, 9)
	if fmt.Sprint(a) != fmt.Sprint(b) || len(a) != 3 {
		t.Errorf("the same seed drew %v and %v", a, b)
	}
}

func TestReplyTemplates(t *testing.T) {
	var fe *FieldError
	if err := CheckTemplate("body", "您好 {{ customer_name }},{{rma}}"); err != nil {
		t.Errorf("known variables: %v", err)
	}
	if err := CheckTemplate("body", "{{password}}"); !errors.As(err, &fe) || fe.Field != "body" {
		t.Errorf("unknown: %v", err)
	}
	if err := CheckTemplate("body", "{{rma"); !errors.As(err, &fe) {
		t.Errorf("unclosed: %v", err)
	}
	if got := Render("{{customer_name}} 您好,{{rma}} 截止 {{deadline}}", map[string]string{"customer_name": "李雷", "rma": "AS1"}); got != "李雷 您好,AS1 截止 —" {
		t.Errorf("rendered %q", got)
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"{{rma}}", "{{", "}}{{x}}", "您好 {{customer_name}}", "{{{{rma}}}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckTemplate("body", s)
		out := Render(s, map[string]string{"rma": "AS1"})
		if CheckTemplate("body", s) == nil && len(out) > len(s)*8+16 {
			t.Fatalf("rendering grew %q to %q", s, out)
		}
	})
}
