package postgres

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// Enqueue adds messages to the transactional outbox in one statement (ids in the order
// of msgs: unnest yields its elements in order); they become
// available to the relay when the transaction commits. The write travels with the
// transaction's next statement (see Tx.later).
func (t *Tx) Enqueue(ctx context.Context, msgs ...store.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	topics, keys, payloads := make([]string, len(msgs)), make([]string, len(msgs)), make([]string, len(msgs))
	for i, m := range msgs {
		topics[i], keys[i], payloads[i] = m.Topic, m.Key, string(m.Payload)
		if len(m.Payload) == 0 {
			payloads[i] = "null"
		}
	}
	return t.later(ctx, fmt.Sprintf("enqueue %d outbox messages", len(msgs)), `
		INSERT INTO outbox (topic, key, payload, available_at, created_at, updated_at)
		SELECT d.topic, d.key, d.payload::json, $4, $4, $4
		FROM unnest($1::text[], $2::text[], $3::text[]) AS d (topic, key, payload)`, topics, keys, payloads, t.now)
}

// OutboxBacklog counts messages not yet delivered.
func (t *Tx) OutboxBacklog(ctx context.Context) (int, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`, nil, &n)
	return int(n), wrap(err, "outbox backlog")
}
