//go:build !race

package scheduler_test

// e2eRace is true under the race detector (race_test.go).
const e2eRace = false
