package assistant

import (
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// Lang is the language of an answer: "zh" (简体) or "en".
type Lang string

// The languages of answers.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// Label is a text in both languages.
type Label struct{ ZH, EN string }

func (l Label) in(lang Lang) string {
	if lang == EN {
		return l.EN
	}
	return l.ZH
}

// CaseFacts is what the assistant knows of one of the customer's cases: what the case
// view of the customer shows, nothing more.
type CaseFacts struct {
	ID       string
	Number   string
	OrderNo  string
	State    Label
	Open     bool
	Refund   money.Amount // the refund decided (or asked for)
	Refunded money.Amount // what the ledger has paid out so far
	// Parcel is the case's latest parcel (return, or outbound for a reship or exchange).
	Parcel *ParcelFacts
	// Next is the customer's next step and its deadline, when the customer has one.
	Next *StepFacts
	// Waiting is who the case waits on when the customer has nothing to do, said as what
	// they are to do ("the merchant to confirm receipt"), and WaitingDue by when (zero: no
	// deadline).
	Waiting    Label
	WaitingDue time.Time
	Created    time.Time
}

// ParcelFacts is a parcel and its carrier's last event.
type ParcelFacts struct {
	Return     bool
	Carrier    string
	TrackingNo string
	Status     Label
	At         time.Time
	Location   string
}

// StepFacts is what the customer must do next and by when.
type StepFacts struct {
	What  Label
	DueAt time.Time
}

var cst = time.FixedZone("CST", 8*3600)

func when(t time.Time, lang Lang) string {
	t = t.In(cst)
	if lang == EN {
		return t.Format("2 Jan 15:04")
	}
	return t.Format("1月2日 15:04")
}

// waitingDue says by when the case's other side must act, when it has a deadline.
func waitingDue(c *CaseFacts, lang Lang) string {
	if c.WaitingDue.IsZero() || c.Waiting.ZH == "" {
		return ""
	}
	return fmt.Sprintf(Label{"(最晚 %s)", " (by %s at the latest)"}.in(lang), when(c.WaitingDue, lang))
}

// Answer composes the reply to a recognised question about case c (nil when the
// customer has no case the question could be about).
func Answer(in Intent, c *CaseFacts, lang Lang, now time.Time) string {
	if c == nil {
		switch in {
		case RefundStatus, Parcel, NextStep:
			return noCase.in(lang)
		}
	}
	switch in {
	case RefundStatus:
		return refundAnswer(c, lang)
	case Parcel:
		return parcelAnswer(c, lang)
	case NextStep:
		return nextAnswer(c, lang, now)
	case Greeting:
		return greeting.in(lang)
	case Thanks:
		return thanks.in(lang)
	}
	return ""
}

var (
	noCase   = Label{"您目前没有进行中的售后单。如需帮助,请说“转人工”。", "You have no after-sales case in progress. Say \"agent\" if you need a person."}
	greeting = Label{"您好!我是智能客服,可以帮您查退款进度、包裹物流和下一步要做的事。", "Hello! I can tell you where your refund or parcel is and what you need to do next."}
	thanks   = Label{"不客气,还有其他问题随时问我。", "You're welcome, ask me anything else any time."}
)

func refundAnswer(c *CaseFacts, lang Lang) string {
	amt := c.Refund.Format(string(lang))
	var b strings.Builder
	switch {
	case c.Refund.IsZero():
		fmt.Fprintf(&b, Label{"售后单 %s(%s)不涉及退款。", "Case %s (%s) involves no refund."}.in(lang), c.Number, c.State.in(lang))
	case c.Refunded.Cmp(c.Refund) >= 0:
		fmt.Fprintf(&b, Label{"售后单 %s 的退款 %s 已退回原支付账户,通常 1–3 个工作日到账。", "The refund of %[2]s for case %[1]s has been paid back to your original payment method; it usually arrives within 1–3 working days."}.in(lang), c.Number, amt)
	case !c.Refunded.IsZero():
		fmt.Fprintf(&b, Label{"售后单 %s 的退款 %s 已退 %s,其余正在处理。", "Of the refund of %[2]s for case %[1]s, %[3]s has been paid; the rest is on its way."}.in(lang), c.Number, amt, c.Refunded.Format(string(lang)))
	default:
		fmt.Fprintf(&b, Label{"售后单 %s 的退款 %s 尚未退出,目前状态:%s。", "The refund of %[2]s for case %[1]s has not been paid yet; the case is: %[3]s."}.in(lang), c.Number, amt, c.State.in(lang))
		if c.Waiting.ZH != "" {
			fmt.Fprintf(&b, Label{"正在等待%s%s。", " It is waiting for %s%s."}.in(lang), c.Waiting.in(lang), waitingDue(c, lang))
		}
	}
	return b.String()
}

func parcelAnswer(c *CaseFacts, lang Lang) string {
	p := c.Parcel
	if p == nil {
		return fmt.Sprintf(Label{"售后单 %s 还没有包裹信息(目前状态:%s)。", "Case %s has no parcel yet (the case is: %s)."}.in(lang), c.Number, c.State.in(lang))
	}
	kind := Label{"发给您的包裹", "the parcel sent to you"}
	if p.Return {
		kind = Label{"您的退货包裹", "your return parcel"}
	}
	where := ""
	if p.Location != "" {
		where = Label{"," + p.Location, ", " + p.Location}.in(lang)
	}
	if p.Status.ZH == "" {
		return fmt.Sprintf(Label{"售后单 %s:%s(%s %s)还没有物流信息。", "Case %s: %s (%s %s) has no carrier event yet."}.in(lang), c.Number, kind.in(lang), p.Carrier, p.TrackingNo)
	}
	return fmt.Sprintf(Label{"售后单 %s:%s(%s %s)最新物流:%s%s,%s。", "Case %s: %s (%s %s), latest carrier event: %s%s, %s."}.in(lang),
		c.Number, kind.in(lang), p.Carrier, p.TrackingNo, p.Status.in(lang), where, when(p.At, lang))
}

func nextAnswer(c *CaseFacts, lang Lang, now time.Time) string {
	if c.Next == nil {
		w := c.Waiting.in(lang)
		if w == "" {
			w = c.State.in(lang)
		}
		return fmt.Sprintf(Label{"售后单 %s 目前不需要您做什么,正在等待%s%s。", "Case %s needs nothing from you now; it is waiting for %s%s."}.in(lang), c.Number, w, waitingDue(c, lang))
	}
	left := c.Next.DueAt.Sub(now)
	s := fmt.Sprintf(Label{"售后单 %s 下一步:%s,请在 %s 前完成", "Case %s, your next step: %s, by %s"}.in(lang), c.Number, c.Next.What.in(lang), when(c.Next.DueAt, lang))
	if left > 0 {
		days := int(left.Hours() / 24)
		s += fmt.Sprintf(Label{"(还剩约 %d 天)。", " (about %d days left)."}.in(lang), days)
	} else {
		s += Label{"(已过期限)。", " (the deadline has passed)."}.in(lang)
	}
	return s
}

// Which asks the customer to choose among several open cases.
func Which(cases []CaseFacts, lang Lang) string {
	var b strings.Builder
	b.WriteString(Label{"您有多个进行中的售后单,请告诉我是哪一个:", "You have several cases in progress; which one do you mean: "}.in(lang))
	for i, c := range cases {
		if i > 0 {
			b.WriteString(Label{"、", ", "}.in(lang))
		}
		fmt.Fprintf(&b, "%s (%s)", c.Number, c.OrderNo)
	}
	return b.String()
}

// HandoverToCase tells the customer their conversation went to the desk on a case.
func HandoverToCase(number string, lang Lang) string {
	return fmt.Sprintf(Label{"已为您转接人工客服:对话记录已附在售后单 %s 上,客服会在该售后单的留言里回复您。", "I've passed you to an agent: our conversation is attached to case %s, and they will reply in that case's messages."}.in(lang), number)
}

// HandoverToComplaint tells the customer a ticket was filed for a person to answer.
func HandoverToComplaint(lang Lang) string {
	return Label{"已为您转接人工客服:对话记录已提交为客服工单,客服会尽快联系您。", "I've passed you to an agent: our conversation was filed as a ticket and someone will get back to you soon."}.in(lang)
}

// NotUnderstood asks the customer to rephrase.
func NotUnderstood(lang Lang) string {
	return Label{"抱歉,我没有理解您的问题。您可以问退款进度、包裹物流、下一步要做什么,或说“转人工”。", "Sorry, I didn't understand. You can ask about your refund, your parcel, what to do next, or say \"agent\"."}.in(lang)
}

// FromArticles introduces knowledge-base articles.
func FromArticles(titles []string, lang Lang) string {
	return Label{"这些帮助文章也许能回答您的问题:", "These help articles may answer your question: "}.in(lang) + strings.Join(titles, Label{"、", "; "}.in(lang))
}

// NotFound says a case named in the question is not one of the customer's.
func NotFound(lang Lang) string {
	return Label{"没有找到您名下的这个售后单,请核对单号。", "I found no case of yours with that number; please check it."}.in(lang)
}

// Transcript is a conversation as one text for the agent who takes it over.
func Transcript(lines []Line) string {
	var b strings.Builder
	b.WriteString("【智能客服对话记录 / Assistant transcript】\n")
	for _, l := range lines {
		who := "客户/customer"
		if l.Assistant {
			who = "助手/assistant"
		}
		fmt.Fprintf(&b, "%s: %s\n", who, l.Text)
	}
	return b.String()
}

// Line is one message of a conversation.
type Line struct {
	Assistant bool
	Text      string
}
