package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
)

var testSecret = []byte("test secret: not for production")

// MustOpen opens a gateway on a file in t.TempDir() (unless o.Path is set), with a fixed
// secret and seed unless given, and closes it at the end of the test.
func MustOpen(t *testing.T, o Options) *Simulated {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(t.TempDir(), "gateway.db")
	}
	if o.Secret == nil {
		o.Secret = testSecret
	}
	if o.Rand == nil {
		o.Rand = mrand.New(mrand.NewPCG(1, 2))
	}
	g, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
	})
	return g
}

// MustRun runs g.Run until the end of the test.
func MustRun(t *testing.T, g *Simulated) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func request(key string, amount int64) ledger.PayRequest {
	return ledger.PayRequest{Key: key, Amount: amount, Currency: money.CNY, Method: ledger.Original,
		Payer: ledger.Merchant, Payee: ledger.Customer, Reference: "RMA-1"}
}

func mustPay(t *testing.T, g *Simulated, req ledger.PayRequest) ledger.Payment {
	t.Helper()
	p, err := g.Pay(context.Background(), req)
	if err != nil {
		t.Fatalf("pay %s: %v", req.Key, err)
	}
	return p
}

// receiver is the other end of the callbacks: an HTTP server that verifies and parses
// each callback, keeps it in arrival order and answers what answer says (200 when nil).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret []byte
	got    []ledger.Payment
	counts map[string]int
	answer func(p ledger.Payment, n int) int // n: how many times this key arrived, this one included
}

