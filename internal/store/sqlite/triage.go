package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// PutSuggestion stores or replaces a subject's triage suggestion.
func (tx *Tx) PutSuggestion(ctx context.Context, s store.TriageSuggestion) error {
	arts := s.Articles
	if arts == nil {
		arts = []string{}
	}
	b, err := json.Marshal(arts)
	if err != nil {
		return err
	}
	const q = `INSERT INTO triage_suggestions (subject_kind, subject_id, case_id, reason, urgency, sentiment, articles, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (subject_kind, subject_id) DO UPDATE SET case_id = excluded.case_id, reason = excluded.reason,
 urgency = excluded.urgency, sentiment = excluded.sentiment, articles = excluded.articles, created_at = excluded.created_at`
	if _, err := tx.exec(ctx, q, s.SubjectKind, s.SubjectID, s.CaseID, s.Reason, s.Urgency, s.Sentiment, string(b),
		micros(orNow(s.CreatedAt, tx.now))); err != nil {
		return fmt.Errorf("triage suggestion %s %s: %w", s.SubjectKind, s.SubjectID, dbErr(err))
	}
	return nil
}

// Suggestions returns a case's triage suggestions, oldest first.
func (tx *Tx) Suggestions(ctx context.Context, caseID string) ([]store.TriageSuggestion, error) {
	rows, err := tx.query(ctx, `SELECT subject_kind, subject_id, case_id, reason, urgency, sentiment, articles, created_at
FROM triage_suggestions WHERE case_id = ? ORDER BY created_at, subject_kind, subject_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("triage suggestions of %s: %w", caseID, dbErr(err))
	}
	defer rows.Close()
	var out []store.TriageSuggestion
	for rows.Next() {
		var (
			s    store.TriageSuggestion
			arts string
			at   int64
		)
		if err := rows.Scan(&s.SubjectKind, &s.SubjectID, &s.CaseID, &s.Reason, &s.Urgency, &s.Sentiment, &arts, &at); err != nil {
			return nil, fmt.Errorf("triage suggestions of %s: %w", caseID, err)
		}
		if err := json.Unmarshal([]byte(arts), &s.Articles); err != nil {
			return nil, fmt.Errorf("triage suggestions of %s: articles: %w", caseID, err)
		}
		s.CreatedAt = fromMicros(at)
		out = append(out, s)
	}
	return out, rows.Err()
}
