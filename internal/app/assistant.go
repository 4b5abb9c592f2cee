package app

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/assistant"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// maxAssistantText bounds a question to the assistant.
const maxAssistantText = 1000

// intentUnknown is the intent stored for an answer that could not answer: two in a row
// hand the customer over to a person.
const intentUnknown = "unknown"

// AssistantInput is a customer's question to the self-service assistant (智能客服).
type AssistantInput struct {
	Text    string `json:"text" jsonschema:"description=the question, at most 1000 characters"`
	Session string `json:"session,omitempty" jsonschema:"description=the session of an earlier answer, to carry on the conversation"`
	Lang    string `json:"lang,omitempty" jsonschema:"enum=zh,enum=en,description=the answer's language; the question's when empty"`
}

// AssistantArticle is a knowledge-base article an answer points to.
type AssistantArticle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// AssistantReply is the assistant's answer.
type AssistantReply struct {
	Session  string             `json:"session"`
	Answer   string             `json:"answer"`
	Intent   string             `json:"intent" jsonschema:"description=refund_status, parcel, next_step, human, greeting, thanks, other or unknown"`
	Cases    []string           `json:"cases" jsonschema:"description=the RMA numbers of the customer's cases the answer is about"`
	Articles []AssistantArticle `json:"articles"`
	Handover bool               `json:"handover"`
	// HandoverTo is the case (its id) whose conversation got the transcript, or the
	// complaint filed with it.
	HandoverTo *string `json:"handover_to" jsonschema:"nullable,description=the case or complaint id the conversation was handed over to (null: not handed over)"`
}

// AssistantMessageView is one message of an assistant session.
type AssistantMessageView struct {
	Role   string `json:"role"`
	Text   string `json:"text"`
	Intent string `json:"intent,omitempty"`
}

// AssistantMessages returns a session's messages to its customer (not found for anyone
// else's).
func (a *App) AssistantMessages(ctx context.Context, p Principal, session string) ([]AssistantMessageView, error) {
	if p.Role != RoleCustomer {
		return nil, errForbidden("智能客服只为买家服务", "the assistant is for customers")
	}
	var out []AssistantMessageView
	err := a.store.View(ctx, func(tx store.Tx) error {
		s, err := tx.AssistantSession(ctx, session)
		if errors.Is(err, store.ErrNotFound) || err == nil && s.Customer != p.Customer {
			return errNotFound("session")
		} else if err != nil {
			return err
		}
		msgs, err := tx.AssistantMessages(ctx, session)
		for _, m := range msgs {
			out = append(out, AssistantMessageView{Role: m.Role, Text: m.Text, Intent: m.Intent})
		}
		return err
	})
	return out, err
}

