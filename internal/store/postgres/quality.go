package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertSurvey stores a case's survey (a zero At is Now). The primary key refuses a second
// survey of the case (ErrConflict), the foreign key an unknown case (ErrNotFound). It is
// sent at once, inside a savepoint: a refusal comes back from the call and leaves the
// transaction usable.
func (t *Tx) InsertSurvey(ctx context.Context, s store.Survey) error {
	if s.CaseID == "" {
		return fmt.Errorf("insert survey: a survey needs a case")
	}
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO surveys (case_id, number, merchant, customer, category, agent, attitude, speed, result, comment, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		s.CaseID, s.Number, s.Merchant, s.Customer, s.Category, s.Agent, int32(s.Attitude), int32(s.Speed),
		int32(s.Result), s.Comment, utcMicro(orNow(s.At, t.now)))
	if err := t.guarded(ctx, b); err != nil {
		return wrap(err, "insert survey of case %s", s.CaseID)
	}
	return t.markDirty(ctx, "case", s.CaseID)
}

// surveyColumns are what surveyRow receives, in its order.
const surveyColumns = `case_id, number, merchant, customer, category, agent, attitude, speed, result, comment, at`

// surveyRow receives a row of surveyColumns.
type surveyRow struct {
	s                      store.Survey
	attitude, speed, score int32
}

func (r *surveyRow) dest() []any {
	s := &r.s
	return []any{&s.CaseID, &s.Number, &s.Merchant, &s.Customer, &s.Category, &s.Agent, &r.attitude, &r.speed,
		&r.score, &s.Comment, &s.At}
}

func (r *surveyRow) survey() store.Survey {
	s := r.s
	s.Attitude, s.Speed, s.Result = int(r.attitude), int(r.speed), int(r.score)
	return s
}

