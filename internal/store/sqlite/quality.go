package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertSurvey stores a case's survey (a zero At is Now). The primary key refuses a second
// survey of the case (ErrConflict), the foreign key an unknown case (ErrNotFound).
func (tx *Tx) InsertSurvey(ctx context.Context, s store.Survey) error {
	if s.CaseID == "" {
		return fmt.Errorf("insert survey: a survey needs a case")
	}
	const q = `
INSERT INTO surveys (case_id, number, merchant, customer, category, agent, attitude, speed, result, comment, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, s.CaseID, s.Number, s.Merchant, s.Customer, s.Category, s.Agent, s.Attitude, s.Speed,
		s.Result, s.Comment, micros(orNow(s.At, tx.now)))
	if err != nil {
		return fmt.Errorf("insert survey of case %s: %w", s.CaseID, dbErr(err))
	}
	return tx.markDirty(ctx, "case", s.CaseID)
}

// surveyColumns are what scanSurvey reads, in its order.
const surveyColumns = `case_id, number, merchant, customer, category, agent, attitude, speed, result, comment, at`

// scanSurvey reads a row of surveyColumns.
func scanSurvey(row scanner) (store.Survey, error) {
	var (
		s  store.Survey
		at int64
	)
	err := row.Scan(&s.CaseID, &s.Number, &s.Merchant, &s.Customer, &s.Category, &s.Agent, &s.Attitude, &s.Speed,
		&s.Result, &s.Comment, &at)
	if err != nil {
		return store.Survey{}, err
	}
	s.At = fromMicros(at)
	return s, nil
}

// Survey returns a case's survey.
func (tx *Tx) Survey(ctx context.Context, caseID string) (store.Survey, error) {
	s, err := scanSurvey(tx.queryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE case_id = ?`, caseID))
	if err != nil {
		return store.Survey{}, fmt.Errorf("survey of case %s: %w", caseID, dbErr(err))
	}
	return s, nil
}

// surveyCursorPrefix starts ListSurveys's cursors (see disputeCursorPrefix).
const surveyCursorPrefix = "surveys/"

// ListSurveys returns one page of surveys, newest first (at DESC, case_id DESC), by keyset
// on that order as ListDisputes.
func (tx *Tx) ListSurveys(ctx context.Context, q store.SurveyQuery) ([]store.Survey, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("0") // a scope of no merchants: nothing
	}
	in(f, "merchant", q.Merchants)
	f.eq("agent", q.Agent)
	if q.Low {
		f.add("(attitude <= 2 OR speed <= 2 OR result <= 2)")
	}
	if !q.From.IsZero() {
		f.add("at >= ?", micros(q.From))
	}
	if !q.To.IsZero() {
		f.add("at < ?", micros(q.To))
	}
	if q.Cursor != "" {
		at, id, err := decodeRowCursor(surveyCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list surveys: %w", err)
		}
		f.add("(at, case_id) < (?, ?)", at, id)
	}
	var ss []store.Survey
	next, err := tx.keysetPage(ctx, surveyCursorPrefix, limit, func(rows *sql.Rows) (int64, string, error) {
		s, err := scanSurvey(rows)
		if err != nil {
			return 0, "", err
		}
		ss = append(ss, s)
		return micros(s.At), s.CaseID, nil
	}, `SELECT `+surveyColumns+` FROM surveys`+f.sql()+`
ORDER BY at DESC, case_id DESC
LIMIT ?`, append(f.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list surveys: %w", err)
	}
	return ss, next, nil
}

// reviewArgs are the values of a review's columns, in the order of the statements below;
// the id follows them.
func reviewArgs(r *store.Review) ([]any, error) {
	scores := []byte("{}")
	if len(r.Scores) > 0 {
		var err error
		if scores, err = json.Marshal(r.Scores); err != nil {
			return nil, err
		}
	}
	return []any{r.CaseID, r.CaseNumber, r.Merchant, r.Agent, r.Rule, r.State, r.Reviewer, string(scores), r.Total,
		r.Comment, r.Version, micros(r.CreatedAt), nullMicros(r.DoneAt)}, nil
}

// InsertReview stores a new review. The primary key refuses a taken id and the case's
// unique key a second review of the case (ErrConflict); the foreign key an unknown case
// (ErrNotFound).
func (tx *Tx) InsertReview(ctx context.Context, r *store.Review) error {
	if r.Version != 1 {
		return fmt.Errorf("insert review %s: a new review is version 1, not %d", r.ID, r.Version)
	}
	n, err := store.StoredReview(r, tx.now)
	if err != nil {
		return fmt.Errorf("insert review: %w", err)
	}
	args, err := reviewArgs(&n)
	if err != nil {
		return fmt.Errorf("insert review %s: %w", r.ID, err)
	}
	const q = `
INSERT INTO quality_reviews (case_id, case_number, merchant, agent, rule, state, reviewer, scores, total, comment,
                             version, created_at, done_at, id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, append(args, n.ID)...); err != nil {
		return fmt.Errorf("insert review %s of case %s: %w", r.ID, r.CaseID, dbErr(err))
	}
	return tx.markDirty(ctx, "review", n.ID)
}

// UpdateReview stores r if the stored version is r.Version-1: ErrConflict if another
// transaction got there first (or r would be a second review of its case), ErrNotFound if
// there is no such review.
func (tx *Tx) UpdateReview(ctx context.Context, r *store.Review) error {
	n, err := store.StoredReview(r, tx.now)
	if err != nil {
		return fmt.Errorf("update review: %w", err)
	}
	args, err := reviewArgs(&n)
	if err != nil {
		return fmt.Errorf("update review %s: %w", r.ID, err)
	}
	const q = `
UPDATE quality_reviews
SET case_id = ?, case_number = ?, merchant = ?, agent = ?, rule = ?, state = ?, reviewer = ?, scores = ?, total = ?,
    comment = ?, version = ?, created_at = ?, done_at = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, append(args, n.ID, n.Version-1)...)
	if err := tx.versioned(ctx, res, err, "quality_reviews", n.ID); err != nil {
		return fmt.Errorf("update review %s to version %d: %w", r.ID, r.Version, err)
	}
	return tx.markDirty(ctx, "review", n.ID)
}

