package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
)

// Quality review (/reviews, 质检): supervisors draw closed cases by a rule and score each
// against the rubric; agents read their own scored reviews.

// ReviewsData is the reviews page's data.
type ReviewsData struct {
	// Supervise: the visitor samples and scores (supervisors, admins).
	Supervise     bool
	Pending, Done []app.ReviewView
	Rubric        desk.Rubric
	Rules         []string
	// The sample form: its key, values and problems.
	Key            string
	Message        string
	Values, Errors map[string]string
}

// sampleRules are the sample form's rules.
var sampleRules = []string{"random", "low_csat", "complaint", "long_handling"}

// reviewPageRows is how many reviews each list shows.
const reviewPageRows = 100

// Reviews lists the reviews: the pending and the done for supervisors, one's own done
// ones for agents; other roles are refused.
func (pg *Pages) Reviews(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.reviewsData(r, v)
	if err != nil {
		return err
	}
	pg.renderReviews(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) reviewsData(r *http.Request, v *Visit) (*ReviewsData, error) {
	role := v.Principal.Role
	d := &ReviewsData{Supervise: role == app.RoleSupervisor || role == app.RoleAdmin, Rules: sampleRules, Key: newFormKey(),
		Values: map[string]string{"count": "10"}, Errors: map[string]string{}}
	in := app.ReviewQueryInput{State: "done", Limit: reviewPageRows}
	if !d.Supervise {
		in.Agent = "me"
	}
	done, err := pg.app.ListReviews(r.Context(), v.Principal, in)
	if err != nil {
		return nil, err
	}
	d.Done, d.Rubric = done.Reviews, done.Rubric
	if d.Supervise {
		pending, err := pg.app.ListReviews(r.Context(), v.Principal, app.ReviewQueryInput{State: "pending", Limit: reviewPageRows})
		if err != nil {
			return nil, err
		}
		d.Pending = pending.Reviews
	}
	return d, nil
}

func (pg *Pages) renderReviews(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *ReviewsData) {
	p := pg.page(r, v, "desk.reviews.title")
	p.Data = d
	pg.render(w, r, status, "desk_reviews", p)
}

// SampleReviewsForm draws closed cases by rule and count (supervisors) and goes back to
// the list, or shows it again with the problem at the field.
func (pg *Pages) SampleReviewsForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f := r.PostForm
	in := app.SampleInput{Rule: f.Get("rule")}
	problem := &FormProblem{Fields: map[string]string{}}
	n, cerr := strconv.Atoi(strings.TrimSpace(f.Get("count")))
	in.Count = n
	var err error
	if cerr != nil {
		problem.Fields["count"], problem.Message = pg.say(v.Lang, "desk.reviews.bad_count"), pg.say(v.Lang, "form.check_fields")
	} else {
		var list *app.ReviewList
		list, err = pg.app.SampleReviews(r.Context(), v.Principal, in)
		if err == nil {
			seeOther(w, "/reviews?done=sampled&n="+strconv.Itoa(len(list.Reviews))+"&lang="+string(v.Lang))
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
	}
	d, derr := pg.reviewsData(r, v)
	if derr != nil {
		return derr
	}
	d.Message, d.Errors, d.Values = problem.Message, problem.Fields, formValues(r)
	pg.renderReviews(w, r, v, problemStatus(err), d)
	return nil
}

// ReviewData is a review's page data.
type ReviewData struct {
	Review *app.ReviewView
	Rubric desk.Rubric
	// Score: the visitor scores it (supervisors, admins); the form's values and problems.
	Score          bool
	Key, Message   string
	Values, Errors map[string]string
}

// ReviewPage shows a review with its scores, and the score form to supervisors.
func (pg *Pages) ReviewPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.reviewData(r, v)
	if err != nil {
		return err
	}
	pg.renderReview(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) reviewData(r *http.Request, v *Visit) (*ReviewData, error) {
	rv, err := pg.app.GetReview(r.Context(), v.Principal, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	list, err := pg.app.ListReviews(r.Context(), v.Principal, app.ReviewQueryInput{Limit: 1})
	if err != nil {
		return nil, err
	}
	role := v.Principal.Role
	d := &ReviewData{Review: rv, Rubric: list.Rubric, Score: role == app.RoleSupervisor || role == app.RoleAdmin, Key: newFormKey(),
		Values: map[string]string{"comment": rv.Comment}, Errors: map[string]string{}}
	for code, n := range rv.Scores {
		d.Values["score_"+code] = strconv.Itoa(n)
	}
	return d, nil
}

func (pg *Pages) renderReview(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *ReviewData) {
	p := pg.page(r, v, "desk.review.title", d.Review.CaseNumber)
	p.Data = d
	pg.render(w, r, status, "desk_review", p)
}

// ScoreReviewForm scores a review: score_<code> per criterion of the rubric, comment,
// version; back to the list, or the review again with the problem at the criterion.
func (pg *Pages) ScoreReviewForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.reviewData(r, v)
	if err != nil {
		return err
	}
	f := r.PostForm
	in := app.ReviewInput{Scores: map[string]int{}, Comment: f.Get("comment")}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	problem := &FormProblem{Fields: map[string]string{}}
	for _, c := range d.Rubric.Criteria {
		s := strings.TrimSpace(f.Get("score_" + c.Code))
		if s == "" {
			continue // the application says it is missing
		}
		n, cerr := strconv.Atoi(s)
		if cerr != nil {
			problem.Fields["score_"+c.Code] = pg.say(v.Lang, "desk.reviews.bad_score")
			continue
		}
		in.Scores[c.Code] = n
	}
	if len(problem.Fields) == 0 {
		_, err = pg.app.ScoreReview(r.Context(), v.Principal, d.Review.ID, in)
		if err == nil {
			seeOther(w, "/reviews/"+url.PathEscape(d.Review.ID)+"?done=scored&lang="+string(v.Lang))
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
	} else {
		problem.Message = pg.say(v.Lang, "form.check_fields")
	}
	d.Message, d.Values = problem.Message, formValues(r)
	for k, m := range problem.Fields {
		// The application names a criterion scores.<code>.
		if code, ok := strings.CutPrefix(k, "scores."); ok {
			k = "score_" + code
		}
		d.Errors[k] = m
	}
	pg.renderReview(w, r, v, problemStatus(err), d)
	return nil
}
