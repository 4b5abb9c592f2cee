package store

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
)

// Disputes is the part of a transaction that keeps disputes (package dispute) and
// complaints (package complaint): each a row with its whole value and an append-only
// history, written in the same transaction as what caused them.
type Disputes interface {
	// InsertDispute stores a new dispute (Version 1). ErrConflict when its id is taken or
	// its case already has a dispute that has not ended (at most one open dispute per
	// case, enforced by the database); ErrNotFound when the case is unknown.
	InsertDispute(ctx context.Context, d *dispute.Dispute) error
	// UpdateDispute stores d if the stored version is d.Version-1 (optimistic
	// concurrency): ErrConflict otherwise, ErrNotFound for an unknown id.
	UpdateDispute(ctx context.Context, d *dispute.Dispute) error
	// Dispute returns a dispute by id. ErrNotFound.
	Dispute(ctx context.Context, id string) (dispute.Dispute, error)
	// CaseDisputes lists a case's disputes, oldest first (the last may be open).
	CaseDisputes(ctx context.Context, caseID string) ([]dispute.Dispute, error)
	// ListDisputes returns one page of disputes, most recently updated first (updated_at,
	// then id, descending), and the next page's cursor ("" at the end). ErrBadCursor.
	ListDisputes(ctx context.Context, q DisputeQuery) ([]dispute.Dispute, string, error)
	// AppendDisputeEvent adds an event to a dispute's history; ErrConflict when its Seq
	// exists.
	AppendDisputeEvent(ctx context.Context, disputeID string, ev dispute.Event) error
	// DisputeEvents returns a dispute's history, by Seq.
	DisputeEvents(ctx context.Context, disputeID string) ([]dispute.Event, error)

	// InsertComplaint stores a new complaint with when its next target falls due (zero:
	// none). ErrConflict when its id or number is taken.
	InsertComplaint(ctx context.Context, c *complaint.Complaint, checkAt time.Time) error
	// UpdateComplaint stores c and its next check if the stored version is c.Version-1:
	// ErrConflict otherwise, ErrNotFound for an unknown id.
	UpdateComplaint(ctx context.Context, c *complaint.Complaint, checkAt time.Time) error
	// Complaint returns a complaint by id. ErrNotFound.
	Complaint(ctx context.Context, id string) (complaint.Complaint, error)
	// ListComplaints returns one page of complaints, most recently updated first, and the
	// next page's cursor. ErrBadCursor.
	ListComplaints(ctx context.Context, q ComplaintQuery) ([]complaint.Complaint, string, error)
	// DueComplaints lists up to limit open complaints whose next check is at or before
	// Now(), soonest first: the complaints' SLA clock.
	DueComplaints(ctx context.Context, limit int) ([]complaint.Complaint, error)
	// NextComplaintCheck is the earliest next check of any complaint (ok false: none).
	NextComplaintCheck(ctx context.Context) (at time.Time, ok bool, err error)
	// AppendComplaintEvent adds an event to a complaint's history; ErrConflict when its
	// Seq exists.
	AppendComplaintEvent(ctx context.Context, complaintID string, ev complaint.Event) error
	// ComplaintEvents returns a complaint's history, by Seq.
	ComplaintEvents(ctx context.Context, complaintID string) ([]complaint.Event, error)
}

// DisputeQuery selects disputes. Zero fields select everything.
type DisputeQuery struct {
	Merchant  string
	Merchants []string // any of these (a scoped agent); nil: no restriction; empty, not nil: none
	Customer  string
	CaseID    string
	State     dispute.State
	Open      bool // only disputes that have not ended
	Category  dispute.Category
	Cursor    string
	Limit     int // default 50, at most 500
}

// ComplaintQuery selects complaints. Zero fields select everything.
type ComplaintQuery struct {
	// Customer restricts to the complaints that customer filed.
	Customer string
	// Merchant restricts to what a merchant's staff may see: complaints whose Merchant is
	// the merchant and that its staff filed (FiledBy.Role merchant) or that are about it
	// (About merchant).
	Merchant string
	// Merchants restricts to complaints whose Merchant is one of these (a scoped agent);
	// nil: no restriction; empty, not nil: none.
	Merchants []string
	CaseID    string
	State     complaint.State
	Tier      int
	About     complaint.About
	// Owner selects the complaints a staff username owns; Unassigned those nobody owns;
	// Group those in a desk group's queue.
	Owner      string
	Unassigned bool
	Group      string
	Cursor     string
	Limit      int // default 50, at most 500
}
