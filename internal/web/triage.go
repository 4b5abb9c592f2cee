package web

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
)

// CaseTriage is smart triage's suggestion for a case's application, shown to staff only:
// a suggestion, never a decision.
type CaseTriage struct {
	Reason    aftersale.Reason
	Differs   bool // the suggested reason is not the customer's
	Urgency   string
	Sentiment float64
	Mood      string // negative, neutral or positive: the sentiment's catalogue key
	Articles  []app.ArticleView
}

// caseTriage reads the suggestion stored for the case's application; nil for customers
// and for a case without one.
func (pg *Pages) caseTriage(r *http.Request, v *Visit, c *app.CaseView) (*CaseTriage, error) {
	if v.Principal.Role == app.RoleCustomer {
		return nil, nil
	}
	ss, err := pg.app.CaseSuggestions(r.Context(), v.Principal, c.ID)
	if err != nil || len(ss) == 0 {
		return nil, err
	}
	s := ss[0]
	for _, x := range ss {
		if x.SubjectKind == "case" {
			s = x
			break
		}
	}
	d := &CaseTriage{Reason: aftersale.Reason(s.Reason), Differs: aftersale.Reason(s.Reason) != c.Reason, Urgency: s.Urgency, Sentiment: s.Sentiment, Mood: "neutral"}
	switch {
	case s.Sentiment <= -0.25:
		d.Mood = "negative"
	case s.Sentiment >= 0.25:
		d.Mood = "positive"
	}
	for _, id := range s.Articles {
		if a, err := pg.app.GetArticle(r.Context(), v.Principal, id); err == nil {
			d.Articles = append(d.Articles, *a)
		}
	}
	return d, nil
}
