package gateway

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/ledger"
)

func TestDuplicateRateOneSendsEveryCallbackTwice(t *testing.T) {
	rec := newReceiver(t, testSecret)
	g := MustOpen(t, Options{CallbackURL: rec.srv.URL, DuplicateRate: 1, SettleDelay: 10 * time.Millisecond})
	const n = 8
	for i := range n {
		mustPay(t, g, request(fmt.Sprint("k", i), 100))
	}
	MustRun(t, g)
	waitFor(t, 5*time.Second, "every callback delivered twice", func() bool { return len(rec.delivered()) == 2*n })
	waitFor(t, 5*time.Second, "the deliveries counted", func() bool { return g.Stats().CallbacksSent == 2*n })
	time.Sleep(100 * time.Millisecond) // a third copy would come by now
	for i := range n {
		key := fmt.Sprint("k", i)
		if got := rec.arrivals(key); got != 2 {
			t.Errorf("%s arrived %d times, want 2", key, got)
		}
		if r, _ := g.Lookup(context.Background(), key); r.CallbacksSent != 2 || r.CallbacksDue != 0 {
			t.Errorf("%s: record = %+v, want 2 sent, none due", key, r)
		}
	}
	if s := g.Stats(); s.CallbacksSent != 2*n || s.Duplicates != n {
		t.Errorf("stats = %+v, want %d sent of which %d duplicates", s, 2*n, n)
	}
}

// Callbacks come in the order the payments settle, not the order they were made.
func TestCallbacksArriveOutOfOrder(t *testing.T) {
	rec := newReceiver(t, testSecret)
	// One worker, so that arrival order is the order of sending (with more, callbacks in
	// flight at once may overtake each other).
	g := MustOpen(t, Options{CallbackURL: rec.srv.URL, SettleDelay: 40 * time.Millisecond, Workers: 1})
	MustRun(t, g)
	const n = 20
	var made []string
	for i := range n {
		key := fmt.Sprintf("k%02d", i)
		mustPay(t, g, request(key, 100))
		made = append(made, key)
	}
	waitFor(t, 5*time.Second, "every callback delivered", func() bool { return len(rec.delivered()) == n })
	var arrived []string
	var latest time.Time
	for _, p := range rec.delivered() {
		arrived = append(arrived, p.Key)
		// A payment made while Run was choosing what to send may have settled a moment
		// before the last one sent; anything more is a callback out of its settle order.
		if p.SettledAt.Before(latest.Add(-25 * time.Millisecond)) {
			t.Errorf("%s (settled %s) arrived after one settled at %s", p.Key, p.SettledAt.Format("15:04:05.000"),
				latest.Format("15:04:05.000"))
		}
		if p.SettledAt.After(latest) {
			latest = *p.SettledAt
		}
	}
	if slices.Equal(arrived, made) {
		t.Errorf("callbacks arrived in the order of the calls: %v", arrived)
	}
}

// A receiver that answers 500 gets the callback again later, until it takes it.
func TestReceiverErrorGetsCallbackAgain(t *testing.T) {
	rec := newReceiver(t, testSecret)
	rec.answer = func(p ledger.Payment, n int) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	g := MustOpen(t, Options{CallbackURL: rec.srv.URL, SettleDelay: 5 * time.Millisecond, CallbackRetry: 20 * time.Millisecond})
	const n = 5
	for i := range n {
		mustPay(t, g, request(fmt.Sprint("k", i), 100))
	}
	MustRun(t, g)
	waitFor(t, 5*time.Second, "every callback delivered after a 500", func() bool { return len(rec.delivered()) == n })
	for i := range n {
		key := fmt.Sprint("k", i)
		if got := rec.arrivals(key); got != 2 {
			t.Errorf("%s arrived %d times, want 2 (refused, then taken)", key, got)
		}
	}
	waitFor(t, 5*time.Second, "the deliveries counted", func() bool { return g.Stats().CallbacksSent == n })
	if s := g.Stats(); s.CallbackFailures != n || s.CallbacksSent != n || s.Duplicates != 0 {
		t.Errorf("stats = %+v, want %d failures and %d sent", s, n, n)
	}
}

// A receiver that is down (connection refused) gets its callbacks once it is up.
func TestReceiverDownThenUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there yet

	g := MustOpen(t, Options{CallbackURL: "http://" + addr + "/callback", SettleDelay: 5 * time.Millisecond,
		CallbackRetry: 20 * time.Millisecond, CallbackRetryCap: 50 * time.Millisecond})
	mustPay(t, g, request("k", 100))
	MustRun(t, g)
	waitFor(t, 5*time.Second, "a failed attempt", func() bool { return g.Stats().CallbackFailures >= 2 })

	rec := newReceiver(t, testSecret)
	rec.srv.Close()
	rec.srv = httptest.NewUnstartedServer(http.HandlerFunc(rec.serve))
	if rec.srv.Listener, err = net.Listen("tcp", addr); err != nil {
		t.Skipf("port %s taken again meanwhile: %v", addr, err)
	}
	rec.srv.Start()
	t.Cleanup(rec.srv.Close)
	waitFor(t, 5*time.Second, "the callback delivered once the receiver is up", func() bool { return len(rec.delivered()) == 1 })
}

