package store

import (
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
)

// What both stores do to disputes and complaints before they write them (store.Disputes),
// so that the JSON a row keeps and its columns agree and a value reads back as it was
// stored: every time in UTC to the microsecond (the precision both databases keep), a zero
// CreatedAt or UpdatedAt (or event time) taken as the transaction's now. The caller's value
// is never changed.

// OpenDisputeStates are the states of a dispute that has not ended, as the index that
// keeps one such dispute per case lists them (migration 0011).
var OpenDisputeStates = func() []string {
	var ss []string
	for _, s := range dispute.States {
		if !s.Terminal() {
			ss = append(ss, string(s))
		}
	}
	return ss
}()

// StoredDispute is d as a store keeps it, or an error (none of the sentinels) when d is
// malformed: an unknown state, no id or case, or a version below 1.
func StoredDispute(d *dispute.Dispute, now time.Time) (dispute.Dispute, error) {
	switch {
	case d.ID == "" || d.CaseID == "":
		return dispute.Dispute{}, fmt.Errorf("a dispute needs an id and a case")
	case !d.State.Valid():
		return dispute.Dispute{}, fmt.Errorf("dispute %s: unknown state %q", d.ID, d.State)
	case d.Version < 1:
		return dispute.Dispute{}, fmt.Errorf("dispute %s: version %d", d.ID, d.Version)
	}
	n := *d
	n.CreatedAt, n.UpdatedAt = utcMicro(orNow(d.CreatedAt, now)), utcMicro(orNow(d.UpdatedAt, now))
	n.Requests = slices.Clone(d.Requests)
	for i := range n.Requests {
		n.Requests[i].DueAt = utcMicro(n.Requests[i].DueAt)
	}
	n.Evidence = slices.Clone(d.Evidence)
	for i := range n.Evidence {
		n.Evidence[i].At = utcMicro(n.Evidence[i].At)
	}
	if d.Proposal != nil {
		p := *d.Proposal
		p.At = utcMicro(p.At)
		n.Proposal = &p
	}
	if d.Ruling != nil {
		r := *d.Ruling
		r.At = utcMicro(r.At)
		n.Ruling = &r
	}
	n.Deadlines = slices.Clone(d.Deadlines)
	for i := range n.Deadlines {
		n.Deadlines[i].Due = utcMicro(n.Deadlines[i].Due)
	}
	return n, nil
}

// StoredDisputeEvent is ev as a store keeps it.
func StoredDisputeEvent(ev dispute.Event, now time.Time) dispute.Event {
	ev.At = utcMicro(orNow(ev.At, now))
	return ev
}

// StoredComplaint is c as a store keeps it, with its next check (zero: none), or an error
// (none of the sentinels) when c is malformed: an unknown state, no id or number, or a
// version below 1.
func StoredComplaint(c *complaint.Complaint, checkAt, now time.Time) (complaint.Complaint, time.Time, error) {
	switch {
	case c.ID == "" || c.Number == "":
		return complaint.Complaint{}, time.Time{}, fmt.Errorf("a complaint needs an id and a number")
	case c.State != complaint.Open && c.State != complaint.Resolved:
		return complaint.Complaint{}, time.Time{}, fmt.Errorf("complaint %s: unknown state %q", c.ID, c.State)
	case c.Version < 1:
		return complaint.Complaint{}, time.Time{}, fmt.Errorf("complaint %s: version %d", c.ID, c.Version)
	}
	n := *c
	n.CreatedAt, n.UpdatedAt = utcMicro(orNow(c.CreatedAt, now)), utcMicro(orNow(c.UpdatedAt, now))
	n.TierSince, n.Responded, n.ResolvedAt = utcMicro(c.TierSince), utcMicro(c.Responded), utcMicro(c.ResolvedAt)
	return n, utcMicro(checkAt), nil
}

// StoredComplaintEvent is ev as a store keeps it.
func StoredComplaintEvent(ev complaint.Event, now time.Time) complaint.Event {
	ev.At = utcMicro(orNow(ev.At, now))
	return ev
}

// utcMicro is t in UTC truncated to the microsecond; the zero time stays zero.
func utcMicro(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}
