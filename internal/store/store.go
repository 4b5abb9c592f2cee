// Package store is the persistence boundary: one interface, implemented by store/sqlite
// (the embedded default) and store/postgres (production and scale-out), both held to the
// same behaviour by the conformance suite in store/storetest.
//
// A command's whole effect — the case, its history event, timers, outbox messages, the
// order lines' holdings and the idempotency record — is written in one transaction
// (Store.Update). The store enforces what must never be violated even by a buggy caller:
// a case version moves by exactly one (optimistic concurrency), history is append-only, and
// no order line's claimed units, refunded and reserved money exceed what was bought and paid.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
)

// Errors every implementation returns (wrapped) so that callers can tell them apart.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: a stale case version, a unique key taken by a concurrent writer, or a
	// timer or outbox message that is no longer pending or whose lease is not the caller's.
	ErrConflict = errors.New("conflict")
	// ErrExceeded: a holding change would claim more units, or refund or reserve more money,
	// than an order line has.
	ErrExceeded = errors.New("exceeds what the order line has")
	// ErrBadCursor: a ListCases, ListOrders or ListAudit cursor that this store did not
	// produce, or a ListCases cursor of another sort order.
	ErrBadCursor = errors.New("bad cursor")
)

// Store opens transactions. Implementations are safe for concurrent use.
type Store interface {
	// Update runs fn in a read-write transaction and commits it if fn returns nil. It
	// retries fn (up to a few times) when the database reports a serialization failure or
	// deadlock, so fn must not have effects outside the transaction.
	//
	// A write may be sent together with the transaction's next statement (PostgreSQL
	// pipelines them), so its refusal — ErrConflict, ErrNotFound — can be reported by a
	// later call of the same transaction or by Update itself; the transaction is then void.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn read-only. Each query sees committed data as of when it runs (READ
	// COMMITTED); a View is not one snapshot across its queries.
	View(ctx context.Context, fn func(Tx) error) error
	// Migrate applies the embedded migrations that are not applied yet.
	Migrate(ctx context.Context) error
	// Ready reports whether the database answers and every migration is applied.
	Ready(ctx context.Context) error
	// Kind is "sqlite" or "postgres".
	Kind() string
	Close() error

	// RateBuckets are token buckets every process on the database shares: the rate
	// limits of replicas. Each call is one statement of its own, outside any transaction.
	RateBuckets
}

