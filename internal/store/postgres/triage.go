package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// PutSuggestion stores or replaces a subject's triage suggestion.
func (t *Tx) PutSuggestion(ctx context.Context, s store.TriageSuggestion) error {
	arts := s.Articles
	if arts == nil {
		arts = []string{}
	}
	b, err := json.Marshal(arts)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO triage_suggestions (subject_kind, subject_id, case_id, reason, urgency, sentiment, articles, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
		ON CONFLICT (subject_kind, subject_id) DO UPDATE SET case_id = excluded.case_id, reason = excluded.reason,
		urgency = excluded.urgency, sentiment = excluded.sentiment, articles = excluded.articles, created_at = excluded.created_at`,
		s.SubjectKind, s.SubjectID, s.CaseID, s.Reason, s.Urgency, s.Sentiment, string(b), utcMicro(orNow(s.CreatedAt, t.now)))
	return wrap(err, "triage suggestion %s %s", s.SubjectKind, s.SubjectID)
}

// Suggestions returns a case's triage suggestions, oldest first.
func (t *Tx) Suggestions(ctx context.Context, caseID string) ([]store.TriageSuggestion, error) {
	var out []store.TriageSuggestion
	err := t.query(ctx, `SELECT subject_kind, subject_id, case_id, reason, urgency, sentiment, articles::text, created_at
		FROM triage_suggestions WHERE case_id = $1 ORDER BY created_at, subject_kind, subject_id`,
		[]any{caseID}, func(rows pgx.Rows) error {
			var (
				s    store.TriageSuggestion
				arts string
			)
			if err := rows.Scan(&s.SubjectKind, &s.SubjectID, &s.CaseID, &s.Reason, &s.Urgency, &s.Sentiment, &arts, &s.CreatedAt); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(arts), &s.Articles); err != nil {
				return err
			}
			s.CreatedAt = s.CreatedAt.UTC()
			out = append(out, s)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("triage suggestions of %s: %w", caseID, classify(err))
	}
	return out, nil
}