// Closing and reopening (as after a crash) keeps the payments and still delivers the
// callbacks not yet sent.
func TestReopenDeliversPendingCallbacks(t *testing.T) {
	rec := newReceiver(t, testSecret)
	path := filepath.Join(t.TempDir(), "gateway.db")
	o := Options{Path: path, Secret: testSecret, CallbackURL: rec.srv.URL, SettleDelay: 20 * time.Millisecond}
	g, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for i := range 5 {
		refs = append(refs, mustPay(t, g, request(fmt.Sprint("k", i), 100)).Ref)
	}
	if err := g.Close(); err != nil { // never ran: no callback went out
		t.Fatal(err)
	}

	g = MustOpen(t, o)
	ps, err := g.Payments(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, p := range ps {
		kept = append(kept, p.Ref)
	}
	if !slices.Equal(kept, refs) {
		t.Fatalf("payments after reopening = %v, want %v", kept, refs)
	}
	MustRun(t, g)
	waitFor(t, 5*time.Second, "the pending callbacks delivered", func() bool { return len(rec.delivered()) == 5 })
}

// crashEnv tells the test binary to act as a gateway process that the test kills.
const crashEnv = "GATEWAY_CRASH_HELPER"

// A gateway process killed with SIGKILL in the middle of its work loses nothing: the
// payments it made are in its file, and the callbacks it had not delivered are sent by the
// next process, signed with the same secret it made.
func TestKilledProcessKeepsPaymentsAndSendsCallbacks(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the helper process")
	}
	rec := newReceiver(t, nil)
	path := filepath.Join(t.TempDir(), "gateway.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path+"|"+rec.srv.URL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := bufio.NewScanner(out)
	var secret []byte
	for lines.Scan() {
		if s, ok := strings.CutPrefix(lines.Text(), "secret "); ok {
			if secret, err = hex.DecodeString(s); err != nil {
				t.Fatal(err)
			}
			rec.setSecret(secret)
		}
		if lines.Text() == "paid" {
			break
		}
	}
	if secret == nil {
		t.Fatalf("the helper process did not pay: %v", lines.Err())
	}
	// Kill it once it has delivered some callbacks and not all.
	waitFor(t, 10*time.Second, "the helper delivering a callback", func() bool { return len(rec.delivered()) >= 2 })
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred function runs
		t.Fatal(err)
	}
	killed = true
	cmd.Wait()
	before := len(rec.delivered())
	if before >= crashPayments {
		t.Logf("the helper delivered all %d callbacks before it was killed", before)
	}

	g, err := Open(context.Background(), Options{Path: path, CallbackURL: rec.srv.URL}) // the secret the helper made
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	if string(g.Secret()) != string(secret) {
		t.Fatal("the reopened gateway has another secret")
	}
	ps, err := g.Payments(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != crashPayments {
		t.Fatalf("after the kill the gateway has %d payments, want %d", len(ps), crashPayments)
	}
	MustRun(t, g)
	waitFor(t, 10*time.Second, "every callback delivered after the restart", func() bool {
		for i := range crashPayments {
			if rec.arrivals(fmt.Sprint("k", i)) == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("%d callbacks delivered before the kill, %d after", before, len(rec.delivered())-before)
	for i := range crashPayments {
		r, err := g.Lookup(context.Background(), fmt.Sprint("k", i))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != ledger.Paid || r.Calls != 1 {
			t.Errorf("record %s = %+v, want succeeded after one call", r.Key, r)
		}
	}
	waitFor(t, 5*time.Second, "every callback recorded as delivered", func() bool {
		rs, _ := g.Records(context.Background(), time.Time{}, time.Time{})
		for _, r := range rs {
			if r.CallbacksDue != 0 {
				return false
			}
		}
		return true
	})
}

// crashPayments is how many payments the helper process makes before it is killed.
const crashPayments = 20

// TestCrashHelperProcess is the gateway process TestKilledProcessKeepsPaymentsAndSendsCallbacks
// kills; it does nothing in a normal run.
func TestCrashHelperProcess(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("run by TestKilledProcessKeepsPaymentsAndSendsCallbacks")
	}
	path, url, _ := strings.Cut(spec, "|")
	// One worker and settle times over a second: the kill finds callbacks delivered, in
	// flight and not yet due.
	g, err := Open(context.Background(), Options{Path: path, CallbackURL: url, SettleDelay: 500 * time.Millisecond, Workers: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("secret %x\n", g.Secret())
	for i := range crashPayments {
		if _, err := g.Pay(context.Background(), request(fmt.Sprint("k", i), 100)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	fmt.Println("paid")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // should the test not kill it
	defer cancel()
	if err := g.Run(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(3)
}

func TestRunNeedsCallbackURLAndRunsOnce(t *testing.T) {
	g := MustOpen(t, Options{})
	if err := g.Run(context.Background()); err == nil {
		t.Error("Run without a callback URL did not fail")
	}
	rec := newReceiver(t, testSecret)
	g = MustOpen(t, Options{CallbackURL: rec.srv.URL})
	MustRun(t, g)
	waitFor(t, 5*time.Second, "Run started", func() bool { g.mu.Lock(); defer g.mu.Unlock(); return g.running })
	if err := g.Run(context.Background()); err == nil {
		t.Error("a second Run did not fail")
	}
}
