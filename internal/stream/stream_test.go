package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startServer runs an embedded NATS server with JetStream on 127.0.0.1:port (a free port
// when port is server.RANDOM_PORT), storing in dir.
func startServer(t *testing.T, port int, dir string) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      port,
		JetStream: true,
		StoreDir:  dir,
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats server not ready")
	}
	return s
}

func stopServer(s *server.Server) {
	s.Shutdown()
	s.WaitForShutdown()
}

func serverPort(s *server.Server) int { return s.Addr().(*net.TCPAddr).Port }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

// connect connects a Publisher with short reconnect waits.
func connect(t *testing.T, url string, timeout time.Duration) *Publisher {
	t.Helper()
	o := Options{Timeout: timeout, Logger: testLogger(t)}
	o.natsOptions = []nats.Option{nats.ReconnectWait(20 * time.Millisecond), nats.ReconnectJitter(0, 0), nats.Timeout(time.Second)}
	p, err := Connect(url, o)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// inspect opens a direct connection (not through any proxy) to s's stream.
func inspect(t *testing.T, s *server.Server) (jetstream.Stream, func()) {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, DefaultStream)
	if err != nil {
		nc.Close()
		t.Fatalf("stream %s: %v", DefaultStream, err)
	}
	return st, nc.Close
}

// storedMsgs answers how many messages the stream on the server at url holds (for use off
// the test goroutine).
func storedMsgs(url string) (uint64, error) {
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, DefaultStream)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

func streamMsgs(t *testing.T, st jetstream.Stream) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	return info.State.Msgs
}

type readMsg struct {
	subject string
	data    string
}

// readAll reads the whole stream through an ordered consumer and answers its messages by
// Nats-Msg-Id, failing on a message without an id or with an id seen before.
func readAll(t *testing.T, st jetstream.Stream, want int) map[string]readMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	got := map[string]readMsg{}
	for n := 0; ; n++ {
		batch, err := cons.Fetch(want+10, jetstream.FetchMaxWait(300*time.Millisecond))
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		k := 0
		for m := range batch.Messages() {
			k++
			id := m.Headers().Get(jetstream.MsgIDHeader)
			if id == "" {
				t.Errorf("message on %s without %s", m.Subject(), jetstream.MsgIDHeader)
				continue
			}
			if _, dup := got[id]; dup {
				t.Errorf("message id %s in the stream twice", id)
			}
			got[id] = readMsg{subject: m.Subject(), data: string(m.Data())}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			t.Fatalf("fetch: %v", err)
		}
		if k == 0 && len(got) >= want || n > 10 {
			return got
		}
	}
}

func TestPublishDeduplicates(t *testing.T) {
	s := startServer(t, server.RANDOM_PORT, t.TempDir())
	defer stopServer(s)
	p := connect(t, s.ClientURL(), 5*time.Second)
	ctx := context.Background()

	type event struct{ id, subject, data string }
	var events []event
	for i := range 100 {
		merchant := []string{"m-1", "shop two"}[i%2]
		ev := []string{"case.created", "case.approve", "case.refund.issued"}[i%3]
		events = append(events, event{id: fmt.Sprintf("evt-%03d", i), subject: Subject(merchant, ev), data: fmt.Sprintf(`{"n":%d}`, i)})
	}
	dups := 0
	for i, e := range events {
		if err := p.Publish(ctx, e.subject, e.id, []byte(e.data)); err != nil {
			t.Fatalf("publish %s: %v", e.id, err)
		}
		if i%7 == 0 { // published again right away
			ack, err := p.publish(ctx, e.subject, e.id, []byte(e.data))
			if err != nil {
				t.Fatalf("publish %s again: %v", e.id, err)
			}
			if !ack.Duplicate {
				t.Errorf("publish %s again: ack not a duplicate: %+v", e.id, ack)
			}
			dups++
		}
	}
	for _, e := range events[:30] { // and again later, after others
		ack, err := p.publish(ctx, e.subject, e.id, []byte("ignored"))
		if err != nil {
			t.Fatalf("publish %s again: %v", e.id, err)
		}
		if !ack.Duplicate {
			t.Errorf("publish %s again later: ack not a duplicate", e.id)
		}
		dups++
	}
	if err := p.Publish(ctx, "elsewhere.x", "evt-x", nil); err == nil {
		t.Error("publish outside the stream's subjects succeeded")
	}
	if err := p.Publish(ctx, Subject("m-1", "case.created"), "", nil); err == nil {
		t.Error("publish without an id succeeded")
	}

	st, done := inspect(t, s)
	defer done()
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 100 {
		t.Fatalf("stream holds %d messages after 100 events and %d repeats, want 100", info.State.Msgs, dups)
	}
	if info.Config.Duplicates != DefaultDuplicateWindow || info.Config.Storage != jetstream.FileStorage {
		t.Errorf("stream config: duplicates %v storage %v", info.Config.Duplicates, info.Config.Storage)
	}
	got := readAll(t, st, 100)
	if len(got) != 100 {
		t.Fatalf("consumer read %d distinct ids, want 100", len(got))
	}
	for _, e := range events {
		m, ok := got[e.id]
		switch {
		case !ok:
			t.Errorf("%s not in the stream", e.id)
		case m.subject != e.subject || m.data != e.data:
			t.Errorf("%s: got %s %s, want %s %s", e.id, m.subject, m.data, e.subject, e.data)
		}
	}
	if got["evt-001"].subject != "aftersales.shop_two.case.approve" {
		t.Errorf("evt-001 on %s", got["evt-001"].subject)
	}

	// A second publisher (another replica) finds the stream and keeps it.
	p2 := connect(t, s.ClientURL(), 5*time.Second)
	if err := p2.Publish(ctx, events[0].subject, events[0].id, nil); err != nil {
		t.Fatal(err)
	}
	if n := streamMsgs(t, st); n != 100 {
		t.Errorf("after a second publisher: %d messages", n)
	}
}