// Tx is one transaction. Every row a transaction writes carries Now().
type Tx interface {
	// Now is the time fixed when the transaction began, from the store's clock.
	Now() time.Time

	// EnsureMerchant creates the merchant with that code unless it exists.
	EnsureMerchant(ctx context.Context, code string) error
	// EnsureCustomer creates the customer with that id unless it exists.
	EnsureCustomer(ctx context.Context, id string) error
	// Merchant returns a merchant by code.
	Merchant(ctx context.Context, code string) (Merchant, error)
	// UpdateMerchant sets a merchant's name and main category (demo data, admin).
	UpdateMerchant(ctx context.Context, m Merchant) error
	// UpdateCustomer sets a customer's profile (demo data, the shop system).
	UpdateCustomer(ctx context.Context, c Customer) error
	// Customer returns a customer by id.
	Customer(ctx context.Context, id string) (Customer, error)
	// CustomerByEmail returns the customer whose email address is email (compared
	// case-insensitively); ErrNotFound. With several, the one created first.
	CustomerByEmail(ctx context.Context, email string) (Customer, error)

	// UpsertOrder creates the order or replaces its fields and lines, keeping what
	// after-sales holds of each line (Claimed, Refunded, Reserved are ignored on input). A
	// line that cases hold cannot be removed or shrunk below its holdings (ErrExceeded).
	UpsertOrder(ctx context.Context, o order.Order) (created bool, err error)
	// Order returns an order with its lines and their holdings. With lock, the order's
	// lines stay locked until the transaction ends, so that concurrent applications on the
	// same order are decided one after another.
	Order(ctx context.Context, orderNo string, lock bool) (order.Order, error)
	// Orders returns the orders of nos that exist, by number, each as Order returns it
	// (unlocked): the report folder's read of a batch.
	Orders(ctx context.Context, nos []string) (map[string]order.Order, error)
	// ListOrders returns one page of orders, newest first (paid_at, then order number,
	// descending), each with its lines and their holdings as Order returns them, and the
	// cursor of the next page ("" at the end). The lines of a page are read in one query.
	ListOrders(ctx context.Context, q OrderQuery) (orders []order.Order, next string, err error)
	// Workload counts the open cases of each merchant that has any (MerchantLoad), by
	// merchant code.
	Workload(ctx context.Context, q WorkloadQuery) ([]MerchantLoad, error)
	// AdjustHoldings adds deltas (which may be negative) to the holdings of an order's lines
	// and sets whether the shipping fee is held. ErrExceeded if a line would go above its
	// quantity or paid amount, or below zero.
	AdjustHoldings(ctx context.Context, orderNo string, deltas []aftersale.Holding, shippingHeld *bool) error

	// NextCaseNumber returns a new, never reused, increasing number for an RMA number.
	NextCaseNumber(ctx context.Context) (int64, error)
	// InsertCase stores a new case (version 1) and its lines.
	InsertCase(ctx context.Context, c *aftersale.Case, decision json.RawMessage) error
	// UpdateCase stores c if the stored version is c.Version-1 and the stored revision
	// c.Rev, else ErrConflict; the revision becomes c.Rev+1, and so does c.Rev.
	UpdateCase(ctx context.Context, c *aftersale.Case) error
	// RewriteCase stores c as a write that changes no version (a public message moves its
	// SLA trail): only if the stored version is c.Version and the stored revision c.Rev,
	// else ErrConflict. The revision becomes c.Rev+1, and so does c.Rev.
	RewriteCase(ctx context.Context, c *aftersale.Case) error
	// Case returns a case with the decision it was opened with.
	Case(ctx context.Context, id string) (CaseRecord, error)
	// CaseForUpdate is Case in a write transaction that is to rewrite the case (a message):
	// the case stays locked against other such writers until the transaction ends, so that
	// they wait for each other rather than conflict (SQLite's one writer is alone anyway).
	CaseForUpdate(ctx context.Context, id string) (CaseRecord, error)
	// ListCases returns one page of cases in a stable order (q.Sort: newest first, or the
	// soonest deadline first) and the cursor of the next page ("" at the end). A cursor
	// carries its sort: used with another sort, it is ErrBadCursor.
	ListCases(ctx context.Context, q CaseQuery) (cases []CaseRecord, next string, err error)
	// AppendEvent adds a history event. Events are never changed or deleted; a second
	// event with the same case and seq is ErrConflict.
	AppendEvent(ctx context.Context, caseID string, ev aftersale.Event) error
	// Events returns a case's history in order.
	Events(ctx context.Context, caseID string) ([]aftersale.Event, error)

	// ScheduleTimers cancels the case's pending timers of the given kinds and adds new
	// pending timers, in the same transaction as the transition that caused them.
	ScheduleTimers(ctx context.Context, caseID string, cancel []aftersale.DeadlineKind, set []aftersale.Deadline) error
	// PendingTimers lists a case's pending timers, soonest first, with their leases.
	PendingTimers(ctx context.Context, caseID string) ([]Timer, error)

	// ClaimTimers leases up to limit pending timers that are due at Now() and not leased
	// (or whose lease has run out), soonest first, to owner until Now()+lease, and returns
	// them. On PostgreSQL concurrent claimers never receive the same timer (SKIP LOCKED);
	// it reads through the due-time index, never scanning all timers. The lease must be
	// positive; a limit of 0 or less claims nothing.
	ClaimTimers(ctx context.Context, owner string, lease time.Duration, limit int) ([]Timer, error)
	// FinishTimer marks a timer the owner leased as fired (or cancelled, when what it
	// guarded had moved on), in the transaction that carried out its effect. ErrConflict
	// when the timer is no longer pending or its lease is not owner's: another replica took
	// it over, and this transaction must not commit. The call itself reports it (the write is
	// never left to travel with a later statement).
	FinishTimer(ctx context.Context, id, owner string, state TimerState) error
	// RetryTimer gives up owner's lease after a failed firing: attempts+1, the error kept,
	// not to be claimed again before retryAt. ErrConflict, reported by the call, when the
	// timer is no longer pending or its lease is not owner's.
	RetryTimer(ctx context.Context, id, owner string, retryAt time.Time, lastError string) error
	// NextTimerDue is the earliest time at which a pending timer can next be claimed (its
	// due time, or the end of its lease); ok is false when there are none.
	NextTimerDue(ctx context.Context) (at time.Time, ok bool, err error)
	// PruneTimers deletes up to limit timers that ended (fired or cancelled) before before,
	// the longest ended first, and returns how many it deleted. Pending timers are kept.
	PruneTimers(ctx context.Context, before time.Time, limit int) (int, error)
	// TimerStats counts pending timers and those of them due at or before Now().
	TimerStats(ctx context.Context) (pending, due int, err error)
	// OverdueTimers lists pending timers due before the given time, soonest first.
	OverdueTimers(ctx context.Context, before time.Time, limit int) ([]Timer, error)

	// Enqueue adds messages to the transactional outbox.
	Enqueue(ctx context.Context, msgs ...OutboxMessage) error
	// OutboxBacklog counts messages not yet delivered (pending, not dead).
	OutboxBacklog(ctx context.Context) (int, error)
	// ClaimOutbox leases up to limit pending messages available at Now(), oldest first, to
	// owner until Now()+lease. Concurrent claimers never receive the same message. The lease
	// must be positive; a limit of 0 or less claims nothing.
	ClaimOutbox(ctx context.Context, owner string, lease time.Duration, limit int) ([]OutboxRecord, error)
	// FinishOutbox marks a message owner leased as sent. ErrConflict, reported by the call,
	// when the message is no longer pending or the lease is not owner's any more.
	FinishOutbox(ctx context.Context, id int64, owner string) error
	// FinishOutboxes marks the messages of ids that owner leases and that are pending as
	// sent, in one statement, and returns how many it marked: a relay's batch delivered. A
	// message among ids that is not pending or not owner's any more is left as it is and
	// not counted.
	FinishOutboxes(ctx context.Context, owner string, ids []int64) (int, error)
	// FailOutbox records a failed delivery: attempts+1 and the error; the message is
	// available again at retryAt (a zero retryAt: at once), or dead (kept for admins, never
	// retried, its AvailableAt left as it was) when dead. ErrConflict as for FinishOutbox.
	FailOutbox(ctx context.Context, id int64, owner string, retryAt time.Time, lastError string, dead bool) error
	// DeadLetters lists dead messages, newest (highest id) first.
	DeadLetters(ctx context.Context, limit int) ([]OutboxRecord, error)
	// NextOutboxAvailable is the earliest time a pending message can next be claimed.
	NextOutboxAvailable(ctx context.Context) (at time.Time, ok bool, err error)
	// PruneOutbox deletes up to limit sent messages created before before, oldest first,
	// and returns how many it deleted. Pending and dead messages are kept.
	PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error)

	// AddMessage appends a message to a case's conversation; its Seq (1, 2, …) and At are
	// assigned by the store and returned. ErrNotFound for an unknown case. Concurrent
	// messages on one case get distinct seqs: the store numbers a writer that came second
	// again rather than refusing it (ErrConflict only if it keeps losing, 100 times, on
	// PostgreSQL).
	AddMessage(ctx context.Context, m CaseMessage) (CaseMessage, error)
	// Messages lists a case's conversation in order; internal notes only when asked. An
	// unknown case has none.
	Messages(ctx context.Context, caseID string, internal bool) ([]CaseMessage, error)

	// Idempotency returns the record of a key, ErrNotFound if unused.
	Idempotency(ctx context.Context, principal, key string) (IdempotencyRecord, error)
	// PutIdempotency stores a key's record; ErrConflict if the key is taken.
	PutIdempotency(ctx context.Context, r IdempotencyRecord) error
	// PruneIdempotency deletes up to limit records of keys used before before, the oldest
	// first, and returns how many it deleted: such a key may be used again.
	PruneIdempotency(ctx context.Context, before time.Time, limit int) (int, error)

	// InsertAttachment stores an attachment's metadata (the bytes live in the blob store).
	InsertAttachment(ctx context.Context, a Attachment) error
	// Attachment returns an attachment's metadata.
	Attachment(ctx context.Context, id string) (Attachment, error)
	// LinkAttachments attaches uploaded attachments to a case.
	LinkAttachments(ctx context.Context, caseID string, ids []string) error
	// UploadUsage is what an owner (role and id, as InsertAttachment was given them)
	// uploaded at or after since, linked to a case or not: how many attachments, their
	// bytes, and when the oldest of them was made (zero when none). It reads through an
	// index on the owner and the time (upload quotas ask it before each upload).
	UploadUsage(ctx context.Context, ownerRole, ownerID string, since time.Time) (UploadUsage, error)
	// DeleteUnlinkedAttachments deletes up to limit attachments that no case claimed and
	// that were made before before, oldest first, and returns them; their blobs are the
	// caller's to delete once the transaction has committed. The row's state decides: an
	// attachment that a concurrent transaction has linked, or holds locked to link it, is
	// not deleted, and of concurrent callers each deleted row is returned to one only. A
	// limit of 0 or less deletes nothing.
	DeleteUnlinkedAttachments(ctx context.Context, before time.Time, limit int) ([]Attachment, error)
	// AttachmentTotals counts the stored attachments and their bytes, and those of them no
	// case claimed. It reads the whole table: for a periodic job, not for every request.
	AttachmentTotals(ctx context.Context) (AttachmentTotals, error)

	// SavePolicy stores a policy document version; ErrConflict if that id and version
	// exist with different content.
	SavePolicy(ctx context.Context, p PolicyRecord) error
	// Policies lists every stored policy version, oldest first.
	Policies(ctx context.Context) ([]PolicyRecord, error)
	// PolicyMark reads how many policy versions are stored and the latest LoadedAt, in one
	// small query: a replica polls it to learn that another has installed a version.
	PolicyMark(ctx context.Context) (PolicyMark, error)

	// InsertToken stores an API token (only its hash).
	InsertToken(ctx context.Context, t Token) error
	// TokenByHash finds a token by the SHA-256 of its secret.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// Tokens lists every token, newest first (ties by id, descending; hashes included:
	// callers never show them).
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks a token revoked at Now(); ErrNotFound for an unknown id. Revoking a
	// revoked token keeps the first time.
	RevokeToken(ctx context.Context, id string) error

	// InsertUser stores a staff account (a zero CreatedAt becomes Now); ErrConflict when the
	// username or id is taken, ErrNotFound when its merchant is unknown.
	//
	// Merchant staff must have a Merchant and every other role none (the users_merchant_staff
	// constraint). The caller validates that first: a store that refuses it returns an error
	// that wraps the database's constraint violation, names users_merchant_staff, and is none
	// of ErrConflict, ErrNotFound or ErrExceeded — a bug of the caller, not a user's mistake.
	InsertUser(ctx context.Context, u User) error
	// UpdateUser replaces an account's fields (all but ID, Username and CreatedAt);
	// ErrNotFound for an unknown id. The users_merchant_staff rule is as for InsertUser.
	UpdateUser(ctx context.Context, u User) error
	// User returns an account by id; UserByUsername by its username.
	User(ctx context.Context, id string) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	// Users lists the accounts by username.
	Users(ctx context.Context) ([]User, error)
	// StaffFor lists by username the enabled accounts that may be told about merchant's
	// records: the merchant's own staff and the platform's (agents, supervisors, admins,
	// whatever their scope, which is the caller's to check).
	StaffFor(ctx context.Context, merchant string) ([]User, error)

	// InsertSession stores a web session (only the hash of its id; zero CreatedAt and
	// LastSeenAt become Now); ErrConflict when the hash is taken, ErrNotFound when UserID
	// names no account ("" for a customer's session).
	InsertSession(ctx context.Context, s Session) error
	// Session returns a session by the hash of its id (expired ones too: the caller decides).
	Session(ctx context.Context, idHash []byte) (Session, error)
	// TouchSession moves a session's last-seen and expiry times; ErrNotFound, reported by
	// the call, when the session is gone (logged out meanwhile).
	TouchSession(ctx context.Context, idHash []byte, lastSeen, expires time.Time) error
	// DeleteSession ends a session (logout); deleting an unknown session is not an error.
	DeleteSession(ctx context.Context, idHash []byte) error
	// DeleteUserSessions ends every session of an account (disabled, password changed).
	DeleteUserSessions(ctx context.Context, userID string) error

	// SetShopSecret stores the shared secret a shop system signs customer login links with;
	// shop is a merchant code, or "platform" for the marketplace itself. A second call
	// replaces the secret; an empty secret is refused.
	SetShopSecret(ctx context.Context, shop string, secret []byte) error
	// ShopSecret returns a shop's secret; ErrNotFound when none is set.
	ShopSecret(ctx context.Context, shop string) ([]byte, error)
	// UseLoginLink records that the login link whose signature hashes to sigHash, valid
	// until expires, has been used; ErrConflict when it was used before. Records of links
	// expired at Now() are dropped: such links are refused anyway.
	UseLoginLink(ctx context.Context, sigHash []byte, expires time.Time) error

	// AppendAudit adds an entry to the audit log, which is append-only (the database refuses
	// to change or delete entries). The store assigns the ID (a given one is ignored); a zero
	// At becomes Now. Detail must be valid JSON; nil is stored as null and reads back nil.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns one page of the audit log, newest first (At, then ID, descending),
	// and the cursor of the next page ("" at the end); pages neither skip nor repeat entries
	// however many share a time. ErrBadCursor for a cursor it did not produce.
	ListAudit(ctx context.Context, q AuditQuery) (entries []AuditEntry, next string, err error)

	Ledger
	Disputes
	Logistics
	Notifications
	Webhooks
	Desk
	Analytics
	Reporting
	Alerts
	Plans
	Recalls
	Risk
	Assistant
	Triage
}

