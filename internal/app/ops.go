package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// TimerView is a pending timer, for operators.
type TimerView struct {
	ID         string                 `json:"id"`
	CaseID     string                 `json:"case_id"`
	Kind       aftersale.DeadlineKind `json:"kind"`
	DueAt      time.Time              `json:"due_at"`
	Attempts   int                    `json:"attempts"`
	LeaseOwner string                 `json:"lease_owner,omitempty"`
	LastError  string                 `json:"last_error,omitempty"`
}

// OutboxView is an outbox message, for operators.
type OutboxView struct {
	ID        int64           `json:"id"`
	Topic     string          `json:"topic"`
	Key       string          `json:"key"`
	Payload   json.RawMessage `json:"payload"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error"`
	CreatedAt time.Time       `json:"created_at"`
}

// OverdueView is the work that is late: timers past due and messages that could not be
// delivered (dead letters).
type OverdueView struct {
	PendingTimers int          `json:"pending_timers"`
	DueTimers     int          `json:"due_timers"`
	Overdue       []TimerView  `json:"overdue_timers"`
	DeadLetters   []OutboxView `json:"dead_letters"`
	Backlog       int          `json:"outbox_backlog"`
}

// Overdue lists timers due for longer than grace and the dead letters of the outbox, for
// admins.
func (a *App) Overdue(ctx context.Context, p Principal, grace time.Duration, limit int) (*OverdueView, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	v := &OverdueView{Overdue: []TimerView{}, DeadLetters: []OutboxView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if v.PendingTimers, v.DueTimers, err = tx.TimerStats(ctx); err != nil {
			return err
		}
		ts, err := tx.OverdueTimers(ctx, tx.Now().Add(-grace), limit)
		if err != nil {
			return err
		}
		for _, t := range ts {
			v.Overdue = append(v.Overdue, TimerView{ID: t.ID, CaseID: t.CaseID, Kind: t.Kind, DueAt: t.DueAt,
				Attempts: t.Attempts, LeaseOwner: t.LeaseOwner, LastError: t.LastError})
		}
		dl, err := tx.DeadLetters(ctx, limit)
		if err != nil {
			return err
		}
		for _, m := range dl {
			v.DeadLetters = append(v.DeadLetters, OutboxView{ID: m.ID, Topic: m.Topic, Key: m.Key, Payload: m.Payload,
				Attempts: m.Attempts, LastError: m.LastError, CreatedAt: m.CreatedAt})
		}
		v.Backlog, err = tx.OutboxBacklog(ctx)
		return err
	})
	return v, fromCore(err)
}

// TimerStats counts pending timers and those due now (for metrics).
func (a *App) TimerStats(ctx context.Context) (pending, due int, err error) {
	err = a.store.View(ctx, func(tx store.Tx) error {
		pending, due, err = tx.TimerStats(ctx)
		return err
	})
	return pending, due, err
}