// proxy forwards TCP connections to a target address; armed, it swallows everything the
// server sends to the client (so a publish reaches the server but its ack never returns).
type proxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) url() string { return "nats://" + p.ln.Addr().String() }

func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			client.Close()
			return
		}
		srv, err := net.DialTimeout("tcp", p.target, time.Second)
		if err != nil || !p.track(srv) {
			if srv != nil {
				srv.Close()
			}
			p.untrack(client)
			continue
		}
		p.wg.Add(2)
		go func() { // client → server
			defer p.wg.Done()
			io.Copy(srv, client)
			p.untrack(client, srv)
		}()
		go func() { // server → client, unless armed
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := srv.Read(buf)
				if n > 0 && !p.armed.Load() {
					if _, werr := client.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			p.untrack(client, srv)
		}()
	}
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAckLostWhenServerDies: the publish is stored, the server dies before the client
// gets the ack; the publish fails, its retry is acknowledged as a duplicate, and the stream
// holds the event once.
func TestAckLostWhenServerDies(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, server.RANDOM_PORT, dir)
	port := serverPort(s)
	defer func() { stopServer(s) }()
	px := startProxy(t, s.Addr().String())
	p := connect(t, px.url(), 3*time.Second)
	ctx := context.Background()
	subject := Subject("m-1", "case.approve")

	st, done := inspect(t, s)
	px.armed.Store(true)
	first := make(chan error, 1)
	go func() { first <- p.Publish(ctx, subject, "evt-1", []byte("approve")) }()
	waitFor(t, "the publish to be stored", 2*time.Second, func() bool { return streamMsgs(t, st) == 1 })
	done()
	select {
	case err := <-first:
		t.Fatalf("publish returned before the server died (ack swallowed): %v", err)
	default:
	}
	stopServer(s) // dies before the ack reaches the client
	px.armed.Store(false)
	s = startServer(t, port, dir)

	if err := <-first; err == nil {
		t.Fatal("publish whose ack was lost succeeded")
	} else {
		t.Logf("first publish: %v", err)
	}
	waitFor(t, "the publisher to reconnect", 10*time.Second, func() bool { return p.nc.IsConnected() })
	st, done = inspect(t, s)
	defer done()
	if n := streamMsgs(t, st); n != 1 {
		t.Fatalf("after the restart the stream holds %d messages, want 1", n)
	}
	ack, err := p.publish(ctx, subject, "evt-1", []byte("approve"))
	if err != nil {
		t.Fatalf("retried publish: %v", err)
	}
	if !ack.Duplicate || ack.Sequence != 1 {
		t.Errorf("retried publish: ack %+v, want a duplicate of sequence 1", ack)
	}
	if err := p.Publish(ctx, subject, "evt-2", []byte("next")); err != nil {
		t.Fatalf("next publish: %v", err)
	}
	got := readAll(t, st, 2)
	if len(got) != 2 || got["evt-1"] != (readMsg{subject, "approve"}) || got["evt-2"] != (readMsg{subject, "next"}) {
		t.Errorf("stream: %v", got)
	}
	if n := streamMsgs(t, st); n != 2 {
		t.Errorf("stream holds %d messages, want 2", n)
	}
}

