package scenario_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// SPEC §4 (rejected → the customer may revise and re-apply, limited times): seed-platform
// reapply_limit 2. The third re-application is refused with what the customer may do instead.
func TestReapplyBeyondLimitRefused(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	reapply := aftersale.Command{Action: aftersale.Reapply, Actor: buyer, Note: "补充了照片", Evidence: []aftersale.Evidence{{ID: "photo-2", Kind: "photo"}}}
	for i := range 2 {
		l.Do(at(2025, 3, 12, 11+i, 0), reject(shop, "照片看不出质量问题"))
		l.Deadline(aftersale.CustomerReapply)
		l.Do(at(2025, 3, 12, 11+i, 30), reapply)
		l.State(aftersale.Requested)
		l.Deadline(aftersale.MerchantResponse)
	}
	if l.Case.Applications != 3 || len(l.Case.Evidence) != 3 {
		t.Fatalf("applications %d, evidence %d, want 3 and 3", l.Case.Applications, len(l.Case.Evidence))
	}
	l.Do(at(2025, 3, 12, 15, 0), reject(shop, "仍然不支持"))
	na := MustNotAllowed(t, l.Try(at(2025, 3, 12, 16, 0), reapply))
	if !slices.Equal(na.Allowed, []aftersale.Action{aftersale.Escalate, aftersale.Cancel}) {
		t.Errorf("allowed %v, want [escalate cancel]", na.Allowed)
	}
	if !strings.Contains(na.Why.ZH, "2") || !strings.Contains(na.Why.EN, "2") || na.Why.ZH == na.Why.EN {
		t.Errorf("reason %+v should give the limit of 2 in zh and en", na.Why)
	}
	l.State(aftersale.Rejected)
	// The customer can still ask the platform to step in.
	l.Do(at(2025, 3, 12, 17, 0), escalate("商家三次拒绝,申请平台介入"))
	l.State(aftersale.Disputed)
}

// The customer who does nothing after a rejection loses the case when the re-apply time runs
// out (seed: customer_reapply 7d of the floor).
func TestRejectedCustomerSilenceClosesCase(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), reject(shop, "非质量问题"))
	if due := l.Deadline(aftersale.CustomerReapply); !due.Equal(at(2025, 3, 20, 0, 0)) {
		t.Fatalf("re-apply by %v, want 2025-03-20 00:00", due)
	}
	l.Timeout()
	l.State(aftersale.Closed)
}

// A rejection and an information request must say why (SPEC §4: rejected with reason and
// evidence).
func TestRejectionNeedsReason(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	ie := MustInvalid(t, l.Try(at(2025, 3, 12, 11, 0), reject(shop, "  ")), "note")
	if ie.Message.ZH == "" || ie.Message.EN == "" {
		t.Errorf("message %+v, want zh and en", ie.Message)
	}
	MustInvalid(t, l.Try(at(2025, 3, 12, 11, 0), aftersale.Command{Action: aftersale.RequestInfo, Actor: shop}), "note")
	l.State(aftersale.Requested)
}

// SPEC §4: the customer may cancel before money moves, not once it is due.
func TestCustomerCancel(t *testing.T) {
	e := MustEngine(t)
	type step func(l *Life)
	approved := func(l *Life) { l.Do(at(2025, 3, 12, 11, 0), approve(shop)) }
	rejected := func(l *Life) { l.Do(at(2025, 3, 12, 11, 0), reject(shop, "非质量问题")) }
	infoRequested := func(l *Life) {
		l.Do(at(2025, 3, 12, 11, 0), aftersale.Command{Action: aftersale.RequestInfo, Actor: shop, Note: "请上传外包装照片"})
	}
	returning := func(l *Life) { approved(l); l.Do(at(2025, 3, 12, 15, 0), shipBack(0)) }
	refunding := func(l *Life) { returning(l); l.Do(at(2025, 3, 13, 15, 0), inspect(aftersale.InspectionPass)) }
	resolved := func(l *Life) { refunding(l); l.Do(at(2025, 3, 13, 16, 0), refund(shop)) }
	inspectionFailed := func(l *Life) {
		returning(l)
		c := inspect(aftersale.InspectionFail)
		c.Note = "商品有使用痕迹"
		l.Do(at(2025, 3, 13, 15, 0), c)
	}
	disputed := func(l *Life) { rejected(l); l.Do(at(2025, 3, 12, 12, 0), escalate("商家拒绝无理")) }
	tests := []struct {
		name   string
		source string
		typ    aftersale.Type
		reason aftersale.Reason
		steps  []step
		ok     bool
	}{
		{"while the merchant decides", "SPEC §4", aftersale.ReturnRefund, aftersale.QualityDefect, nil, true},
		{"when information was asked for", "SPEC §4", aftersale.ReturnRefund, aftersale.QualityDefect, []step{infoRequested}, true},
		{"after a rejection", "SPEC §4", aftersale.ReturnRefund, aftersale.QualityDefect, []step{rejected}, true},
		{"approved, before shipping back", "SPEC §4", aftersale.ReturnRefund, aftersale.QualityDefect, []step{approved}, true},
		{"after a failed inspection", "SPEC §4", aftersale.ReturnRefund, aftersale.QualityDefect, []step{inspectionFailed}, true},
		{"while the platform steps in", "SPEC §5", aftersale.ReturnRefund, aftersale.QualityDefect, []step{disputed}, true},
		{"once the refund is due", "SPEC §4(before money moves)", aftersale.ReturnRefund, aftersale.QualityDefect, []step{refunding}, false},
		{"after the refund", "SPEC §4(before money moves)", aftersale.ReturnRefund, aftersale.QualityDefect, []step{resolved}, false},
		{"refund only, approved and due", "SPEC §4(before money moves)", aftersale.RefundOnly, aftersale.NotReceived, []step{approved}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			l, _ := MustOpen(t, e, Apply(MustOrder(t), tt.typ, tt.reason, at(2025, 3, 12, 10, 0)))
			for _, s := range tt.steps {
				s(l)
			}
			before := l.Case.State
			err := l.Try(at(2025, 3, 14, 9, 0), cancel())
			if tt.ok {
				if err != nil {
					t.Fatalf("cancel in %s: %v", before, err)
				}
				l.State(aftersale.Closed)
				if len(l.Last.Effects.Money) != 0 || len(l.Case.Deadlines) != 0 {
					t.Errorf("cancel moved money %+v or left clocks %+v", l.Last.Effects.Money, l.Case.Deadlines)
				}
				return
			}
			na := MustNotAllowed(t, err)
			if na.State != before || slices.Contains(na.Allowed, aftersale.Cancel) || na.Why.ZH == "" || na.Why.EN == "" {
				t.Errorf("not allowed %+v, want a reason in zh and en for state %s", na, before)
			}
			l.State(before)
		})
	}
}

