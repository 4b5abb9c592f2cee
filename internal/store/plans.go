package store

import (
	"context"
	"time"
)

// PlanRecord is a stored emergency plan (应急预案): its document (package plan's Plan as
// JSON, kept byte for byte) and where it stands.
type PlanRecord struct {
	ID          string
	Doc         []byte
	State       string // plan.State
	Version     int    // 1 when inserted, one more with each update
	ActivatedAt time.Time
	ActivatedBy string
	EndsAt      time.Time // when it ends by its end rule's after/at (zero: not by time)
	EndedAt     time.Time
	ClearSince  time.Time // since when no trigger held while active (zero: held)
	CreatedAt   time.Time
}

// PlanEvent is one entry of a plan's history (activated, deactivated, …).
type PlanEvent struct {
	PlanID string
	Seq    int // assigned by the store, 1 upwards per plan
	Kind   string
	Actor  string
	Detail []byte // JSON or nil
	At     time.Time
}

// Plans is the part of a transaction that keeps the emergency plans.
type Plans interface {
	// InsertPlan stores a new plan at version 1 (CreatedAt zero: Now). ErrConflict for a
	// taken ID.
	InsertPlan(ctx context.Context, p PlanRecord) error
	// UpdatePlan stores p if the stored version is p.Version-1, else ErrConflict (reported
	// by the call on both stores, so that two replicas never both activate a plan).
	UpdatePlan(ctx context.Context, p PlanRecord) error
	// Plan returns a plan; ErrNotFound.
	Plan(ctx context.Context, id string) (PlanRecord, error)
	// ListPlans returns every plan, oldest first (then by ID); with state not "", those in it.
	ListPlans(ctx context.Context, state string) ([]PlanRecord, error)
	// AppendPlanEvent adds an entry to a plan's history (At zero: Now).
	AppendPlanEvent(ctx context.Context, e PlanEvent) error
	// PlanEvents returns a plan's history, oldest first.
	PlanEvents(ctx context.Context, planID string) ([]PlanEvent, error)
	// CountCasesSince counts the cases created at or after since (index cases_created).
	CountCasesSince(ctx context.Context, since time.Time) (int, error)
}
