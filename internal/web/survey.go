package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
)

// Satisfaction (满意度) on the case page (SPEC §6): once a case has ended its customer
// rates it — attitude, speed and result, 1 to 5 stars each, and a comment — once; the
// rating is then shown, read only, to the customer, the merchant's staff and the desk.
// A low score tells the customer that a supervisor calls back.

// surveyQuestions are the rating's questions, as the form names them.
var surveyQuestions = []string{"attitude", "speed", "result"}

// surveyStars are a question's choices, one star to five.
var surveyStars = []int{1, 2, 3, 4, 5}

// CaseSurvey is the case page's rating part.
type CaseSurvey struct {
	// Rated is the case's rating, shown read only; nil before it is rated.
	Rated *app.SurveyView
	// Form offers the rating form (the customer, an ended case not rated yet); Key is its
	// idempotency key.
	Form bool
	Key  string
	// Customer: the visitor is the case's customer (told about the call back of a low score).
	Customer bool
	// Questions are the three questions with their scores (rated) or what was entered.
	Questions []SurveyQuestion
	Stars     []int
	Comment   string
	// After a refused answer: why, and the message at each field.
	Message string
	Errors  map[string]string
}

// SurveyQuestion is one question of the rating.
type SurveyQuestion struct {
	Name  string // attitude, speed or result: the form field
	Score int    // the score given (rated), or entered (a refused form); 0 for none
	Error string
}

// ended reports whether a case may be rated: it has ended (completed or closed).
func ended(c *app.CaseView) bool {
	return c.State == aftersale.Completed || c.State == aftersale.Closed
}

// caseSurvey fills the case page's rating part; nil while there is nothing to show.
func (pg *Pages) caseSurvey(r *http.Request, v *Visit, c *app.CaseView) (*CaseSurvey, error) {
	if !ended(c) {
		return nil, nil
	}
	customer := v.Principal.Role == app.RoleCustomer
	s := &CaseSurvey{Customer: customer, Stars: surveyStars, Errors: map[string]string{}}
	rated, err := pg.app.GetSurvey(r.Context(), v.Principal, c.ID)
	switch {
	case err == nil:
		s.Rated = rated
	case app.ErrorCode(err) == app.CodeNotFound:
		if !customer {
			return nil, nil
		}
		s.Form, s.Key = true, newFormKey()
	default:
		return nil, err
	}
	for _, q := range surveyQuestions {
		sq := SurveyQuestion{Name: q}
		if s.Rated != nil {
			sq.Score = map[string]int{"attitude": s.Rated.Attitude, "speed": s.Rated.Speed, "result": s.Rated.Result}[q]
		}
		s.Questions = append(s.Questions, sq)
	}
	return s, nil
}

// refused shows a refused answer: the form with what was entered and the message at each
// question.
func (s *CaseSurvey) refused(r *http.Request, problem *FormProblem) {
	s.Message, s.Errors = problem.Message, problem.Fields
	if !s.Form {
		return
	}
	for i := range s.Questions {
		q := &s.Questions[i]
		q.Score, _ = strconv.Atoi(r.PostForm.Get(q.Name))
		q.Error = problem.Fields[q.Name]
	}
	s.Comment = r.PostForm.Get("comment")
}

// CaseSurveyForm records the customer's rating of an ended case (attitude, speed, result:
// 1–5; comment) and goes back to the case with thanks, or shows the case again with the
// problem at the question. Someone else's case is not found before the role is asked.
func (pg *Pages) CaseSurveyForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	if _, err := pg.app.GetCase(r.Context(), v.Principal, id); err != nil {
		return err
	}
	f := r.PostForm
	score := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(f.Get(name)))
		return n
	}
	in := desk.Survey{Attitude: score("attitude"), Speed: score("speed"), Result: score("result"), Comment: f.Get("comment")}
	_, err := pg.app.SubmitSurvey(r.Context(), v.Principal, id, in, formIdempotency(r, v))
	if err == nil {
		seeOther(w, "/cases/"+id+"?done=survey&lang="+string(v.Lang)+"#survey")
		return nil
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d, derr := pg.caseData(r, v)
	if derr != nil {
		return derr
	}
	if d.Survey == nil {
		// Not ended (any more): the message goes with the actions.
		d.Problem = problem
	} else {
		d.Survey.refused(r, problem)
	}
	pg.renderCase(w, r, v, problemStatus(err), d)
	return nil
}
