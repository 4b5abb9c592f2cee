package store

import (
	"context"
	"time"
)

// AssistantSession is one conversation of a customer with the self-service assistant
// (智能客服): whose it is, the case it came to be about, and where it was handed over.
type AssistantSession struct {
	ID         string
	Customer   string
	CaseID     string // the case the conversation is about, "" while none
	HandoverTo string // the case or complaint id it was handed over to, "" while not
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// AssistantMessage is one message of a session: the customer's (role "user") or the
// assistant's ("assistant") with the intent it answered.
type AssistantMessage struct {
	SessionID string
	Seq       int // assigned by the store, 1 upwards per session
	Role      string
	Text      string
	Intent    string
	At        time.Time
}

// Assistant is the part of a transaction that keeps the assistant's conversations.
type Assistant interface {
	// InsertAssistantSession stores a new session (CreatedAt, UpdatedAt zero: Now);
	// ErrConflict for a taken ID.
	InsertAssistantSession(ctx context.Context, s AssistantSession) error
	// UpdateAssistantSession stores a session's case and handover and sets UpdatedAt to
	// Now; ErrNotFound.
	UpdateAssistantSession(ctx context.Context, s AssistantSession) error
	// AssistantSession returns a session; ErrNotFound.
	AssistantSession(ctx context.Context, id string) (AssistantSession, error)
	// AppendAssistantMessage adds a message to a session (At zero: Now).
	AppendAssistantMessage(ctx context.Context, m AssistantMessage) error
	// AssistantMessages returns a session's messages, oldest first.
	AssistantMessages(ctx context.Context, sessionID string) ([]AssistantMessage, error)
}
