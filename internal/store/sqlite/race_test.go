//go:build race

package sqlite

// raceDetector is true when the tests run with -race: the query-plan tests, which build
// 100,000 rows in the pure-Go SQLite, take minutes under it and test no concurrency, run
// without it (the README's test command runs them again so).
const raceDetector = true
