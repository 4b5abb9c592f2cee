package assistant

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

func TestCaseAndOrderNumbersOfAQuestion(t *testing.T) {
	if got := CaseNumber("退款到哪了as261201000001?"); got != "AS261201000001" {
		t.Errorf("CaseNumber = %q", got)
	}
	if got := CaseNumber("where is my refund"); got != "" {
		t.Errorf("CaseNumber of none = %q", got)
	}
	if got := OrderNumbers("order SO20261128001 and AS261201000001"); !slices.Equal(got, []string{"SO20261128001"}) {
		t.Errorf("OrderNumbers = %v (an RMA number is not an order's)", got)
	}
}

func TestRefundAnswerFollowsTheLedger(t *testing.T) {
	c := FixtureCase()
	if a := Answer(RefundStatus, &c, ZH, FixtureNow); !strings.Contains(a, "¥59.00") || !strings.Contains(a, "尚未退出") {
		t.Errorf("unpaid: %q", a)
	}
	c.Refunded = money.Yuan(2000)
	if a := Answer(RefundStatus, &c, EN, FixtureNow); !strings.Contains(a, "¥20.00 has been paid") {
		t.Errorf("partly paid: %q", a)
	}
	c.Refunded = money.Yuan(5900)
	if a := Answer(RefundStatus, &c, EN, FixtureNow); !strings.Contains(a, "has been paid back") {
		t.Errorf("paid: %q", a)
	}
	if a := Answer(Parcel, nil, EN, FixtureNow); a != noCase.EN {
		t.Errorf("no case: %q", a)
	}
}

func TestNextStepPastItsDeadline(t *testing.T) {
	c := FixtureCase()
	if a := Answer(NextStep, &c, EN, c.Next.DueAt.Add(time.Hour)); !strings.Contains(a, "the deadline has passed") {
		t.Errorf("past: %q", a)
	}
	c.Next = nil
	if a := Answer(NextStep, &c, ZH, FixtureNow); !strings.Contains(a, "不需要您做什么") || !strings.Contains(a, "商家确认收货") {
		t.Errorf("nothing to do: %q", a)
	}
	// With the other side's deadline, the answer says by when.
	c.WaitingDue = time.Date(2026, 12, 9, 18, 0, 0, 0, cst)
	if a := Answer(NextStep, &c, EN, FixtureNow); !strings.Contains(a, "waiting for the merchant to confirm receipt (by 9 Dec 18:00 at the latest).") {
		t.Errorf("waiting with a deadline: %q", a)
	}
	if a := Answer(RefundStatus, &c, ZH, FixtureNow); !strings.Contains(a, "正在等待商家确认收货(最晚 12月9日 18:00)。") {
		t.Errorf("the refund, waiting with a deadline: %q", a)
	}
}