// Ask answers a customer's question from their own cases (read through the customer's
// own views, so the app's usual access control decides what the assistant may tell) or
// the public knowledge base, keeps the conversation, and hands it over to a person when
// asked, or when it could not answer twice in a row.
func (a *App) Ask(ctx context.Context, p Principal, in AssistantInput) (*AssistantReply, error) {
	if p.Role != RoleCustomer || p.Customer == "" {
		return nil, errForbidden("智能客服只为买家服务", "the assistant is for customers")
	}
	q := text.Clean(in.Text)
	switch {
	case strings.TrimSpace(q) == "":
		return nil, errInvalid("text", "请输入问题", "the question is empty")
	case utf8.RuneCountInString(q) > maxAssistantText:
		return nil, errInvalid("text", "问题最多 1000 个字符", "the question is at most 1000 characters")
	}
	lang := assistant.LangOf(q)
	switch in.Lang {
	case "":
	case "zh", "zh-CN":
		lang = assistant.ZH
	case "en":
		lang = assistant.EN
	default:
		return nil, errInvalid("lang", "语言应为 zh 或 en", "lang must be zh or en")
	}
	if len(in.Session) > 64 {
		return nil, errInvalid("session", "会话编号无效", "the session is not valid")
	}

	sess, history, err := a.assistantSession(ctx, p, in.Session)
	if err != nil {
		return nil, err
	}
	rec := assistant.Recognize(q)
	out := &AssistantReply{Session: sess.ID, Intent: string(rec.Intent), Cases: []string{}, Articles: []AssistantArticle{}}

	facts, chosen, answer, err := a.assistantCase(ctx, p, q, rec.Intent, lang, sess)
	if err != nil {
		return nil, err
	}
	if chosen != nil {
		sess.CaseID = chosen.ID
	}
	for _, f := range facts {
		out.Cases = append(out.Cases, f.Number)
	}
	switch {
	case answer != "":
	case rec.Intent == assistant.Other:
		arts := a.SuggestArticles(ctx, q, string(lang), 3)
		if len(arts) == 0 && lang == assistant.ZH {
			arts = a.SuggestArticles(ctx, q, "", 3)
		}
		if len(arts) == 0 {
			answer, out.Intent = assistant.NotUnderstood(lang), intentUnknown
			break
		}
		titles := make([]string, len(arts))
		for i, art := range arts {
			out.Articles = append(out.Articles, AssistantArticle{ID: art.ID, Title: art.Title})
			titles[i] = art.Title
		}
		answer = assistant.FromArticles(titles, lang)
	case rec.Intent != assistant.Human:
		answer = assistant.Answer(rec.Intent, chosen, lang, a.now())
	}

	handover := rec.Intent == assistant.Human ||
		out.Intent == intentUnknown && len(history) > 0 && history[len(history)-1].Intent == intentUnknown
	lines := make([]assistant.Line, 0, len(history)+2)
	for _, m := range history {
		lines = append(lines, assistant.Line{Assistant: m.Role == "assistant", Text: m.Text})
	}
	lines = append(lines, assistant.Line{Text: q})
	if handover {
		to, toCase, err := a.assistantHandover(ctx, p, sess, assistant.Transcript(lines), lang)
		if err != nil {
			return nil, err
		}
		out.Handover, out.HandoverTo, sess.HandoverTo = true, &to, to
		if toCase != "" {
			answer = assistant.HandoverToCase(toCase, lang)
		} else {
			answer = assistant.HandoverToComplaint(lang)
		}
	}
	out.Answer = answer
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if len(history) == 0 && in.Session == "" {
			if err := tx.InsertAssistantSession(ctx, sess); err != nil {
				return err
			}
		} else if err := tx.UpdateAssistantSession(ctx, sess); err != nil {
			return err
		}
		if err := tx.AppendAssistantMessage(ctx, store.AssistantMessage{SessionID: sess.ID, Role: "user", Text: q}); err != nil {
			return err
		}
		return tx.AppendAssistantMessage(ctx, store.AssistantMessage{SessionID: sess.ID, Role: "assistant", Text: answer, Intent: out.Intent})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// assistantSession loads the customer's session (not found when it is someone else's)
// or starts one.
func (a *App) assistantSession(ctx context.Context, p Principal, id string) (store.AssistantSession, []store.AssistantMessage, error) {
	if id == "" {
		return store.AssistantSession{ID: uuid.NewString(), Customer: p.Customer}, nil, nil
	}
	var (
		s    store.AssistantSession
		msgs []store.AssistantMessage
	)
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = tx.AssistantSession(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && s.Customer != p.Customer {
			return errNotFound("session")
		} else if err != nil {
			return err
		}
		msgs, err = tx.AssistantMessages(ctx, id)
		return err
	})
	return s, msgs, err
}

// assistantCase picks the case a question is about among the customer's own: the RMA
// number in it, an order number, the session's case, else the one open case. It returns
// the facts of the cases the answer names, the chosen one, and an answer when the choice
// itself is the answer (no such case of yours; which of these?).
func (a *App) assistantCase(ctx context.Context, p Principal, q string, in assistant.Intent, lang assistant.Lang, sess store.AssistantSession) ([]assistant.CaseFacts, *assistant.CaseFacts, string, error) {
	needsCase := in == assistant.RefundStatus || in == assistant.Parcel || in == assistant.NextStep || in == assistant.Human
	number := assistant.CaseNumber(q)
	if !needsCase && number == "" {
		return nil, nil, "", nil
	}
	list, err := a.ListCases(ctx, p, ListInput{Limit: 100})
	if err != nil {
		return nil, nil, "", err
	}
	var pick *CaseSummary
	if number != "" {
		for i := range list.Items {
			if list.Items[i].Number == number {
				pick = &list.Items[i]
			}
		}
		if pick == nil { // someone else's number, or none: nothing of it is told
			return nil, nil, assistant.NotFound(lang), nil
		}
	}
	for _, no := range assistant.OrderNumbers(q) {
		for i := range list.Items {
			if pick == nil && strings.EqualFold(list.Items[i].OrderNo, no) && !list.Items[i].State.Terminal() {
				pick = &list.Items[i]
			}
		}
	}
	if pick == nil && sess.CaseID != "" {
		for i := range list.Items {
			if list.Items[i].ID == sess.CaseID {
				pick = &list.Items[i]
			}
		}
	}
	if pick == nil {
		var open []*CaseSummary
		for i := range list.Items {
			if !list.Items[i].State.Terminal() {
				open = append(open, &list.Items[i])
			}
		}
		switch {
		case len(open) == 1:
			pick = open[0]
		case len(open) > 1 && in != assistant.Human:
			facts := make([]assistant.CaseFacts, len(open))
			for i, c := range open {
				facts[i] = assistant.CaseFacts{ID: c.ID, Number: c.Number, OrderNo: c.OrderNo}
			}
			return facts, nil, assistant.Which(facts, lang), nil
		case len(open) == 0 && len(list.Items) > 0:
			pick = &list.Items[0] // the most recent case, ended
		}
	}
	if pick == nil {
		return nil, nil, "", nil
	}
	f, err := a.caseFacts(ctx, p, pick.ID)
	if err != nil {
		return nil, nil, "", err
	}
	return []assistant.CaseFacts{*f}, f, "", nil
}

