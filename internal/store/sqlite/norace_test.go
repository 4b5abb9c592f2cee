//go:build !race

package sqlite

// raceDetector is false when the tests run without -race (race_test.go).
const raceDetector = false
