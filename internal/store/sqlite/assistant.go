package sqlite

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertAssistantSession stores a new session.
func (tx *Tx) InsertAssistantSession(ctx context.Context, s store.AssistantSession) error {
	created := micros(orNow(s.CreatedAt, tx.now))
	const q = `INSERT INTO assistant_sessions (id, customer, case_id, handover_to, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, s.ID, s.Customer, s.CaseID, s.HandoverTo, created, micros(orNow(s.UpdatedAt, tx.now))); err != nil {
		return fmt.Errorf("insert assistant session %s: %w", s.ID, dbErr(err))
	}
	return nil
}

// UpdateAssistantSession stores a session's case and handover.
func (tx *Tx) UpdateAssistantSession(ctx context.Context, s store.AssistantSession) error {
	res, err := tx.exec(ctx, `UPDATE assistant_sessions SET case_id = ?, handover_to = ?, updated_at = ? WHERE id = ?`,
		s.CaseID, s.HandoverTo, micros(tx.now), s.ID)
	if err != nil {
		return fmt.Errorf("update assistant session %s: %w", s.ID, dbErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update assistant session %s: %w", s.ID, store.ErrNotFound)
	}
	return nil
}

// AssistantSession returns a session.
func (tx *Tx) AssistantSession(ctx context.Context, id string) (store.AssistantSession, error) {
	var (
		s                store.AssistantSession
		created, updated int64
	)
	err := tx.queryRow(ctx, `SELECT id, customer, case_id, handover_to, created_at, updated_at FROM assistant_sessions WHERE id = ?`, id).
		Scan(&s.ID, &s.Customer, &s.CaseID, &s.HandoverTo, &created, &updated)
	if err != nil {
		return store.AssistantSession{}, fmt.Errorf("assistant session %s: %w", id, dbErr(err))
	}
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return s, nil
}

// AppendAssistantMessage adds a message to a session.
func (tx *Tx) AppendAssistantMessage(ctx context.Context, m store.AssistantMessage) error {
	const q = `INSERT INTO assistant_messages (session_id, seq, role, text, intent, at)
VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM assistant_messages WHERE session_id = ?), ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, m.SessionID, m.SessionID, m.Role, m.Text, m.Intent, micros(orNow(m.At, tx.now))); err != nil {
		return fmt.Errorf("assistant session %s message: %w", m.SessionID, dbErr(err))
	}
	return nil
}

// AssistantMessages returns a session's messages, oldest first.
func (tx *Tx) AssistantMessages(ctx context.Context, sessionID string) ([]store.AssistantMessage, error) {
	rows, err := tx.query(ctx, `SELECT session_id, seq, role, text, intent, at FROM assistant_messages WHERE session_id = ? ORDER BY seq`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("assistant session %s messages: %w", sessionID, dbErr(err))
	}
	defer rows.Close()
	var out []store.AssistantMessage
	for rows.Next() {
		var (
			m  store.AssistantMessage
			at int64
		)
		if err := rows.Scan(&m.SessionID, &m.Seq, &m.Role, &m.Text, &m.Intent, &at); err != nil {
			return nil, fmt.Errorf("assistant session %s messages: %w", sessionID, err)
		}
		m.At = fromMicros(at)
		out = append(out, m)
	}
	return out, rows.Err()
}
