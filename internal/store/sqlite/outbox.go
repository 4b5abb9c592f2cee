package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// Enqueue adds messages to the outbox, available at once.
func (tx *Tx) Enqueue(ctx context.Context, msgs ...store.OutboxMessage) error {
	now := micros(tx.now)
	const q = `
INSERT INTO outbox (topic, key, payload, available_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?)`
	for _, m := range msgs {
		payload := m.Payload
		if payload == nil {
			payload = json.RawMessage("null")
		}
		if !json.Valid(payload) {
			return fmt.Errorf("enqueue %s %s: the payload is not valid JSON", m.Topic, m.Key)
		}
		if _, err := tx.exec(ctx, q, m.Topic, m.Key, string(payload), now, now, now); err != nil {
			return fmt.Errorf("enqueue %s %s: %w", m.Topic, m.Key, dbErr(err))
		}
	}
	return nil
}

// OutboxBacklog counts messages not yet delivered.
func (tx *Tx) OutboxBacklog(ctx context.Context) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox backlog: %w", err)
	}
	return n, nil
}
