//go:build race

package scheduler_test

// e2eRace is true under the race detector, which makes the Go side of every firing several
// times slower: the multi-replica and crash tests then use fewer timers (see e2eScale).
const e2eRace = true
