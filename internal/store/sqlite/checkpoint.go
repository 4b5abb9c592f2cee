package sqlite

import (
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// A checkpoint copies the pages that commits appended to the WAL into the database file,
// so that the WAL can start over and readers find pages without searching it. SQLite
// does it in the commit that takes the WAL past 1,000 pages (wal_autocheckpoint): that
// Update, and every Update waiting for the writer behind it, waited 10–15 ms for about a
// thousand page copies — the one bump in the intake's latencies (9 % of applications at
// 10–11 ms at 265 a second on two cores; p99 18 ms at 50 a second with nothing else to
// wait for). The checkpointer does it instead, on a connection of its own, a PASSIVE
// checkpoint shortly after each run of commits: it waits for no reader and no writer,
// and commits go on while it copies (docs/PERFORMANCE.md, "Issue 18, fourth and fifth
// sessions").
const (
	// checkpointEvery is how often the checkpointer looks for new commits.
	checkpointEvery = 50 * time.Millisecond
	// autoCheckpoint is the WAL size in pages (of 4 KiB) past which a commit checkpoints
	// itself after all: the checkpointer fell behind, or another process writes the file.
	autoCheckpoint = 10_000
)

// checkpointer runs PASSIVE checkpoints in the background on its own connection.
type checkpointer struct {
	conn    *sql.DB
	commits *atomic.Int64 // the store's committed write transactions
	upTo    atomic.Int64  // the commits the last checkpoint began after, for the tests
	stop    chan struct{}
	done    chan struct{}
	closing sync.Once
}

// startCheckpointer opens the checkpointer's connection and starts it; commits counts the
// write transactions committed (it checkpoints when the count has moved).
func startCheckpointer(dsn string, commits *atomic.Int64) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	conn.SetConnMaxIdleTime(0)
	c := &checkpointer{conn: conn, commits: commits, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	seen := c.commits.Load()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		if n := c.commits.Load(); n != seen {
			seen = n
			// Best effort, as SQLite's own: a checkpoint that fails (SQLITE_BUSY while a
			// commit in another process checkpoints) leaves the pages in the WAL for the
			// next one, or for the commit that takes the WAL past autoCheckpoint.
			if _, err := c.conn.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
				c.upTo.Store(n)
			}
		}
	}
}

// close stops the checkpointer and closes its connection; it may be called again, as the
// store's Close may.
func (c *checkpointer) close() error {
	c.closing.Do(func() { close(c.stop) })
	<-c.done
	return c.conn.Close()
}