// Merchant is a shop on the platform.
type Merchant struct {
	Code     string
	Name     string
	Category string // main category
}

// Customer is a buyer, known by the shop system's id.
type Customer struct {
	ID      string
	Name    string
	Phone   string
	Address string
	Email   string
}

// CaseRecord is a stored case.
type CaseRecord struct {
	Case     aftersale.Case
	Decision json.RawMessage // the policy decision at application (policy.Decision as JSON)
}

// Timer is a deadline waiting to fire.
type Timer struct {
	ID         string
	CaseID     string
	Kind       aftersale.DeadlineKind
	DueAt      time.Time
	Attempts   int    // failed firings
	LeaseOwner string // "" when not leased
	// LeaseUntil is when the lease ends; after a failed firing (LeaseOwner ""), the time
	// before which it is not claimed again.
	LeaseUntil time.Time
	LastError  string // of the last failed firing
}

// TimerState is how a timer ended.
type TimerState string

// Timer states.
const (
	TimerPending   TimerState = "pending"
	TimerFired     TimerState = "fired"
	TimerCancelled TimerState = "cancelled"
)

// OutboxRecord is a stored outbox message with its delivery state.
type OutboxRecord struct {
	ID          int64
	Topic       string
	Key         string
	Payload     json.RawMessage
	State       string // pending | sent | dead
	Attempts    int
	AvailableAt time.Time
	LastError   string
	CreatedAt   time.Time
}

