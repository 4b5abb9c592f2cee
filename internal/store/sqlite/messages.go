package sqlite

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// AddMessage appends a message to a case's conversation, numbering it after the case's
// last message in the same statement (the single writer makes that safe). An unknown case
// is ErrNotFound (foreign key).
func (tx *Tx) AddMessage(ctx context.Context, m store.CaseMessage) (store.CaseMessage, error) {
	const q = `
INSERT INTO case_messages (case_id, seq, author_role, author_id, public, body, channel, at)
SELECT ?, coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ?, ? FROM case_messages WHERE case_id = ?
RETURNING seq`
	m.At = tx.now
	err := tx.queryRow(ctx, q, m.CaseID, m.AuthorRole, m.AuthorID, m.Public, m.Body, m.Channel, micros(m.At), m.CaseID).Scan(&m.Seq)
	if err != nil {
		return store.CaseMessage{}, fmt.Errorf("add message to case %s: %w", m.CaseID, dbErr(err))
	}
	if err := tx.markDirty(ctx, "case", m.CaseID); err != nil {
		return store.CaseMessage{}, err
	}
	return m, nil
}

// Messages lists a case's conversation by seq, internal notes only when asked.
func (tx *Tx) Messages(ctx context.Context, caseID string, internal bool) ([]store.CaseMessage, error) {
	q := `SELECT ` + messageColumns + ` FROM case_messages WHERE case_id = ? ORDER BY seq`
	if !internal {
		q = `SELECT ` + messageColumns + ` FROM case_messages WHERE case_id = ? AND public ORDER BY seq`
	}
	rows, err := tx.query(ctx, q, caseID)
	if err != nil {
		return nil, fmt.Errorf("messages of case %s: %w", caseID, err)
	}
	defer rows.Close()
	var ms []store.CaseMessage
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("messages of case %s: %w", caseID, err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("messages of case %s: %w", caseID, err)
	}
	return ms, nil
}

// messageColumns are what scanMessage reads, in its order.
const messageColumns = `case_id, seq, author_role, author_id, public, body, channel, at`

// scanMessage reads a row of messageColumns.
func scanMessage(row scanner) (store.CaseMessage, error) {
	var m store.CaseMessage
	var at int64
	err := row.Scan(&m.CaseID, &m.Seq, &m.AuthorRole, &m.AuthorID, &m.Public, &m.Body, &m.Channel, &at)
	m.At = fromMicros(at)
	return m, err
}
