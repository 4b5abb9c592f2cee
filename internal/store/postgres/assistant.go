package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertAssistantSession stores a new session.
func (t *Tx) InsertAssistantSession(ctx context.Context, s store.AssistantSession) error {
	_, err := t.exec(ctx, `INSERT INTO assistant_sessions (id, customer, case_id, handover_to, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, s.ID, s.Customer, s.CaseID, s.HandoverTo,
		utcMicro(orNow(s.CreatedAt, t.now)), utcMicro(orNow(s.UpdatedAt, t.now)))
	return wrap(err, "insert assistant session %s", s.ID)
}

// UpdateAssistantSession stores a session's case and handover.
func (t *Tx) UpdateAssistantSession(ctx context.Context, s store.AssistantSession) error {
	n, err := t.exec(ctx, `UPDATE assistant_sessions SET case_id = $1, handover_to = $2, updated_at = $3 WHERE id = $4`,
		s.CaseID, s.HandoverTo, utcMicro(t.now), s.ID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "update assistant session %s", s.ID)
}

// AssistantSession returns a session.
func (t *Tx) AssistantSession(ctx context.Context, id string) (store.AssistantSession, error) {
	var s store.AssistantSession
	if err := t.queryRow(ctx, `SELECT id, customer, case_id, handover_to, created_at, updated_at FROM assistant_sessions WHERE id = $1`,
		[]any{id}, &s.ID, &s.Customer, &s.CaseID, &s.HandoverTo, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return store.AssistantSession{}, wrap(err, "assistant session %s", id)
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, nil
}

// AppendAssistantMessage adds a message to a session.
func (t *Tx) AppendAssistantMessage(ctx context.Context, m store.AssistantMessage) error {
	_, err := t.exec(ctx, `INSERT INTO assistant_messages (session_id, seq, role, text, intent, at)
		VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM assistant_messages WHERE session_id = $1), $2, $3, $4, $5)`,
		m.SessionID, m.Role, m.Text, m.Intent, utcMicro(orNow(m.At, t.now)))
	return wrap(err, "assistant session %s message", m.SessionID)
}

// AssistantMessages returns a session's messages, oldest first.
func (t *Tx) AssistantMessages(ctx context.Context, sessionID string) ([]store.AssistantMessage, error) {
	var out []store.AssistantMessage
	err := t.query(ctx, `SELECT session_id, seq, role, text, intent, at FROM assistant_messages WHERE session_id = $1 ORDER BY seq`,
		[]any{sessionID}, func(rows pgx.Rows) error {
			var (
				m   store.AssistantMessage
				seq int64
			)
			if err := rows.Scan(&m.SessionID, &seq, &m.Role, &m.Text, &m.Intent, &m.At); err != nil {
				return err
			}
			m.Seq, m.At = int(seq), m.At.UTC()
			out = append(out, m)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("assistant session %s messages: %w", sessionID, classify(err))
	}
	return out, nil
}
