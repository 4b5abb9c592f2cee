package sqlite

import (
	"database/sql"
	"fmt"
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

// BenchmarkUpdateSetsColumn is why the store's updates set an indexed column only when its
// value changes (setList): SQLite rewrites the entries of every index holding a column an
// UPDATE sets, even to the value it had. 200,000 rows, column a in 8 indexes, b in none.
//
//	go test ./internal/store/sqlite -run '^$' -bench UpdateSetsColumn
func BenchmarkUpdateSetsColumn(b *testing.B) {
	db, err := sql.Open("sqlite", dsn(filepath.Join(b.TempDir(), "set.db"), defaultBusyTimeout, writer))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	stmts := []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)`}
	for i := range 8 {
		stmts = append(stmts, fmt.Sprintf(`CREATE INDEX t_a%d ON t (a, id, %d)`, i, i))
	}
	stmts = append(stmts, `WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 199999)
		INSERT INTO t SELECT n, printf('a%06d', n), 'b' FROM g`)
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	for _, c := range []struct{ name, q string }{
		{"indexed=same", `UPDATE t SET a = a WHERE id = ?`},
		{"unindexed=same", `UPDATE t SET b = b WHERE id = ?`},
	} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := db.Exec(c.q, i%200_000); err != nil {
					b.Fatal(err)
				}
				i += 7919
			}
		})
	}
}
