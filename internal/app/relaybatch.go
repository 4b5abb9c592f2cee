package app

import (
	"context"
	"errors"
	"sync"

	"github.com/aftersales/aftersales/internal/store"
)

// A relay batch's shared reads. The relay claims the outbox a batch at a time, and most of
// a batch's messages need the same few records: every case event the list of webhooks,
// every notification the staff accounts and, person by person, the notification
// preferences and the customer. Read per message, they were most of the relay's
// statements (docs/PERFORMANCE.md, issue 18, ninth session). The relay delivers a batch
// with a context from RelayBatch, and the handlers read each of these records once for
// the batch through it. A batch lasts milliseconds, and what it remembers is as fresh as
// a read at the batch's start: a webhook or a preference changed meanwhile takes effect
// with the next batch, as it would have had the message been claimed a moment earlier.
// Without the context (a handler called by itself) every read goes to the store.
type relayReads struct {
	mu   sync.Mutex
	seen map[string]*relayRead
}

// relayRead is one record's read: the first handler to ask reads it, those that ask
// meanwhile wait for its answer.
type relayRead struct {
	done chan struct{} // closed when the read is over
	v    any
	err  error
	kept bool // the answer is the batch's: a value, or store.ErrNotFound
}

type relayReadsKey struct{}

// RelayBatch returns a context for delivering one batch of outbox messages: the handlers
// that read through it (remembered) read each shared record once for the batch. The relay
// calls it for every batch it claims (scheduler.RelayConfig.BatchContext).
func RelayBatch(ctx context.Context) context.Context {
	return context.WithValue(ctx, relayReadsKey{}, &relayReads{seen: map[string]*relayRead{}})
}

// remembered returns what read returns, read once for the relay batch of ctx under key: a
// value it found, or that there is none (store.ErrNotFound). A worker that asks while
// another reads the key waits for that read; one that failed otherwise is not kept, and
// each caller then reads for itself. Callers must not change what it returns: the batch's
// other messages get the same value. Waiting cannot deadlock: the reads are plain reads
// that wait on no lock, and on SQLite the writes that read are one at a time.
func remembered[T any](ctx context.Context, key string, read func() (T, error)) (T, error) {
	b, _ := ctx.Value(relayReadsKey{}).(*relayReads)
	if b == nil {
		return read()
	}
	b.mu.Lock()
	r, asked := b.seen[key]
	if !asked {
		r = &relayRead{done: make(chan struct{})}
		b.seen[key] = r
	}
	b.mu.Unlock()
	if asked {
		select {
		case <-r.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if r.kept {
			return r.v.(T), r.err
		}
		return read()
	}
	v, err := read()
	r.v, r.err, r.kept = v, err, err == nil || errors.Is(err, store.ErrNotFound)
	close(r.done)
	return v, err
}
