package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/kb"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/triage"
)

// MaxTriageText is the longest text triage takes, in characters.
const MaxTriageText = 4000

// TriageArticle is a knowledge-base article triage suggests.
type TriageArticle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Lang  string `json:"lang,omitempty"`
}

// TriageView is smart triage's suggestion for a text: a suggestion, never a decision.
type TriageView struct {
	Reason    string          `json:"reason"`
	Urgency   string          `json:"urgency"`
	Sentiment float64         `json:"sentiment"`
	Articles  []TriageArticle `json:"articles"`
}

// Triage suggests a reason code, an urgency, a sentiment and up to 3 published
// knowledge-base articles for text. Any signed-in principal may ask (customers
// included: it is a suggestion).
func (a *App) Triage(ctx context.Context, p Principal, text, lang string) (*TriageView, error) {
	if p.Role == "" {
		return nil, errForbidden("请先登录", "sign in first")
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errInvalid("text", "请填写要分析的文字", "the text is required")
	}
	if utf8.RuneCountInString(text) > MaxTriageText {
		return nil, errInvalid("text", fmt.Sprintf("文字最多 %d 个字", MaxTriageText), fmt.Sprintf("the text may have at most %d characters", MaxTriageText))
	}
	s := triage.Default().Suggest(text)
	v := &TriageView{Reason: s.Reason, Urgency: s.Urgency, Sentiment: s.Sentiment, Articles: []TriageArticle{}}
	for _, ar := range a.SuggestArticles(ctx, text, lang, 3) {
		v.Articles = append(v.Articles, TriageArticle{ID: ar.ID, Title: ar.Title, Lang: ar.Language})
	}
	return v, nil
}

// CaseSuggestions returns the triage suggestions stored on a case for staff who may see
// the case; customers get none (suggestions are for the desk).
func (a *App) CaseSuggestions(ctx context.Context, p Principal, caseID string) ([]store.TriageSuggestion, error) {
	if p.Role == RoleCustomer || p.Role == "" {
		return nil, nil
	}
	var out []store.TriageSuggestion
	err := a.store.View(ctx, func(tx store.Tx) error {
		rec, err := tx.Case(ctx, caseID)
		if err != nil {
			return err
		}
		if !p.sees(owner{rec.Case.MerchantID, rec.Case.CustomerID}) {
			return store.ErrNotFound
		}
		out, err = tx.Suggestions(ctx, caseID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound("case")
	}
	return out, err
}

// triageSubject stores triage's suggestion for the text of a new case ("case", its id)
// or message ("message", its id) in the transaction that writes it. An urgent text from
// the customer goes to the supervisors who serve the merchant at once, as an in-app
// notification, and an urgent message raises its open case to priority urgent (a TriageUrgent
// record in the history; c is the case after it). The customer's chosen reason is never
// changed.
func (a *App) triageSubject(ctx context.Context, tx *txn, c *aftersale.Case, kind, id string, s *suggestion, byCustomer bool) error {
	if s == nil {
		return nil
	}
	text := s.text
	arts, err := a.triageArticles(ctx, tx, s.Terms, 3)
	if err != nil {
		return err
	}
	if err := tx.PutSuggestion(ctx, store.TriageSuggestion{SubjectKind: kind, SubjectID: id, CaseID: c.ID,
		Reason: s.Reason, Urgency: s.Urgency, Sentiment: s.Sentiment, Articles: arts}); err != nil {
		return err
	}
	if s.Urgency != triage.Urgent || !byCustomer {
		return nil
	}
	if kind == "message" && c.Priority != aftersale.PriorityUrgent && !c.State.Terminal() {
		// A new case was opened urgent (triagePriority); a case the customer writes about
		// in these words becomes urgent now, in its history.
		res, err := aftersale.Record(*c, aftersale.TriageUrgent, aftersale.SystemActor,
			"智能分诊在买家留言中发现安全问题 / smart triage found a safety issue in the customer's message",
			map[string]string{"from": string(c.Priority), "message": id}, tx.Now(), func(n *aftersale.Case) { n.Priority = aftersale.PriorityUrgent })
		if err != nil {
			return err
		}
		if err := a.persist(ctx, tx, c, &res, nil); err != nil {
			return err
		}
		*c = res.Case
	}
	rs, err := a.recipients(ctx, tx, []string{string(RoleSupervisor)}, c.MerchantID, "", func(string) bool { return false })
	if err != nil {
		return err
	}
	excerpt := text
	if utf8.RuneCountInString(excerpt) > 80 {
		excerpt = string([]rune(excerpt)[:80]) + "…"
	}
	for _, r := range rs {
		if _, err := tx.InsertNotification(ctx, store.Notification{Recipient: r.person, Source: "triage:" + kind + ":" + id,
			Event: "case.triage_urgent", CaseID: c.ID, Link: "/cases/" + c.ID, At: tx.Now(),
			Subject: store.Text{ZH: fmt.Sprintf("紧急:售后单 %s 提到安全问题", c.Number), EN: fmt.Sprintf("Urgent: case %s mentions a safety issue", c.Number)},
			Body:    store.Text{ZH: "智能分诊建议立即处理:" + excerpt, EN: "Smart triage suggests handling it at once: " + excerpt},
		}); err != nil {
			return err
		}
	}
	return nil
}

// triageArticles ranks the published articles for terms inside tx, best first.
func (a *App) triageArticles(ctx context.Context, tx store.Tx, terms []string, n int) ([]string, error) {
	if len(terms) == 0 {
		return []string{}, nil
	}
	sq := store.ArticleQuery{Status: "published"}
	hits, err := tx.ArticleTermHits(ctx, terms, sq)
	if err != nil {
		return nil, err
	}
	st, err := a.kbStats.get(struct{}{}, replicaTTL, func() (st articleStats, err error) {
		st.docs, st.avg, err = tx.ArticleStats(ctx, sq)
		return st, err
	})
	if err != nil {
		return nil, err
	}
	docs, avg := st.docs, st.avg
	kh := make([]kb.Hit, len(hits))
	for i, h := range hits {
		kh[i] = kb.Hit{Article: h.ArticleID, Term: h.Term, Count: h.Count, Length: h.Length}
	}
	out := []string{}
	for _, r := range kb.Rank(kh, terms, docs, avg) {
		if len(out) == n {
			break
		}
		out = append(out, r.Article)
	}
	return out, nil
}

// articleStats are the published articles' count and mean length (BM25's), as triage
// remembers them for replicaTTL (articles changed here are seen at once: kb.go forgets).
type articleStats struct {
	docs int
	avg  float64
}

// suggestion is triage's suggestion for a text, with the text it read.
type suggestion struct {
	triage.Suggestion
	text string // at most MaxTriageText characters
}

// suggest is triage's suggestion for the text of a new case or message, read once for
// the case's priority and the stored suggestion both; nil for an empty text. Triage reads
// the first MaxTriageText characters.
func suggest(text string) *suggestion {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if utf8.RuneCountInString(text) > MaxTriageText {
		text = string([]rune(text)[:MaxTriageText])
	}
	return &suggestion{Suggestion: triage.Default().Suggest(text), text: text}
}

// triagePriority is the priority a new case opens with: urgent when triage finds its
// description urgent (a safety word: to a supervisor at once), else the one it had.
func triagePriority(s *suggestion, had aftersale.Priority) aftersale.Priority {
	if s != nil && s.Urgency == triage.Urgent {
		return aftersale.PriorityUrgent
	}
	return had
}
