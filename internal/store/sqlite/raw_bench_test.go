package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// BenchmarkRawInsert is the raw database beside which intake on SQLite is measured
// (docs/PERFORMANCE.md): single-row autocommit inserts through the same driver, on a write
// connection opened with the store's own settings (WAL, synchronous=NORMAL, IMMEDIATE).
func BenchmarkRawInsert(b *testing.B) {
	db, err := sql.Open("sqlite", dsn(filepath.Join(b.TempDir(), "raw.db"), defaultBusyTimeout, true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE raw_insert (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT, at INTEGER)`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := db.Exec(`INSERT INTO raw_insert (a, b, c, at) VALUES (?, ?, ?, ?)`, "hello", i, `{"x": 1}`, i); err != nil {
			b.Fatal(err)
		}
	}
}
