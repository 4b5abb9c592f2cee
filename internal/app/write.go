package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// Idempotency is a request's Idempotency-Key and a hash of what it asked, so that a retry
// gets the first answer and a different request under the same key is refused.
type Idempotency struct {
	Key         string
	RequestHash []byte
}

// RequestHash hashes the parts of a request that make it "the same request".
func RequestHash(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// Reply is the answer of a write command: the resource and its HTTP status, or — for a
// retried request with the same Idempotency-Key — the first answer, byte for byte.
type Reply[T any] struct {
	Status   int
	Value    *T     // nil when Replayed
	Body     []byte // the first answer's JSON, when Replayed
	Replayed bool
}

// write runs a command in one transaction with its idempotency record: the record is
// written in the same transaction as the command, so that a crash can never leave a
// command done without its record or a record without its command.
// fn returns the resource and its status.
//
// what names the command for the audit log (action and resource, e.g. "case.act", "case",
// the case id); a command that is denied — not allowed, or someone else's — is recorded
// there as denied, and a successful one records what it did through txn.audit.
func write[T any](ctx context.Context, a *App, p Principal, idem *Idempotency, what auditTarget, fn func(tx *txn) (*T, int, error)) (Reply[T], error) {
	if idem != nil && (len(idem.Key) == 0 || len(idem.Key) > 200) {
		return Reply[T]{}, errInvalid("Idempotency-Key", "幂等键长度应为 1–200", "the Idempotency-Key must be 1–200 characters")
	}
	for attempt := 0; ; attempt++ {
		var r Reply[T]
		var done *txn
		err := a.store.Update(ctx, func(stx store.Tx) error {
			tx := &txn{Tx: stx, p: p}
			r = Reply[T]{}
			if idem != nil {
				rec, err := tx.Idempotency(ctx, p.ID, idem.Key)
				switch {
				case err == nil:
					if !bytes.Equal(rec.RequestHash, idem.RequestHash) {
						return errInvalid("Idempotency-Key", "该幂等键已用于另一个请求", "this Idempotency-Key was used for a different request")
					}
					r = Reply[T]{Status: rec.Status, Body: rec.Response, Replayed: true}
					return nil
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
			v, status, err := fn(tx)
			if err != nil {
				return err
			}
			done = tx
			r = Reply[T]{Status: status, Value: v}
			if idem != nil {
				body, err := json.Marshal(v)
				if err != nil {
					return err
				}
				return tx.PutIdempotency(ctx, store.IdempotencyRecord{
					Principal: p.ID, Key: idem.Key, RequestHash: idem.RequestHash,
					Status: status, Response: body, CreatedAt: tx.Now(),
				})
			}
			return nil
		})
		// A concurrent writer won the race — a request with the same key, or another change to
		// the same case or row: run again, to replay its answer or to decide on what it wrote
		// (a stale case version then becomes a conflict that names the allowed actions).
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			continue
		}
		if err != nil {
			err = fromCore(err)
			if c := ErrorCode(err); c == CodeForbidden || c == CodeNotFound {
				a.auditDenied(ctx, p, what, err)
			}
			return Reply[T]{}, err
		}
		if done != nil {
			a.committed(done)
		}
		return r, nil
	}
}

// txn is a command's store transaction and what the command did in it, reported only once
// the transaction has committed (a retried or rolled-back attempt reports nothing).
type txn struct {
	store.Tx
	p           Principal // who runs the command (the audit log's actor)
	transitions []transition
	sla         []slaNotice
	timers      []time.Time // due times of timers set
	outbox      bool        // messages were enqueued
	// plansChanged: an emergency plan started or ended (recentActivePlans forgets).
	plansChanged bool
	kbChanged    bool // an article was written (triage's kbStats forget)
	// history is a case's events as this transaction last read them (Events), until an
	// event is appended to it.
	history struct {
		caseID string
		events []aftersale.Event
	}
}

// Events returns a case's history, read once a transaction while no event is appended to
// it: a command works out the service clocks from the history after its write (persist)
// and answers with the same history. The caller gets its own copy of the list.
func (tx *txn) Events(ctx context.Context, caseID string) ([]aftersale.Event, error) {
	if tx.history.caseID == caseID && tx.history.events != nil {
		return slices.Clone(tx.history.events), nil
	}
	evs, err := tx.Tx.Events(ctx, caseID)
	if err != nil {
		return nil, err
	}
	tx.history.caseID, tx.history.events = caseID, slices.Clip(evs)
	return slices.Clone(evs), nil
}

// AppendEvent appends to a case's history and forgets what Events read of it.
func (tx *txn) AppendEvent(ctx context.Context, caseID string, ev aftersale.Event) error {
	if tx.history.caseID == caseID {
		tx.history.caseID, tx.history.events = "", nil
	}
	return tx.Tx.AppendEvent(ctx, caseID, ev)
}

// Enqueue adds outbox messages and notes that the relay has work.
func (tx *txn) Enqueue(ctx context.Context, msgs ...store.OutboxMessage) error {
	tx.outbox = tx.outbox || len(msgs) > 0
	return tx.Tx.Enqueue(ctx, msgs...)
}

type slaNotice struct {
	breach bool
	kind   string
}

// committed reports what a committed transaction did: metrics, and the earliest timer it
// set to the scheduler, which may be sleeping past it.
func (a *App) committed(tx *txn) {
	if tx.plansChanged {
		a.activePlans.forget()
	}
	if tx.kbChanged {
		a.kbStats.forget()
	}
	for _, t := range tx.transitions {
		a.obs.Transition(t.typ, t.action)
	}
	for _, n := range tx.sla {
		a.obs.SLA(n.kind, n.breach)
	}
	if tx.outbox && a.onOutbox != nil {
		a.onOutbox()
	}
	if len(tx.timers) > 0 && a.onTimer != nil {
		a.onTimer(slices.MinFunc(tx.timers, func(x, y time.Time) int { return x.Compare(y) }))
	}
}

type transition struct {
	typ    aftersale.Type
	action aftersale.Action
}