// TestRetryLoopAcrossRestarts publishes 200 events the way the relay does (on an error,
// wait and publish the same id again) while the server dies twice at random points, each
// time after it stored a publish whose ack the proxy swallowed.
func TestRetryLoopAcrossRestarts(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("STREAM_TEST_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (STREAM_TEST_SEED)", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	const total = 200
	dir := t.TempDir()
	s := startServer(t, server.RANDOM_PORT, dir)
	port := serverPort(s)
	px := startProxy(t, s.Addr().String())
	p := connect(t, px.url(), 400*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()

	var progress atomic.Int64
	kills := []int64{20 + rng.Int64N(70), 110 + rng.Int64N(70)}
	pauses := []time.Duration{time.Duration(rng.Int64N(20)) * time.Millisecond, time.Duration(rng.Int64N(20)) * time.Millisecond}
	downs := []time.Duration{time.Duration(rng.Int64N(100)) * time.Millisecond, time.Duration(rng.Int64N(100)) * time.Millisecond}
	t.Logf("kills after %v events", kills)

	var srvMu sync.Mutex
	chaos := make(chan struct{})
	go func() {
		defer close(chaos)
		for i, k := range kills {
			for progress.Load() < k {
				if ctx.Err() != nil {
					return
				}
				time.Sleep(time.Millisecond)
			}
			// Swallow the acks, and wait for a publish the server stored (one more message
			// than events acknowledged) whose ack is now lost.
			px.armed.Store(true)
			url := s.ClientURL()
			for stable := 0; stable < 2; {
				if ctx.Err() != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
				before := progress.Load()
				n, err := storedMsgs(url)
				if err != nil {
					t.Errorf("inspecting the stream: %v", err)
					return
				}
				if n == uint64(before)+1 && progress.Load() == before {
					stable++
				} else {
					stable = 0
				}
			}
			time.Sleep(pauses[i])
			srvMu.Lock()
			stopServer(s)
			srvMu.Unlock()
			px.armed.Store(false)
			time.Sleep(downs[i])
			ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
			if err != nil {
				t.Errorf("restart: %v", err)
				return
			}
			go ns.Start()
			if !ns.ReadyForConnections(10 * time.Second) {
				t.Error("restarted server not ready")
				return
			}
			srvMu.Lock()
			s = ns
			srvMu.Unlock()
		}
	}()

	failures, duplicates := 0, 0
	for i := range total {
		id := fmt.Sprintf("evt-%03d", i)
		subject := Subject([]string{"m-1", "m-2"}[i%2], "case.created")
		for {
			ack, err := p.publish(ctx, subject, id, []byte(id))
			if err == nil {
				if ack.Duplicate {
					duplicates++
				}
				break
			}
			failures++
			if ctx.Err() != nil {
				t.Fatalf("gave up at %s after %d failures: %v", id, failures, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		progress.Add(1)
	}
	<-chaos
	t.Logf("%d failed publishes retried, %d acknowledged as duplicates", failures, duplicates)
	if failures < 1 || duplicates < 1 { // under load a kill may miss its window; one must hit
		t.Errorf("%d failed publishes and %d duplicate acks for %d server deaths between a publish and its ack", failures, duplicates, len(kills))
	}

	srvMu.Lock()
	defer func() { stopServer(s) }()
	srvMu.Unlock()
	st, done := inspect(t, s)
	defer done()
	if n := streamMsgs(t, st); n != total {
		t.Errorf("stream holds %d messages, want %d", n, total)
	}
	got := readAll(t, st, total)
	if len(got) != total {
		t.Errorf("consumer read %d distinct ids, want %d", len(got), total)
	}
	for i := range total {
		id := fmt.Sprintf("evt-%03d", i)
		if m, ok := got[id]; !ok || m.data != id {
			t.Errorf("%s: %v %v", id, m, ok)
		}
	}
}

func TestConnectFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	if _, err := Connect("nats://"+addr, Options{Timeout: time.Second}); err == nil {
		t.Fatal("Connect to a closed port succeeded")
	}
	// A server without JetStream: the stream cannot be set up.
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	defer stopServer(s)
	if !s.ReadyForConnections(5 * time.Second) {
		t.Fatal("not ready")
	}
	if _, err := Connect(s.ClientURL(), Options{Timeout: time.Second}); err == nil {
		t.Fatal("Connect to a server without JetStream succeeded")
	}
}

func TestConnectUpdatesExistingStream(t *testing.T) {
	s := startServer(t, server.RANDOM_PORT, t.TempDir())
	defer stopServer(s)
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	// An operator's stream with the default window and a retention limit.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: DefaultStream, Subjects: []string{"other.>"}, Storage: jetstream.FileStorage, MaxAge: 72 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	p := connect(t, s.ClientURL(), time.Second)
	if err := p.Publish(ctx, Subject("m", "case.created"), "e1", nil); err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	if cfg.Duplicates != DefaultDuplicateWindow || cfg.MaxAge != 72*time.Hour || len(cfg.Subjects) != 2 {
		t.Errorf("updated stream: duplicates %v max age %v subjects %v", cfg.Duplicates, cfg.MaxAge, cfg.Subjects)
	}
}