// CaseMessage is one entry of a case's conversation: a public reply (customer, merchant,
// agent) or an internal note (staff only).
type CaseMessage struct {
	CaseID     string
	Seq        int64
	AuthorRole string // customer | merchant | agent | supervisor | system
	AuthorID   string
	Public     bool
	Body       string
	// Channel is how it came or went besides the pages and the API: "" or email (a
	// customer's inbound email; a reply sent back by email).
	Channel string
	At      time.Time
}

// OutboxMessage is something that must leave the system after the transaction commits:
// a notification, a webhook, a refund to the payment gateway.
type OutboxMessage struct {
	Topic   string // e.g. "case.approve", "money.refund"
	Key     string // ordering / deduplication key, e.g. the case id
	Payload json.RawMessage
}

// IdempotencyRecord is the first response to a request made with an Idempotency-Key.
type IdempotencyRecord struct {
	Principal   string // who made the request (token id)
	Key         string
	RequestHash []byte // SHA-256 of method, path and body
	Status      int
	Response    []byte
	CreatedAt   time.Time
}

// Attachment is an uploaded piece of evidence.
type Attachment struct {
	ID           string
	CaseID       string // "" until linked to a case
	OwnerRole    string
	OwnerID      string
	Merchant     string // the merchant whose case it belongs to, once linked
	Customer     string
	ContentType  string
	Size         int64
	SHA256       []byte
	OriginalName string
	CreatedAt    time.Time
}