func newReceiver(t *testing.T, secret []byte) *receiver {
	r := &receiver{t: t, secret: secret, counts: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxCallbackSize+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secret != nil {
		if err := Verify(r.secret, body, req.Header.Get(SignatureHeader)); err != nil {
			r.t.Errorf("callback signature: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
	}
	p, err := ParseCallback(body)
	if err != nil {
		r.t.Errorf("callback %s: %v", body, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.counts[p.Key]++
	status := http.StatusOK
	if r.answer != nil {
		status = r.answer(p, r.counts[p.Key])
	}
	if status/100 == 2 {
		r.got = append(r.got, p)
	}
	w.WriteHeader(status)
}

func (r *receiver) setSecret(s []byte) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

// delivered returns the callbacks taken so far, in arrival order.
func (r *receiver) delivered() []ledger.Payment {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ledger.Payment(nil), r.got...)
}

func (r *receiver) arrivals(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[key]
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The same key paid twice is one payment: the second call answers the first's record
// (ledger.Gateway: "paying a key twice pays once").
func TestSameKeyPaidTwiceIsOnePayment(t *testing.T) {
	g := MustOpen(t, Options{})
	first := mustPay(t, g, request("case-1:3:0", 1250))
	if first.Status != ledger.Processing || len(first.Ref) != 19 || first.Ref[:3] != "SIM" {
		t.Fatalf("first payment = %+v, want processing with a SIM reference", first)
	}
	second := mustPay(t, g, request("case-1:3:0", 1250))
	if second.Ref != first.Ref || !second.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("second payment = %+v, want the first %+v", second, first)
	}
	ps, err := g.Payments(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("gateway has %d payments, want 1", len(ps))
	}
	r, err := g.Lookup(context.Background(), "case-1:3:0")
	if err != nil {
		t.Fatal(err)
	}
	if r.Calls != 2 {
		t.Errorf("calls = %d, want 2", r.Calls)
	}
	if s := g.Stats(); s.OK != 1 || s.Replayed != 1 || s.Failed != 0 {
		t.Errorf("stats = %+v, want 1 ok and 1 replayed", s)
	}
}

// Concurrent calls for one key (a relay retrying while the first call is still out) make
// one payment.
func TestConcurrentCallsForOneKeyMakeOnePayment(t *testing.T) {
	g := MustOpen(t, Options{Latency: 2 * time.Millisecond})
	var wg sync.WaitGroup
	refs := make([]string, 16)
	for i := range refs {
		wg.Go(func() {
			p, err := g.Pay(context.Background(), request("k", 100))
			if err != nil {
				t.Error(err)
				return
			}
			refs[i] = p.Ref
		})
	}
	wg.Wait()
	for _, ref := range refs {
		if ref != refs[0] {
			t.Fatalf("references %v differ: more than one payment", refs)
		}
	}
	if r, err := g.Lookup(context.Background(), "k"); err != nil || r.Calls != 16 {
		t.Fatalf("lookup = %+v, %v; want 16 calls", r, err)
	}
}

// A key paid for one payment and asked again for another is the caller's bug, refused
// without touching the recorded payment.
func TestKeyReusedForAnotherPaymentIsRefused(t *testing.T) {
	g := MustOpen(t, Options{})
	mustPay(t, g, request("k", 100))
	for _, req := range []ledger.PayRequest{
		request("k", 101),
		func() ledger.PayRequest { r := request("k", 100); r.Currency = "USD"; return r }(),
		func() ledger.PayRequest { r := request("k", 100); r.Method = ledger.BankCard; return r }(),
	} {
		if _, err := g.Pay(context.Background(), req); !errors.Is(err, ErrKeyConflict) {
			t.Errorf("pay %+v: err = %v, want ErrKeyConflict", req, err)
		}
	}
	if r, _ := g.Lookup(context.Background(), "k"); r.Calls != 1 || r.Amount != 100 {
		t.Errorf("record = %+v, want the first payment, asked once", r)
	}
	if s := g.Stats(); s.Conflicts != 3 {
		t.Errorf("conflicts = %d, want 3", s.Conflicts)
	}
}

func TestInvalidRequestIsRefused(t *testing.T) {
	g := MustOpen(t, Options{})
	long := string(make([]byte, MaxKeyLen+1))
	for name, req := range map[string]ledger.PayRequest{
		"no key":         request("", 100),
		"long key":       request(long, 100),
		"zero amount":    request("k", 0),
		"negative":       request("k", -5),
		"over limit":     request("k", money.Limit+1),
		"lower case":     func() ledger.PayRequest { r := request("k", 1); r.Currency = "cny"; return r }(),
		"no currency":    func() ledger.PayRequest { r := request("k", 1); r.Currency = ""; return r }(),
		"unknown method": func() ledger.PayRequest { r := request("k", 1); r.Method = "cash"; return r }(),
	} {
		if _, err := g.Pay(context.Background(), req); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", name, err)
		}
	}
	if ps, _ := g.Payments(context.Background(), time.Time{}, time.Time{}); len(ps) != 0 {
		t.Errorf("invalid requests recorded %d payments", len(ps))
	}
}

// A lost reply: the payment is recorded but the caller gets an error; asking again with
// the same key answers the recorded payment and pays nothing more.
func TestLostReplyThenRetryReturnsRecordedPayment(t *testing.T) {
	g := MustOpen(t, Options{FailureRate: 1})
	var key string
	for i := 0; key == ""; i++ {
		k := fmt.Sprintf("k%d", i)
		_, err := g.Pay(context.Background(), request(k, 700))
		switch {
		case errors.Is(err, errReplyLost):
			key = k
		case errors.Is(err, errRefused):
			if _, err := g.Lookup(context.Background(), k); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a refused call recorded %s: %v", k, err)
			}
		default:
			t.Fatalf("pay with failure rate 1: err = %v", err)
		}
	}
	recorded, err := g.Lookup(context.Background(), key)
	if err != nil {
		t.Fatalf("the lost reply's payment is not recorded: %v", err)
	}
	if !errors.Is(errReplyLost, ErrUnavailable) || !errors.Is(errRefused, ErrUnavailable) {
		t.Fatal("both failures must be ErrUnavailable to the caller")
	}

	g.failureRate = 0 // the gateway recovers
	p := mustPay(t, g, request(key, 700))
	if p.Ref != recorded.Ref {
		t.Fatalf("retry answered %s, want the recorded %s", p.Ref, recorded.Ref)
	}
	after, _ := g.Lookup(context.Background(), key)
	if after.Calls != 2 {
		t.Errorf("calls = %d, want 2 (the lost reply and the retry)", after.Calls)
	}
	if s := g.Stats(); s.LostReplies == 0 || s.Replayed != 1 || s.OK != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestFailureRateOneAlwaysFailsAndZeroNever(t *testing.T) {
	const calls = 200
	always := MustOpen(t, Options{FailureRate: 1})
	never := MustOpen(t, Options{FailureRate: 0})
	for i := range calls {
		if _, err := always.Pay(context.Background(), request(fmt.Sprint(i), 1)); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("failure rate 1, call %d: err = %v", i, err)
		}
		if _, err := never.Pay(context.Background(), request(fmt.Sprint(i), 1)); err != nil {
			t.Fatalf("failure rate 0, call %d: %v", i, err)
		}
	}
	s := always.Stats()
	if s.Failed != calls || s.OK != 0 {
		t.Errorf("failure rate 1: stats = %+v", s)
	}
	// Half the failures are refused connections and half lost replies: with 200 draws,
	// each kind is well within 60–140.
	if s.Refused < 60 || s.LostReplies < 60 {
		t.Errorf("failure rate 1: %d refused and %d lost replies, want about half each", s.Refused, s.LostReplies)
	}
	if s := never.Stats(); s.OK != calls || s.Failed != 0 {
		t.Errorf("failure rate 0: stats = %+v", s)
	}
}

func TestLatencyHonoursContext(t *testing.T) {
	g := MustOpen(t, Options{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := g.Pay(ctx, request("k", 1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("pay took %s after its context ended", d)
	}
	if _, err := g.Lookup(context.Background(), "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a call abandoned in transit recorded the payment: %v", err)
	}

	g2 := MustOpen(t, Options{Latency: 30 * time.Millisecond})
	start = time.Now()
	mustPay(t, g2, request("k", 1))
	if d := time.Since(start); d < 24*time.Millisecond {
		t.Errorf("pay took %s, want about 30ms", d)
	}
}

// A payment settles at its moment whether or not Run is running: a replayed call and the
// record say so, settled at that moment.
func TestPaymentSettlesWithoutRun(t *testing.T) {
	g := MustOpen(t, Options{SettleDelay: 5 * time.Millisecond})
	mustPay(t, g, request("k", 1))
	time.Sleep(20 * time.Millisecond)
	p := mustPay(t, g, request("k", 1))
	if p.Status != ledger.Paid || p.SettledAt == nil {
		t.Fatalf("payment = %+v, want succeeded", p)
	}
	r, _ := g.Lookup(context.Background(), "k")
	if !r.SettledAt.Equal(r.SettleAt) || r.CallbacksDue != 1 {
		t.Errorf("record = %+v, want settled at its settle time with its callback due", r)
	}
}

// A declined method settles as failed, with a reason, in the record and the callback.
func TestDeclinedMethodSettlesAsFailed(t *testing.T) {
	rec := newReceiver(t, testSecret)
	g := MustOpen(t, Options{CallbackURL: rec.srv.URL, SettleDelay: 5 * time.Millisecond,
		DeclineMethods: []ledger.Method{ledger.BankCard}})
	card := request("card", 300)
	card.Method = ledger.BankCard
	if p := mustPay(t, g, card); p.Status != ledger.Processing || p.Reason != "" {
		t.Fatalf("declined payment before settling = %+v, want processing without a reason", p)
	}
	mustPay(t, g, request("original", 300))
	MustRun(t, g)
	waitFor(t, 5*time.Second, "both callbacks delivered", func() bool { return len(rec.delivered()) == 2 })
	for _, p := range rec.delivered() {
		switch p.Key {
		case "card":
			if p.Status != ledger.Declined || p.Reason == "" || p.SettledAt == nil {
				t.Errorf("card callback = %+v, want failed with a reason", p)
			}
		case "original":
			if p.Status != ledger.Paid || p.Reason != "" {
				t.Errorf("original callback = %+v, want succeeded", p)
			}
		}
	}
	ps, _ := g.Payments(context.Background(), time.Time{}, time.Time{})
	if len(ps) != 2 || ps[0].Status != ledger.Declined || ps[1].Status != ledger.Paid {
		t.Errorf("payments = %+v", ps)
	}
}

// Payments lists what was created in [from, to); a zero bound is no bound.
func TestPaymentsBounds(t *testing.T) {
	var mu sync.Mutex
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	now := t0
	g := MustOpen(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	for i, key := range []string{"a", "b", "c"} {
		mu.Lock()
		now = t0.Add(time.Duration(i) * time.Hour)
		mu.Unlock()
		mustPay(t, g, request(key, 1))
	}
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	for _, c := range []struct {
		from, to time.Time
		want     string
	}{
		{time.Time{}, time.Time{}, "abc"},
		{h(1), h(2), "b"},
		{h(1), time.Time{}, "bc"},
		{time.Time{}, h(1), "a"},
		{h(0), h(3), "abc"},
		{h(2).Add(time.Microsecond), time.Time{}, ""},
		{h(2), h(2), ""},
	} {
		ps, err := g.Payments(context.Background(), c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for _, p := range ps {
			got += p.Key
		}
		if got != c.want {
			t.Errorf("Payments(%v, %v) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
}

// The secret made on first open is kept: a reopened gateway signs as before.
func TestSecretKeptAcrossOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.db")
	g, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	first := g.Secret()
	g.Close()
	g, err = Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if len(first) != 32 || string(g.Secret()) != string(first) {
		t.Errorf("secret after reopening differs (or is not 32 bytes)")
	}
}

func TestClosedGatewayRefusesCalls(t *testing.T) {
	g, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "g.db"), CallbackURL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Run after Close = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop Run")
	}
	if _, err := g.Pay(context.Background(), request("k", 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("pay after Close: err = %v, want ErrClosed", err)
	}
	if err := g.Run(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close: err = %v, want ErrClosed", err)
	}
}

// BenchmarkPay is a new payment per call: the settling update, the lookup and the insert
// in one transaction on the gateway's file.
func BenchmarkPay(b *testing.B) {
	g, err := Open(context.Background(), Options{Path: filepath.Join(b.TempDir(), "gateway.db"), Secret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	for i := 0; b.Loop(); i++ {
		if _, err := g.Pay(context.Background(), request(fmt.Sprint("k", i), 100)); err != nil {
			b.Fatal(err)
		}
	}
}