// reviewColumns are what scanReview reads, in its order.
const reviewColumns = `id, case_id, case_number, merchant, agent, rule, state, reviewer, scores, total, comment,
       version, created_at, done_at`

// scanReview reads a row of reviewColumns.
func scanReview(row scanner) (store.Review, error) {
	var (
		r       store.Review
		scores  string
		created int64
		done    sql.NullInt64
	)
	err := row.Scan(&r.ID, &r.CaseID, &r.CaseNumber, &r.Merchant, &r.Agent, &r.Rule, &r.State, &r.Reviewer, &scores,
		&r.Total, &r.Comment, &r.Version, &created, &done)
	if err != nil {
		return store.Review{}, err
	}
	if err := json.Unmarshal([]byte(scores), &r.Scores); err != nil {
		return store.Review{}, fmt.Errorf("review %s: scores: %w", r.ID, err)
	}
	if len(r.Scores) == 0 {
		r.Scores = nil
	}
	r.CreatedAt, r.DoneAt = fromMicros(created), fromNullMicros(done)
	return r, nil
}

// Review returns a review by id.
func (tx *Tx) Review(ctx context.Context, id string) (store.Review, error) {
	r, err := scanReview(tx.queryRow(ctx, `SELECT `+reviewColumns+` FROM quality_reviews WHERE id = ?`, id))
	if err != nil {
		return store.Review{}, fmt.Errorf("review %s: %w", id, dbErr(err))
	}
	return r, nil
}

// reviewCursorPrefix starts ListReviews's cursors (see disputeCursorPrefix).
const reviewCursorPrefix = "reviews/"

// ListReviews returns one page of reviews, newest first (created_at DESC, id DESC), by
// keyset on that order as ListDisputes.
func (tx *Tx) ListReviews(ctx context.Context, q store.ReviewQuery) ([]store.Review, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	f.eq("agent", q.Agent)
	f.eq("state", q.State)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("0") // a scope of no merchants: nothing
	}
	in(f, "merchant", q.Merchants)
	if q.Cursor != "" {
		at, id, err := decodeRowCursor(reviewCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list reviews: %w", err)
		}
		f.add("(created_at, id) < (?, ?)", at, id)
	}
	var rs []store.Review
	next, err := tx.keysetPage(ctx, reviewCursorPrefix, limit, func(rows *sql.Rows) (int64, string, error) {
		r, err := scanReview(rows)
		if err != nil {
			return 0, "", err
		}
		rs = append(rs, r)
		return micros(r.CreatedAt), r.ID, nil
	}, `SELECT `+reviewColumns+` FROM quality_reviews`+f.sql()+`
ORDER BY created_at DESC, id DESC
LIMIT ?`, append(f.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list reviews: %w", err)
	}
	return rs, next, nil
}

// maxCandidates bounds ReviewCandidates; a limit of 0 asks for that many.
const maxCandidates = 5000

// ReviewCandidates lists the cases in q.States, with an assignee and no review, last
// updated in [q.From, q.To), most recently updated first (updated_at DESC, id DESC),
// through cases_closed_assigned_updated: a state other than completed and closed finds
// nothing.
func (tx *Tx) ReviewCandidates(ctx context.Context, q store.CandidateQuery) ([]store.ReviewCandidate, error) {
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
	in(f, "c.state", q.States)
	in(f, "c.merchant_code", q.Merchants)
	if !q.From.IsZero() {
		f.add("c.updated_at >= ?", micros(q.From))
	}
	if !q.To.IsZero() {
		f.add("c.updated_at < ?", micros(q.To))
	}
	f.add("NOT EXISTS (SELECT 1 FROM quality_reviews r WHERE r.case_id = c.id)")
	rows, err := tx.query(ctx, `
SELECT c.id, c.number, c.merchant_code, c.assignee, c.created_at, c.updated_at
FROM cases c`+f.sql()+`
ORDER BY c.updated_at DESC, c.id DESC
LIMIT ?`, append(f.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("review candidates: %w", dbErr(err))
	}
	defer rows.Close()
	var cs []store.ReviewCandidate
	for rows.Next() {
		var (
			c                store.ReviewCandidate
			created, updated int64
		)
		if err := rows.Scan(&c.CaseID, &c.Number, &c.Merchant, &c.Assignee, &created, &updated); err != nil {
			return nil, fmt.Errorf("review candidates: %w", err)
		}
		c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("review candidates: %w", err)
	}
	return cs, nil
}

// InsertInboundEmail records an inbound email (a zero At is Now); the primary key refuses
// a Message-ID taken in before (ErrConflict).
func (tx *Tx) InsertInboundEmail(ctx context.Context, m store.InboundEmail) error {
	if m.MessageID == "" {
		return fmt.Errorf("insert inbound email: an email needs a Message-ID")
	}
	const q = `
INSERT INTO inbound_emails (message_id, sender, subject, case_id, complaint, at) VALUES (?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, m.MessageID, m.From, m.Subject, m.CaseID, m.Complaint, micros(orNow(m.At, tx.now)))
	if err != nil {
		return fmt.Errorf("insert inbound email %s: %w", m.MessageID, dbErr(err))
	}
	return nil
}