// UploadUsage is what one owner uploaded in a period (Tx.UploadUsage).
type UploadUsage struct {
	Count  int
	Bytes  int64
	Oldest time.Time // when the oldest of them was made; zero when there are none
}

// AttachmentTotals are the attachments stored (Tx.AttachmentTotals).
type AttachmentTotals struct {
	Count, Bytes int64
	// UnlinkedCount and UnlinkedBytes are those of them no case claimed (yet).
	UnlinkedCount, UnlinkedBytes int64
}

// PolicyRecord is a stored policy document version.
type PolicyRecord struct {
	ID       string
	Version  int
	Layer    string
	Merchant string
	Category string
	Document []byte
	LoadedAt time.Time
}

// Key is the version's id@version, as policy.Document.Key names it.
func (r PolicyRecord) Key() string { return fmt.Sprintf("%s@%d", r.ID, r.Version) }

// PolicyMark says which policy versions are stored (Tx.PolicyMark). Versions are never
// deleted, so a mark that has not moved means no version was added.
type PolicyMark struct {
	Versions   int
	LastLoaded time.Time // zero when none
}

// Token is an API token. Only the SHA-256 of its secret is kept.
type Token struct {
	ID       string
	Hash     []byte
	Name     string
	Role     string // customer | merchant | agent | supervisor | admin | integration
	Merchant string
	Customer string
	// UserID is the staff account the token acts as ("" none): its role, merchant and
	// scope are the account's, and assignments and replies name its person.
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: not revoked
}