// waitingFor says what a case waits on, by the other side's deadline: a phrase the
// assistant puts after "waiting for" (a deadline's own label names the deadline).
var waitingFor = map[aftersale.DeadlineKind]assistant.Label{
	aftersale.MerchantResponse:     {ZH: "商家处理您的申请", EN: "the merchant to answer your application"},
	aftersale.MerchantReceipt:      {ZH: "商家确认收到退货", EN: "the merchant to confirm receipt of your return"},
	aftersale.MerchantInspection:   {ZH: "商家验货", EN: "the merchant to inspect the goods"},
	aftersale.MerchantRefund:       {ZH: "商家退款", EN: "the merchant to pay the refund"},
	aftersale.MerchantShipExchange: {ZH: "商家发出换货", EN: "the merchant to ship the replacement"},
	aftersale.MerchantRepair:       {ZH: "商家完成维修", EN: "the merchant to finish the repair"},
	aftersale.MerchantReship:       {ZH: "商家补发", EN: "the merchant to reship"},
}

// caseFacts is what the customer's own view of a case tells the assistant.
func (a *App) caseFacts(ctx context.Context, p Principal, id string) (*assistant.CaseFacts, error) {
	v, err := a.GetCase(ctx, p, id)
	if err != nil {
		return nil, err
	}
	f := &assistant.CaseFacts{
		ID: v.ID, Number: v.Number, OrderNo: v.OrderNo, Open: !v.State.Terminal(),
		State:    assistant.Label{ZH: v.StateLabel.ZH, EN: v.StateLabel.EN},
		Refund:   money.New(v.RefundAmount, v.Currency),
		Refunded: money.New(v.RefundedAmount, v.Currency),
		Created:  v.CreatedAt,
	}
	for _, d := range v.Deadlines {
		if strings.HasPrefix(string(d.Kind), "customer_") {
			if f.Next == nil || d.DueAt.Before(f.Next.DueAt) {
				f.Next = &assistant.StepFacts{What: assistant.Label{ZH: d.Label.ZH, EN: d.Label.EN}, DueAt: d.DueAt}
			}
		} else if w, ok := waitingFor[d.Kind]; ok && f.Waiting.ZH == "" {
			f.Waiting, f.WaitingDue = w, d.DueAt
		}
	}
	ship, ret := v.OutboundShipment, false
	if ship == nil || v.ReturnShipment != nil && v.ReturnShipment.At.After(ship.At) {
		ship, ret = v.ReturnShipment, true
	}
	if ship != nil {
		pf := &assistant.ParcelFacts{Return: ret, Carrier: ship.Carrier, TrackingNo: ship.TrackingNo}
		if pv, err := a.GetShipment(ctx, p, ship.Carrier, ship.TrackingNo); err == nil && len(pv.Events) > 0 {
			last := pv.Events[len(pv.Events)-1]
			pf.Status, pf.At, pf.Location = assistant.Label{ZH: last.Label.ZH, EN: last.Label.EN}, last.At, last.Location
		} else if err != nil && ErrorCode(err) != CodeNotFound {
			return nil, err
		}
		f.Parcel = pf
	}
	return f, nil
}

// assistantHandover gives the conversation to a person: on the session's case as the
// customer's message (which puts the case before the desk: the customer's message starts
// its next-update clock), or else as a complaint ticket. It returns the case or
// complaint id and, for a case, its number.
func (a *App) assistantHandover(ctx context.Context, p Principal, sess store.AssistantSession, transcript string, lang assistant.Lang) (string, string, error) {
	if sess.CaseID != "" {
		v, err := a.GetCase(ctx, p, sess.CaseID)
		if err == nil {
			if _, err := a.PostMessage(ctx, p, v.ID, MessageInput{Body: truncateRunes(transcript, maxMessage)}, nil); err != nil {
				return "", "", err
			}
			return v.ID, v.Number, nil
		} else if ErrorCode(err) != CodeNotFound {
			return "", "", err
		}
	}
	subject := "智能客服转人工"
	if lang == assistant.EN {
		subject = "Assistant handover"
	}
	r, err := a.FileComplaint(ctx, p, ComplaintInput{Subject: subject, About: complaint.AboutPlatform, Description: truncateRunes(transcript, 4000)}, nil)
	if err != nil {
		return "", "", err
	}
	return r.Value.ID, "", nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[len(r)-n:]) // the end of the conversation matters most
}

// MayAsk reports whether p may use the assistant: customers only.
func (a *App) MayAsk(p Principal) error {
	if p.Role != RoleCustomer || p.Customer == "" {
		return errForbidden("智能客服只为买家服务", "the assistant is for customers")
	}
	return nil
}
