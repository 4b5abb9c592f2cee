package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// Quality review (质检): supervisors sample closed cases — at random or by rule (a low
// rating, a complaint, a long handling time) — and score them against the rubric kept
// in the desk's rules; agents read the reviews of their own work.

// ReviewView is a quality review.
type ReviewView struct {
	ID         string         `json:"id"`
	CaseID     string         `json:"case_id"`
	CaseNumber string         `json:"case_number"`
	Merchant   string         `json:"merchant"`
	Agent      string         `json:"agent" jsonschema:"description=whose work is reviewed: the case's owner"`
	Rule       string         `json:"rule" jsonschema:"enum=random,enum=low_csat,enum=complaint,enum=long_handling,enum=manual"`
	RuleLabel  Text           `json:"rule_label"`
	State      string         `json:"state" jsonschema:"enum=pending,enum=done"`
	Reviewer   string         `json:"reviewer"`
	Scores     map[string]int `json:"scores"`
	Total      float64        `json:"total" jsonschema:"description=0–100 by the rubric's weights"`
	Comment    string         `json:"comment,omitempty"`
	Version    int            `json:"version"`
	CreatedAt  time.Time      `json:"created_at"`
	DoneAt     *time.Time     `json:"done_at,omitempty"`
}

func reviewView(r *store.Review) ReviewView {
	v := ReviewView{ID: r.ID, CaseID: r.CaseID, CaseNumber: r.CaseNumber, Merchant: r.Merchant, Agent: r.Agent, Rule: r.Rule,
		RuleLabel: desk.SampleRule(r.Rule).Label(), State: r.State, Reviewer: r.Reviewer, Scores: r.Scores, Total: r.Total,
		Comment: r.Comment, Version: r.Version, CreatedAt: r.CreatedAt, DoneAt: optTime(r.DoneAt)}
	if r.Rule == "manual" {
		v.RuleLabel = Text{ZH: "指定抽检", EN: "Chosen"}
	}
	if v.Scores == nil {
		v.Scores = map[string]int{}
	}
	return v
}

// ReviewList is one page of reviews, with the rubric they are scored on.
type ReviewList struct {
	Reviews []ReviewView `json:"reviews"`
	Next    string       `json:"next_cursor,omitempty"`
	Rubric  desk.Rubric  `json:"rubric"`
}

// SampleInput asks for a sample of closed cases to review.
type SampleInput struct {
	Rule  string     `json:"rule" jsonschema:"enum=random,enum=low_csat,enum=complaint,enum=long_handling"`
	Count int        `json:"count" jsonschema:"description=how many cases (1–100)"`
	From  *time.Time `json:"from,omitempty" jsonschema:"description=closed at or after (default: 30 days ago)"`
	To    *time.Time `json:"to,omitempty" jsonschema:"description=closed before (default: now)"`
	// Seed makes the random draw repeatable (0: drawn from the time).
	Seed uint64 `json:"seed,omitempty"`
}

// ReviewInput scores a pending review.
type ReviewInput struct {
	Scores  map[string]int `json:"scores" jsonschema:"description=a score per criterion of the rubric\\, 0 to its max"`
	Comment string         `json:"comment,omitempty"`
	Version int            `json:"version"`
}

// maySample: supervisors review (admins too).
func mayReview(p Principal) error {
	if p.Role != RoleSupervisor && p.Role != RoleAdmin {
		return errForbidden("只有主管可以质检", "only supervisors review cases")
	}
	return nil
}

