// Package clock is the time source the store and the application read. In production it
// is the real time; demo seeding and tests set it to play out history at chosen moments.
package clock

import (
	"sync"
	"time"
)

// Clock reads the real time unless it has been set.
type Clock struct {
	mu  sync.RWMutex
	at  time.Time
	set bool
}

// Now returns the set time, or the real time.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.set {
		return c.at
	}
	return time.Now()
}

// Set fixes the time until Reset.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.at, c.set = t, true
	c.mu.Unlock()
}

// Advance moves a set clock forward by d (from the real time if it was not set).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	if !c.set {
		c.at, c.set = time.Now(), true
	}
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

// Reset returns the clock to the real time.
func (c *Clock) Reset() {
	c.mu.Lock()
	c.set = false
	c.mu.Unlock()
}
