// Package task is the service desk's to-do list: work for a person that no case action
// covers — a parcel gone wrong (logistics exception rules), a follow-up call. A task is
// open until someone marks it done; it may be assigned to a staff account.
//
// Pure: no I/O, time passed in.
package task

import (
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Text is a user-facing string in both product languages.
type Text = aftersale.Text

// Kind is what sort of work a task is.
type Kind string

// Kinds.
const (
	// ShipmentException: a logistics exception rule fired (Rule names which).
	ShipmentException Kind = "shipment_exception"
	// FollowUp: call a customer back (回访), e.g. after a low satisfaction score.
	FollowUp Kind = "follow_up"
	// Callback: a call back the customer asked for.
	Callback Kind = "callback"
	// Outreach: tell a customer of something they are waiting on, e.g. an item out of
	// stock (缺货), within 24 business hours.
	Outreach Kind = "outreach"
	// Reminder: a note to oneself with a due time.
	Reminder Kind = "reminder"
)

// Kinds lists the task kinds.
var Kinds = []Kind{ShipmentException, FollowUp, Callback, Outreach, Reminder}

// Manual lists the kinds people open by hand (the others are opened by rules).
var Manual = []Kind{FollowUp, Callback, Outreach, Reminder}

// Valid reports whether k is known.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Label is the kind's name for people.
func (k Kind) Label() Text {
	switch k {
	case ShipmentException:
		return Text{ZH: "物流异常", EN: "Shipment exception"}
	case FollowUp:
		return Text{ZH: "回访", EN: "Follow-up"}
	case Callback:
		return Text{ZH: "回电", EN: "Call back"}
	case Outreach:
		return Text{ZH: "缺货通知", EN: "Out-of-stock outreach"}
	case Reminder:
		return Text{ZH: "提醒", EN: "Reminder"}
	}
	return Text{ZH: string(k), EN: string(k)}
}

// State is whether a task still needs doing.
type State string

// States.
const (
	Open State = "open"
	Done State = "done"
)

// Valid reports whether s is known.
func (s State) Valid() bool { return s == Open || s == Done }

// Action is what staff do to a task.
type Action string

// Actions.
const (
	Assign Action = "assign" // to a staff account (assignee), or back to the queue ("")
	Finish Action = "done"
)

// Task is one piece of work.
type Task struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Rule is the logistics exception rule of a shipment exception.
	Rule string `json:"rule,omitempty"`
	// Key makes a task unique: the same key never opens a second task (a rule fires once
	// per shipment: "shipment/<carrier>/<tracking_no>/<rule>").
	Key        string    `json:"key"`
	State      State     `json:"state"`
	CaseID     string    `json:"case_id,omitempty"`
	CaseNumber string    `json:"case_number,omitempty"`
	Merchant   string    `json:"merchant,omitempty"`
	Customer   string    `json:"customer,omitempty"`
	Carrier    string    `json:"carrier,omitempty"`
	TrackingNo string    `json:"tracking_no,omitempty"`
	Title      Text      `json:"title"`
	Detail     string    `json:"detail,omitempty"`
	Assignee   string    `json:"assignee,omitempty"`
	DueAt      time.Time `json:"due_at,omitempty"`
	Note       string    `json:"note,omitempty"` // what the one who finished it wrote
	DoneBy     string    `json:"done_by,omitempty"`
	DoneAt     time.Time `json:"done_at,omitempty"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// FieldError is a problem with one field of a command.
type FieldError struct {
	Field   string
	Message Text
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message.EN }

// ConflictError says the action does not fit the task's state.
type ConflictError struct{ Why Text }

func (e *ConflictError) Error() string { return e.Why.EN }

// Command is one action on a task by actor (a staff account's username).
type Command struct {
	Action   Action
	Assignee string // for Assign
	Note     string
	Actor    string
}

// Apply returns t after cmd at now (version + 1), or an error: a *FieldError for a bad
// command, a *ConflictError for one the state does not take.
func Apply(t Task, cmd Command, now time.Time) (Task, error) {
	if t.State == Done {
		return t, &ConflictError{Why: Text{ZH: "任务已完成", EN: "the task is done"}}
	}
	switch cmd.Action {
	case Assign:
		t.Assignee = cmd.Assignee
	case Finish:
		t.State, t.DoneBy, t.DoneAt, t.Note = Done, cmd.Actor, now, cmd.Note
	default:
		return t, &FieldError{Field: "action", Message: Text{ZH: "未知的操作:可用 assign、done", EN: "unknown action: use assign or done"}}
	}
	t.Version++
	t.UpdatedAt = now
	return t, nil
}