// SampleReviews draws closed cases by rule and opens a pending review for each (a case
// is reviewed once).
func (a *App) SampleReviews(ctx context.Context, p Principal, in SampleInput) (*ReviewList, error) {
	if err := mayReview(p); err != nil {
		return nil, err
	}
	rule := desk.SampleRule(in.Rule)
	switch {
	case !rule.Valid():
		return nil, errInvalid("rule", "抽检方式应为 random、low_csat、complaint 或 long_handling", "rule must be random, low_csat, complaint or long_handling")
	case in.Count < 1 || in.Count > 100:
		return nil, errInvalid("count", "数量应为 1–100", "count must be 1–100")
	}
	now := a.now()
	from, to := now.AddDate(0, 0, -30), now
	if in.From != nil {
		from = *in.From
	}
	if in.To != nil {
		to = *in.To
	}
	if !from.Before(to) {
		return nil, errInvalid("from", "开始时间应早于结束时间", "from must be before to")
	}
	seed := in.Seed
	if seed == 0 {
		seed = uint64(now.UnixNano())
	}
	out := &ReviewList{Reviews: []ReviewView{}}
	_, err := write(ctx, a, p, nil, auditTarget{"review.sample", "review", ""}, func(tx *txn) (*struct{}, int, error) {
		out.Reviews = out.Reviews[:0]
		r, err := deskRules(ctx, tx)
		if err != nil {
			return nil, 0, err
		}
		out.Rubric = r.Rubric
		q := store.CandidateQuery{States: closedCaseStates, From: from, To: to, Limit: 5000}
		if len(p.Scope) > 0 {
			q.Merchants = p.Scope
		}
		cands, err := tx.ReviewCandidates(ctx, q)
		if err != nil {
			return nil, 0, err
		}
		byID := map[string]store.ReviewCandidate{}
		dc := make([]desk.Candidate, 0, len(cands))
		for _, c := range cands {
			byID[c.CaseID] = c
			d := desk.Candidate{CaseID: c.CaseID, Assignee: c.Assignee, Handling: c.UpdatedAt.Sub(c.CreatedAt)}
			switch rule {
			case desk.SampleLowCSAT:
				if s, err := tx.Survey(ctx, c.CaseID); err == nil {
					ds := desk.Survey{Attitude: s.Attitude, Speed: s.Speed, Result: s.Result}
					d.LowCSAT = ds.Low()
				} else if !errors.Is(err, store.ErrNotFound) {
					return nil, 0, err
				}
			case desk.SampleComplain:
				cs, _, err := tx.ListComplaints(ctx, store.ComplaintQuery{CaseID: c.CaseID, Limit: 1})
				if err != nil {
					return nil, 0, err
				}
				d.Complained = len(cs) > 0
			}
			dc = append(dc, d)
		}
		long := time.Duration(r.LongHandlingHours) * time.Hour
		if long == 0 {
			long = 72 * time.Hour
		}
		reviewer := staffName(ctx, tx, p)
		if reviewer == "" {
			reviewer = p.ID
		}
		for _, d := range desk.Sample(rule, dc, in.Count, long, seed) {
			c := byID[d.CaseID]
			rv := store.Review{ID: uuid.NewString(), CaseID: c.CaseID, CaseNumber: c.Number, Merchant: c.Merchant, Agent: c.Assignee,
				Rule: string(rule), State: "pending", Reviewer: reviewer, Version: 1, CreatedAt: tx.Now()}
			if err := tx.InsertReview(ctx, &rv); errors.Is(err, store.ErrConflict) {
				continue
			} else if err != nil {
				return nil, 0, err
			}
			out.Reviews = append(out.Reviews, reviewView(&rv))
		}
		return &struct{}{}, 201, tx.audit(ctx, "review.sample", "review", "", map[string]any{"rule": rule, "asked": in.Count, "sampled": len(out.Reviews)})
	})
	return out, err
}

// loadReview reads a review p may see: supervisors those of the merchants they serve,
// an agent the reviews of their own work.
func loadReview(ctx context.Context, tx store.Tx, p Principal, id string) (store.Review, error) {
	r, err := tx.Review(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, errNotFound("review")
	} else if err != nil {
		return r, err
	}
	switch {
	case p.Role == RoleAgent && r.Agent != "" && r.Agent == staffName(ctx, tx, p) && r.State == "done":
	case (p.Role == RoleSupervisor || p.Role == RoleAdmin) && p.sees(owner{merchant: r.Merchant}):
	default:
		return r, errNotFound("review")
	}
	return r, nil
}

