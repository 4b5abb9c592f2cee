package sqlite

import (
	"database/sql"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aftersales/aftersales/internal/store/storetest"
)

// BenchmarkRawInsert is the raw database beside which intake on SQLite is measured
// (docs/PERFORMANCE.md): single-row autocommit inserts through the same driver, on a write
// connection opened with the store's own settings (WAL, synchronous=NORMAL, IMMEDIATE),
// beside the store's background checkpointer.
func BenchmarkRawInsert(b *testing.B) {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite", dsn(path, defaultBusyTimeout, writer))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err != nil { // the file in WAL mode before the checkpointer opens it
		b.Fatal(err)
	}
	var commits atomic.Int64
	ck, err := startCheckpointer(dsn(path, defaultBusyTimeout, checkpointing), &commits)
	if err != nil {
		b.Fatal(err)
	}
	defer ck.close()
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
		commits.Add(1)
	}
}

// BenchmarkUpdateCase is a life cycle's case updates, a transaction each (storetest).
//
//	go test ./internal/store/sqlite -run '^$' -bench UpdateCase -count 5
func BenchmarkUpdateCase(b *testing.B) {
	storetest.BenchUpdateCase(b, MustOpenDB(b), 20_000, nil)
}

// BenchmarkUpsertOrder is an order pushed again with its shipment, a transaction each (storetest).
func BenchmarkUpsertOrder(b *testing.B) {
	storetest.BenchUpsertOrder(b, MustOpenDB(b), 2000, nil)
}
