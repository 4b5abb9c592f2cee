package app

import (
	"sync"
	"time"
)

// replicaTTL is how long a replica keeps what it read of data that changes seldom and
// that another replica may change: the active emergency plans, merchants' tiers, the
// knowledge base's statistics — never tokens, whose revocation must stop them at once
// everywhere. What this replica changes it forgets at once (forget); what another changes
// is seen here within replicaTTL, as policy versions are (RefreshPolicies).
const replicaTTL = time.Second

// shortCache keeps values read from the store for at most a TTL, so that a burst of
// requests reads them once, not once each (docs/PERFORMANCE.md: each was a statement, and
// on PostgreSQL a round trip, of every application).
type shortCache[K comparable, V any] struct {
	mu      sync.Mutex
	gen     uint64 // bumped by forget: what was read before is stale
	entries map[K]shortEntry[V]
}

type shortEntry[V any] struct {
	v    V
	read time.Time // monotonic: the application's clock may be a test's
	gen  uint64
}

// shortCacheMax bounds a cache: past it, it starts again empty.
const shortCacheMax = 10000

// get returns the value of key as load reads it, or as it was read within ttl. A failed
// load is not kept.
func (c *shortCache[K, V]) get(key K, ttl time.Duration, load func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && e.gen == gen && time.Since(e.read) < ttl {
		return e.v, nil
	}
	started := time.Now()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen { // nothing was forgotten while it was read
		if c.entries == nil || len(c.entries) >= shortCacheMax {
			c.entries = make(map[K]shortEntry[V])
		}
		c.entries[key] = shortEntry[V]{v: v, read: started, gen: gen}
	}
	return v, nil
}

// forget drops everything read: this replica changed what it was read from.
func (c *shortCache[K, V]) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}