// User is a staff account that logs in with a password: merchant staff, agents,
// supervisors, admins. Customers arrive from the shop system and are not users.
type User struct {
	ID           string
	Username     string
	DisplayName  string
	Email        string   // where notifications and password resets go ("" none)
	Role         string   // merchant | agent | supervisor | admin
	Merchant     string   // for merchant staff
	Scope        []string // merchants an agent or supervisor serves; empty (read back nil): all
	PasswordHash string   // argon2id, PHC string format
	FailedLogins int
	LockedUntil  time.Time // zero: not locked
	CreatedAt    time.Time
	DisabledAt   time.Time // zero: active
}

// Session is a web session. Only the SHA-256 of its id is kept.
type Session struct {
	IDHash     []byte
	Role       string
	UserID     string   // staff
	Merchant   string   // merchant staff; or the shop that vouched for a customer
	Customer   string   // a customer
	Scope      []string // an agent's or supervisor's merchants (empty reads back nil)
	CSRFToken  string
	Addr       string // where it was opened from
	Client     string // the user agent it was opened with
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// AuditEntry is one line of the audit log: who did what to what, when, from where.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorRole  string
	ActorID    string
	Action     string // e.g. case.approve, order.upsert, policy.install, token.revoke, login
	Resource   string // case | order | attachment | policy | token | user | session
	ResourceID string
	Outcome    string // ok | denied | failed
	Addr       string
	Client     string
	Detail     json.RawMessage // what changed, never secrets or personal data in full
}

// AuditQuery selects audit entries; empty fields select everything.
type AuditQuery struct {
	ActorID    string
	Action     string // exact, or a prefix ending in "." (case.)
	Resource   string
	ResourceID string
	From, To   time.Time // [From, To)
	Cursor     string
	Limit      int // 1–1000; 0 means 100
}

// Options configure an implementation.
type Options struct {
	// Now is the clock transactions read (Tx.Now); time.Now when nil. Times are kept to the
	// microsecond, in UTC, by both stores.
	Now func() time.Time
}

// Clock returns o.Now, or time.Now, as a function that truncates to microseconds in UTC.
func (o Options) Clock() func() time.Time {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}
