package scheduler_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// TestCrashWhileFiring: a real `aftersales serve` process fires 2,000 answer deadlines that
// are due together (refunds before shipment that the merchant ignored) and is killed with
// SIGKILL half-way through, while it holds leases on a batch; a second process started on
// the same store fires the rest — the timers of the killed process's batch once their
// leases (30 s) have run out — and every timer has fired exactly once: one system event per
// case, every case's version equal to its number of events, no answer deadline pending.
//
// On SQLite (a data folder) and on PostgreSQL (a fresh schema). The cases are applied
// in-process through app.Apply, on a store whose clock stands at the moment that makes
// their deadlines due when the server starts. The binary is built without -race (it is the
// system under test, not the test); under -race the in-process applications are slower and
// the test uses 1,000 cases.
func TestCrashWhileFiring(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := e2eBuild(t)
	n := 2_000
	if e2eRace {
		n = 1_000
	}
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e2eCrash(t, b, bin, n)
		})
	}
}

func e2eCrash(t *testing.T, b e2eBackend, bin string, n int) {
	ctx := context.Background()
	// Applied 3 s ago with a 2 s deadline: due a second ago.
	at := time.Now().Add(-3 * time.Second).UTC()
	st, where := b.open(t, func() time.Time { return at })
	a := e2eNewApp(t, st, func() time.Time { return at }, nil, nil)
	e2eBulkOrders(t, st, "CR", n, "fast", at)
	start := time.Now()
	e2eApplyAll(t, a, "CR", n, aftersale.RefundOnly)
	t.Logf("%d cases applied in %v", n, time.Since(start).Round(time.Millisecond))
	_ = st.Close()

	// The server's data folder: SQLite's file is DIR/aftersales.db.
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Dir(where)}
	var count func(query string) int
	if b.name == "postgres" {
		args = []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--database-url", where}
		db, err := pgx.Connect(ctx, where)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(context.Background()) })
		count = func(q string) (n int) {
			if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
	} else {
		db, err := sql.Open("sqlite", "file:"+where+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		count = func(q string) (n int) {
			if err := db.QueryRow(q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
	}
	const (
		fired   = `SELECT count(*) FROM case_events WHERE actor_role = 'system'`
		leased  = `SELECT count(*) FROM timers WHERE state = 'pending' AND kind = 'merchant_response' AND lease_owner IS NOT NULL`
		pending = `SELECT count(*) FROM timers WHERE state = 'pending' AND kind = 'merchant_response'`
	)
	if c := count(pending); c != n {
		t.Fatalf("%d answer deadlines pending before the server starts, want %d", c, n)
	}

	// The first process: killed once a quarter of the timers (and a part of a batch: the
	// scheduler claims 100 at a time) have fired.
	first := e2eServe(t, bin, args, filepath.Join(t.TempDir(), "first.log"))
	deadline := time.Now().Add(60 * time.Second)
	for c := count(fired); c < n/4+37; c = count(fired) {
		if time.Now().After(deadline) {
			first.kill()
			t.Fatalf("only %d of %d timers fired in a minute:\n%s", c, n, first.log())
		}
		time.Sleep(5 * time.Millisecond)
	}
	first.kill()
	killedAt, inFlight := count(fired), count(leased)
	t.Logf("killed with SIGKILL after %d of %d firings; %d timers were leased to it and not fired", killedAt, n, inFlight)
	if killedAt >= n {
		t.Fatalf("every timer had fired before the kill: the test did not kill the process mid-batch")
	}
	if inFlight == 0 && killedAt%100 != 0 {
		t.Errorf("no timer was leased to the killed process: it was not killed while firing a batch")
	}

	// The second process fires the rest, the killed batch after its leases run out.
	second := e2eServe(t, bin, args, filepath.Join(t.TempDir(), "second.log"))
	defer second.stop(t)
	restarted := time.Now()
	deadline = time.Now().Add(90 * time.Second)
	for count(pending) > 0 || count(fired) < n {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: %d of %d fired, %d pending:\n%s", count(fired), n, count(pending), second.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the restarted process fired the remaining %d in %v", n-killedAt, time.Since(restarted).Round(100*time.Millisecond))
	// Long enough for a second firing of anything to show.
	time.Sleep(time.Second)

	twice := count(`SELECT count(*) FROM (SELECT case_id FROM case_events WHERE actor_role = 'system'
		GROUP BY case_id HAVING count(*) <> 1) x`)
	inconsistent := count(`SELECT count(*) FROM cases c
		WHERE c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)
		   OR c.version <> 2 OR c.state <> 'resolved'`)
	firedTimers := count(`SELECT count(*) FROM timers WHERE kind = 'merchant_response' AND state = 'fired'`)
	if got := count(fired); got != n || twice != 0 {
		t.Errorf("%d system events, %d cases with other than one; want one on each of %d cases", got, twice, n)
	}
	if inconsistent != 0 {
		t.Errorf("%d cases whose version is not their number of events, or not refunded at version 2", inconsistent)
	}
	if firedTimers != n {
		t.Errorf("%d answer deadlines fired, want %d", firedTimers, n)
	}
	if t.Failed() {
		t.Logf("first process:\n%s\nsecond process:\n%s", first.log(), second.log())
	}
}

// e2eBuild builds the aftersales binary into the test's temporary folder.
func e2eBuild(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aftersales")
	out, err := exec.Command("go", "build", "-o", path, "github.com/aftersales/aftersales/cmd/aftersales").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// e2eProc is a running aftersales process.
type e2eProc struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	base    string
}

var e2eServingLine = regexp.MustCompile(`serving on (http://\S+)`)

// e2eServe starts `aftersales serve …` and waits until it serves; its output goes to
// logPath. The process is killed at the end of the test if it still runs.
func e2eServe(t *testing.T, bin string, args []string, logPath string) *e2eProc {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = e2eEnvWithout("AFTERSALES_")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &e2eProc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	served := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := e2eServingLine.FindStringSubmatch(line); m != nil {
				served <- m[1]
			}
		}
		_, _ = io.Copy(logf, stdout)
	}()
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	t.Cleanup(p.kill)
	select {
	case p.base = <-served:
	case <-p.done:
		t.Fatalf("aftersales serve exited: %s", p.log())
	case <-time.After(60 * time.Second):
		p.kill()
		t.Fatalf("aftersales serve did not start in a minute: %s", p.log())
	}
	return p
}

// kill sends SIGKILL and waits for the process to end.
func (p *e2eProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks the process to shut down (SIGTERM) and fails the test if it does not in time.
func (p *e2eProc) stop(t *testing.T) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill()
		t.Errorf("aftersales serve did not stop on SIGTERM in 30 s")
	}
}

// log is the process's output (the end of it).
func (p *e2eProc) log() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// e2eEnvWithout is the environment less the variables starting with prefix (the flags'
// twins), so that the process runs with the flags it is given.
func e2eEnvWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}