// GetReview returns a review.
func (a *App) GetReview(ctx context.Context, p Principal, id string) (*ReviewView, error) {
	var v ReviewView
	err := a.store.View(ctx, func(tx store.Tx) error {
		r, err := loadReview(ctx, tx, p, id)
		v = reviewView(&r)
		return err
	})
	return &v, fromCore(err)
}

// ScoreReview scores a pending review against the rubric (the version must be the
// stored one). It can be scored again while its reviewer corrects it.
func (a *App) ScoreReview(ctx context.Context, p Principal, id string, in ReviewInput) (*ReviewView, error) {
	if err := mayReview(p); err != nil {
		return nil, err
	}
	in.Comment = strings.TrimSpace(text.Clean(in.Comment))
	if utf8.RuneCountInString(in.Comment) > 4000 {
		return nil, errInvalid("comment", "评语不能超过 4000 字", "the comment is longer than 4000 characters")
	}
	r, err := write(ctx, a, p, nil, auditTarget{"review.score", "review", id}, func(tx *txn) (*ReviewView, int, error) {
		r, err := loadReview(ctx, tx, p, id)
		if err != nil {
			return nil, 0, err
		}
		if in.Version != r.Version {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "质检记录已更新,请刷新后重试", EN: "the review has changed; reload and try again"}, Version: int64(r.Version)}
		}
		rules, err := deskRules(ctx, tx)
		if err != nil {
			return nil, 0, err
		}
		total, err := rules.Rubric.Score(in.Scores)
		if err != nil {
			return nil, 0, deskErr(err)
		}
		r.Scores, r.Total, r.Comment, r.State, r.DoneAt = in.Scores, total, in.Comment, "done", tx.Now()
		if name := staffName(ctx, tx, p); name != "" {
			r.Reviewer = name
		}
		r.Version++
		if err := tx.UpdateReview(ctx, &r); err != nil {
			return nil, 0, err
		}
		v := reviewView(&r)
		return &v, 200, tx.audit(ctx, "review.score", "review", r.ID, map[string]any{"case": r.CaseNumber, "agent": r.Agent, "total": r.Total})
	})
	return r.Value, err
}

// ReviewQueryInput selects reviews.
type ReviewQueryInput struct {
	Agent  string // a username, or "me"
	State  string
	Cursor string
	Limit  int
}

// ListReviews lists reviews: supervisors those of the merchants they serve; agents their
// own finished ones.
func (a *App) ListReviews(ctx context.Context, p Principal, in ReviewQueryInput) (*ReviewList, error) {
	if p.Role != RoleAgent && mayReview(p) != nil {
		return nil, errForbidden("只有客服和主管可以查看质检", "reviews are for agents and supervisors")
	}
	if in.State != "" && in.State != "pending" && in.State != "done" {
		return nil, errInvalid("state", "状态应为 pending 或 done", "state must be pending or done")
	}
	if in.Limit < 0 || in.Limit > 500 {
		return nil, errInvalid("limit", "每页 1–500 条", "limit must be 1–500")
	}
	out := &ReviewList{Reviews: []ReviewView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		rules, err := deskRules(ctx, tx)
		if err != nil {
			return err
		}
		out.Rubric = rules.Rubric
		q := store.ReviewQuery{Agent: in.Agent, State: in.State, Cursor: in.Cursor, Limit: in.Limit}
		if in.Agent == "me" || p.Role == RoleAgent {
			if q.Agent = staffName(ctx, tx, p); q.Agent == "" {
				return errForbidden("质检记录属于个人:请以员工账号查看", "reviews are of a person's work: act as a staff account")
			}
		}
		if p.Role == RoleAgent {
			q.State = "done" // a review is shown to its agent once it is scored
		}
		if len(p.Scope) > 0 {
			q.Merchants = p.Scope
		}
		rs, next, err := tx.ListReviews(ctx, q)
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		}
		for i := range rs {
			out.Reviews = append(out.Reviews, reviewView(&rs[i]))
		}
		out.Next = next
		return err
	})
	return out, fromCore(err)
}