// Survey returns a case's survey.
func (t *Tx) Survey(ctx context.Context, caseID string) (store.Survey, error) {
	var r surveyRow
	if err := t.queryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE case_id = $1`, []any{caseID}, r.dest()...); err != nil {
		return store.Survey{}, wrap(err, "survey of case %s", caseID)
	}
	return r.survey(), nil
}

// surveyCursorPrefix starts ListSurveys's cursors (see disputeCursorPrefix).
const surveyCursorPrefix = "surveys/"

// ListSurveys returns one page of surveys, newest first, by keyset pagination on
// (at, case_id) as ListDisputes on (updated_at, id).
func (t *Tx) ListSurveys(ctx context.Context, q store.SurveyQuery) ([]store.Survey, string, error) {
	f := &filter{}
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("false") // a scope of no merchants: nothing
	}
	anyOf(f, "merchant", q.Merchants)
	f.eq("agent", q.Agent)
	if q.Low {
		f.add("(attitude <= 2 OR speed <= 2 OR result <= 2)")
	}
	if !q.From.IsZero() {
		f.add("at >= " + f.arg(q.From))
	}
	if !q.To.IsZero() {
		f.add("at < " + f.arg(q.To))
	}
	var ss []store.Survey
	next, err := t.keysetPage(ctx, "surveys", surveyColumns, "at", "case_id", surveyCursorPrefix, q.Cursor, q.Limit, f,
		func(rows pgx.Rows) (time.Time, string, error) {
			var r surveyRow
			if err := rows.Scan(r.dest()...); err != nil {
				return time.Time{}, "", err
			}
			s := r.survey()
			ss = append(ss, s)
			return s.At, s.CaseID, nil
		})
	if err != nil {
		return nil, "", wrap(err, "list surveys")
	}
	return ss, next, nil
}

// reviewArgs are the values of a review's columns (its id first): $1 to $14 of the
// statements below.
func reviewArgs(r *store.Review) ([]any, error) {
	scores := []byte("{}")
	if len(r.Scores) > 0 {
		var err error
		if scores, err = json.Marshal(r.Scores); err != nil {
			return nil, err
		}
	}
	return []any{r.ID, r.CaseID, r.CaseNumber, r.Merchant, r.Agent, r.Rule, r.State, r.Reviewer, scores, r.Total,
		r.Comment, int64(r.Version), r.CreatedAt, nullTime(r.DoneAt)}, nil
}

// InsertReview stores a new review. The primary key refuses a taken id and the case's
// unique key a second review of the case (ErrConflict); the foreign key an unknown case
// (ErrNotFound). It is sent at once, inside a savepoint: a refusal comes back from the call
// and leaves the transaction usable.
func (t *Tx) InsertReview(ctx context.Context, r *store.Review) error {
	if r.Version != 1 {
		return fmt.Errorf("insert review %s: a new review is version 1, not %d", r.ID, r.Version)
	}
	n, err := store.StoredReview(r, t.now)
	if err != nil {
		return fmt.Errorf("insert review: %w", err)
	}
	args, err := reviewArgs(&n)
	if err != nil {
		return fmt.Errorf("insert review %s: %w", r.ID, err)
	}
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO quality_reviews (id, case_id, case_number, merchant, agent, rule, state, reviewer, scores, total,
		    comment, version, created_at, done_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, args...)
	if err := t.guarded(ctx, b); err != nil {
		return wrap(err, "insert review %s of case %s", r.ID, r.CaseID)
	}
	return t.markDirty(ctx, "review", n.ID)
}

// UpdateReview stores r if the stored version is r.Version-1: ErrConflict if another
// transaction got there first (or r would be a second review of its case), ErrNotFound if
// there is no such review; either comes back from the call.
func (t *Tx) UpdateReview(ctx context.Context, r *store.Review) error {
	n, err := store.StoredReview(r, t.now)
	if err != nil {
		return fmt.Errorf("update review: %w", err)
	}
	args, err := reviewArgs(&n)
	if err != nil {
		return fmt.Errorf("update review %s: %w", r.ID, err)
	}
	err = t.versioned(ctx, "quality_reviews", n.ID, `
		UPDATE quality_reviews SET case_id = $2, case_number = $3, merchant = $4, agent = $5, rule = $6, state = $7,
		    reviewer = $8, scores = $9, total = $10, comment = $11, version = $12, created_at = $13, done_at = $14
		WHERE id = $1 AND version = $12 - 1`,
		args...)
	if err != nil {
		return wrap(err, "update review %s to version %d", r.ID, r.Version)
	}
	return t.markDirty(ctx, "review", n.ID)
}

// reviewColumns are what reviewRow receives, in its order.
const reviewColumns = `id, case_id, case_number, merchant, agent, rule, state, reviewer, scores, total, comment,
		       version, created_at, done_at`

// reviewRow receives a row of reviewColumns.
type reviewRow struct {
	r       store.Review
	scores  []byte
	version int64
	done    *time.Time
}

func (row *reviewRow) dest() []any {
	r := &row.r
	return []any{&r.ID, &r.CaseID, &r.CaseNumber, &r.Merchant, &r.Agent, &r.Rule, &r.State, &r.Reviewer, &row.scores,
		&r.Total, &r.Comment, &row.version, &r.CreatedAt, &row.done}
}

func (row *reviewRow) review() (store.Review, error) {
	r := row.r
	if err := json.Unmarshal(row.scores, &r.Scores); err != nil {
		return store.Review{}, fmt.Errorf("review %s: scores: %w", r.ID, err)
	}
	if len(r.Scores) == 0 {
		r.Scores = nil
	}
	r.Version, r.DoneAt = int(row.version), timeOf(row.done)
	return r, nil
}

// Review returns a review by id.
func (t *Tx) Review(ctx context.Context, id string) (store.Review, error) {
	var row reviewRow
	if err := t.queryRow(ctx, `SELECT `+reviewColumns+` FROM quality_reviews WHERE id = $1`, []any{id}, row.dest()...); err != nil {
		return store.Review{}, wrap(err, "review %s", id)
	}
	return row.review()
}

// reviewCursorPrefix starts ListReviews's cursors (see disputeCursorPrefix).
const reviewCursorPrefix = "reviews/"

// ListReviews returns one page of reviews, newest first, by keyset pagination on
// (created_at, id) as ListTasks.
func (t *Tx) ListReviews(ctx context.Context, q store.ReviewQuery) ([]store.Review, string, error) {
	f := &filter{}
	f.eq("agent", q.Agent)
	f.eq("state", q.State)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("false") // a scope of no merchants: nothing
	}
	anyOf(f, "merchant", q.Merchants)
	var rs []store.Review
	next, err := t.keysetPage(ctx, "quality_reviews", reviewColumns, "created_at", "id", reviewCursorPrefix, q.Cursor,
		q.Limit, f, func(rows pgx.Rows) (time.Time, string, error) {
			var row reviewRow
			if err := rows.Scan(row.dest()...); err != nil {
				return time.Time{}, "", err
			}
			r, err := row.review()
			if err != nil {
				return time.Time{}, "", err
			}
			rs = append(rs, r)
			return r.CreatedAt, r.ID, nil
		})
	if err != nil {
		return nil, "", wrap(err, "list reviews")
	}
	return rs, next, nil
}

// maxCandidates bounds ReviewCandidates; a limit of 0 asks for that many.
const maxCandidates = 5000

// ReviewCandidates lists the cases in q.States, with an assignee and no review, last
// updated in [q.From, q.To), most recently updated first (updated_at DESC, id DESC),
// through cases_closed_assigned_updated: a state other than completed and closed finds
// nothing.
func (t *Tx) ReviewCandidates(ctx context.Context, q store.CandidateQuery) ([]store.ReviewCandidate, error) {
	if len(q.States) == 0 || (q.Merchants != nil && len(q.Merchants) == 0) {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 || limit > maxCandidates {
		limit = maxCandidates
	}
	f := &filter{}
	// The partial index's condition, written as it is.
	f.add("c.assignee <> '' AND c.state IN ('completed', 'closed')")
	anyOf(f, "c.state", q.States)
	anyOf(f, "c.merchant_code", q.Merchants)
	if !q.From.IsZero() {
		f.add("c.updated_at >= " + f.arg(q.From))
	}
	if !q.To.IsZero() {
		f.add("c.updated_at < " + f.arg(q.To))
	}
	f.add("NOT EXISTS (SELECT 1 FROM quality_reviews r WHERE r.case_id = c.id)")
	var cs []store.ReviewCandidate
	err := t.query(ctx, `
		SELECT c.id, c.number, c.merchant_code, c.assignee, c.created_at, c.updated_at
		FROM cases c`+f.sql()+`
		ORDER BY c.updated_at DESC, c.id DESC
		LIMIT `+strconv.Itoa(limit), f.args,
		func(rows pgx.Rows) error {
			var c store.ReviewCandidate
			if err := rows.Scan(&c.CaseID, &c.Number, &c.Merchant, &c.Assignee, &c.CreatedAt, &c.UpdatedAt); err != nil {
				return err
			}
			cs = append(cs, c)
			return nil
		})
	if err != nil {
		return nil, wrap(err, "review candidates")
	}
	return cs, nil
}

// InsertInboundEmail records an inbound email (a zero At is Now). A Message-ID taken in
// before is ErrConflict: the statement is sent at once and skips a taken id (ON CONFLICT DO
// NOTHING), so the refusal comes back from the call and leaves the transaction usable.
func (t *Tx) InsertInboundEmail(ctx context.Context, m store.InboundEmail) error {
	if m.MessageID == "" {
		return fmt.Errorf("insert inbound email: an email needs a Message-ID")
	}
	added, err := t.exec(ctx, `
		INSERT INTO inbound_emails (message_id, sender, subject, case_id, complaint, at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING`,
		m.MessageID, m.From, m.Subject, m.CaseID, m.Complaint, utcMicro(orNow(m.At, t.now)))
	if err == nil && added == 0 {
		err = fmt.Errorf("the Message-ID was taken in before: %w", store.ErrConflict)
	}
	return wrap(err, "insert inbound email %s", m.MessageID)
}
