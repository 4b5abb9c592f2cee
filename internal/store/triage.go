package store

import (
	"context"
	"time"
)

// TriageSuggestion is what smart triage (package triage) suggested for the text of a
// case's application or of a message: a suggestion, never a decision.
type TriageSuggestion struct {
	SubjectKind string // "case" or "message"
	SubjectID   string // the case id or the message id
	CaseID      string
	Reason      string // a reason code
	Urgency     string // urgent, high, normal or low
	Sentiment   float64
	Articles    []string // knowledge-base article ids, best first
	CreatedAt   time.Time
}

// Triage is the part of a transaction that keeps triage suggestions.
type Triage interface {
	// PutSuggestion stores (or replaces) the suggestion for a subject (CreatedAt zero: Now).
	PutSuggestion(ctx context.Context, s TriageSuggestion) error
	// Suggestions returns a case's suggestions, oldest first (then by kind and id).
	Suggestions(ctx context.Context, caseID string) ([]TriageSuggestion, error)
}