// SPEC §4-§5 (rejected → the customer asks the platform to step in → dispute; the platform
// rules): a supervisor's ruling for the customer continues the case as if the merchant had
// agreed; a ruling against closes it. Only a supervisor rules, and always with a reason.
func TestEscalationAndSupervisorRuling(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name    string
		source  string
		failed  bool // disputed over a failed inspection instead of a rejection
		forUser bool
		want    aftersale.State
		next    aftersale.DeadlineKind
	}{
		{"rejection ruled for the customer: goods go back", "SPEC §5 裁决; S002 第四章 4.2.2(二)", false, true, aftersale.Approved, aftersale.CustomerShipBack},
		{"rejection ruled against the customer: closed", "SPEC §5 裁决; S002 第四章 4.2.2(二)", false, false, aftersale.Closed, ""},
		{"failed inspection ruled for the customer: refund due", "SPEC §5; S002 第四章 4.3.2(一)", true, true, aftersale.Refunding, aftersale.MerchantRefund},
		{"failed inspection ruled against the customer: closed", "SPEC §5; S002 第四章 4.3.2(四)", true, false, aftersale.Closed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
			if tt.failed {
				l.Do(at(2025, 3, 12, 11, 0), approve(shop))
				l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
				c := inspect(aftersale.InspectionFail)
				c.Note = "人为损坏"
				l.Do(at(2025, 3, 13, 15, 0), c)
				l.Deadline(aftersale.CustomerAppeal)
			} else {
				l.Do(at(2025, 3, 12, 11, 0), reject(shop, "非质量问题"))
			}
			MustInvalid(t, l.Try(at(2025, 3, 14, 9, 0), escalate("")), "note")
			l.Do(at(2025, 3, 14, 9, 0), escalate("有视频证明出厂即坏"))
			l.State(aftersale.Disputed)
			if len(l.Case.Deadlines) != 0 {
				t.Errorf("deadlines %+v in a dispute, want none (the dispute sets its own)", l.Case.Deadlines)
			}
			ruling := aftersale.Command{Action: aftersale.Approve, Actor: supervisor, Note: "视频显示开箱即坏,支持买家"}
			if !tt.forUser {
				ruling = aftersale.Command{Action: aftersale.Reject, Actor: supervisor, Note: "证据不足,维持商家处理"}
			}
			// Neither the merchant nor an agent may rule; a ruling needs a reason.
			for _, who := range []aftersale.Actor{shop, agent} {
				c := ruling
				c.Actor = who
				na := MustNotAllowed(t, l.Try(at(2025, 3, 15, 9, 0), c))
				if na.Role != who.Role {
					t.Errorf("refusal for role %s, want %s", na.Role, who.Role)
				}
			}
			noNote := ruling
			noNote.Note = ""
			MustInvalid(t, l.Try(at(2025, 3, 15, 9, 0), noNote), "note")
			l.Do(at(2025, 3, 15, 9, 0), ruling)
			l.State(tt.want)
			if tt.next != "" {
				l.Deadline(tt.next)
			}
			if tt.failed && tt.forUser {
				l.Do(at(2025, 3, 15, 10, 0), refund(shop))
				if got := movements(l.Money, aftersale.MoveRefund); got != money.Yuan(19900) {
					t.Errorf("refunded %s after the ruling, want ¥199.00", got)
				}
			}
		})
	}
}
