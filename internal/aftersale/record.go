package aftersale

import (
	"fmt"
	"slices"
	"time"
)

// Record writes into a case's history something that happened to it without moving it
// through its life cycle — an SLA warning or breach and the escalation it causes (priority
// raised, tier 2), a change of owner (AssignOwner, TransferOwner, TakeOwner), or smart
// triage raising the priority (TriageUrgent). change, when not nil, applies what is recorded to the (copied) case. Like
// Transition it returns the new case (version + 1) and exactly one history event; the state
// and deadlines stay as they are.
func Record(c Case, action Action, actor Actor, note string, data map[string]string, now time.Time, change func(*Case)) (Result, error) {
	if action != SLAWarning && action != SLABreach && action != TriageUrgent && !slices.Contains(OwnerActions, action) {
		return Result{}, fmt.Errorf("record: %q is not a record; actions go through Transition", action)
	}
	next := c.clone()
	next.SLANotices = append([]string(nil), c.SLANotices...)
	if change != nil {
		change(&next)
	}
	next.Version = c.Version + 1
	next.UpdatedAt = now
	ev := Event{
		Seq: next.Version, Action: action, Actor: actor, From: c.State, To: c.State, At: now,
		Note: note, Data: data, PolicyVersion: c.PolicyVersion,
	}
	return Result{Case: next, Event: ev}, nil
}
