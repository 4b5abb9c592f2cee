package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestClientRefusesPrivateAtConnect(t *testing.T) {
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", srv.URL)
	}

	resp, err := Client(false).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("Client(false) reached a server on 127.0.0.1")
	}
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "refusing to connect") {
		t.Fatalf("Client(false) error = %v, want ErrForbiddenAddress (refusing to connect)", err)
	}
	t.Logf("Client(false): %v", err)

	// By a name, as after DNS rebinding: the check is on the connected address.
	resp, err = Client(false).Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	if err == nil {
		resp.Body.Close()
		t.Fatal("Client(false) reached a server via localhost")
	}
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("Client(false) via localhost: error = %v, want ErrForbiddenAddress", err)
	}
	mu.Lock()
	if hits != 0 {
		t.Fatalf("the server was hit %d times by Client(false)", hits)
	}
	mu.Unlock()

	resp, err = Client(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("Client(true): %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Client(true): status %d, want 200", resp.StatusCode)
	}
}

func TestClientSettings(t *testing.T) {
	for _, allow := range []bool{false, true} {
		c := Client(allow)
		if c.Timeout != Timeout || Timeout.Seconds() != 10 {
			t.Errorf("Client(%v).Timeout = %v, want 10s", allow, c.Timeout)
		}
		if c.CheckRedirect == nil {
			t.Errorf("Client(%v) follows redirects", allow)
		}
		tr := c.Transport.(*http.Transport)
		if !allow && tr.Proxy != nil {
			t.Error("Client(false) uses a proxy")
		}
	}
}

func TestSend(t *testing.T) {
	secret := NewSecret()
	body := []byte(`{"id":"evt_1","event":"case.created","data":{"case":"c_1","note":"退货 ✓"}}`)
	type got struct {
		method, ct, ua, event, delivery, sig string
		body                                 []byte
	}
	ch := make(chan got, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"),
			r.Header.Get("X-Aftersales-Event"), r.Header.Get("X-Aftersales-Delivery"),
			r.Header.Get("X-Aftersales-Signature"), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	status, err := Send(context.Background(), Client(true), Request{
		URL: srv.URL + "/hook", Secret: secret, Event: "case.created", DeliveryID: "dlv_42", Body: body,
	})
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("Send = %d, %v; want 204, nil", status, err)
	}
	g := <-ch
	if g.method != http.MethodPost || g.ct != "application/json" || g.ua != "aftersales-webhooks/1" ||
		g.event != "case.created" || g.delivery != "dlv_42" {
		t.Errorf("request = %+v", g)
	}
	if string(g.body) != string(body) {
		t.Errorf("body = %q, want %q", g.body, body)
	}
	if !Verify(secret, g.body, g.sig) {
		t.Errorf("signature %q does not verify over the body received", g.sig)
	}
	if g.sig != Sign(secret, body) {
		t.Errorf("signature = %q, want %q", g.sig, Sign(secret, body))
	}
}

func TestSendFailures(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database\non fire", http.StatusInternalServerError)
	})
	mux.HandleFunc("/302", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("/410", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGone)
		io.WriteString(w, long)
	})
	var okHits int
	var mu sync.Mutex
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		okHits++
		mu.Unlock()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := Client(true)
	ctx := context.Background()
	req := func(path string) Request {
		return Request{URL: srv.URL + path + "?token=s3cret", Secret: "whsec_x", Event: "case.created", DeliveryID: "d", Body: []byte(`{}`)}
	}

	status, err := Send(ctx, c, req("/500"))
	if status != 500 || err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "database on fire") {
		t.Errorf("500: Send = %d, %v; want 500 and an error quoting the answer", status, err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("500: the error shows the query: %v", err)
	}
	t.Logf("500: %v", err)

	status, err = Send(ctx, c, req("/302"))
	if status != 302 || err == nil || !strings.Contains(err.Error(), "302") || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("302: Send = %d, %v; want 302 and an error", status, err)
	}
	mu.Lock()
	if okHits != 0 {
		t.Errorf("302: the redirect was followed")
	}
	mu.Unlock()
	t.Logf("302: %v", err)

	status, err = Send(ctx, c, req("/410"))
	if status != 410 || err == nil || len(err.Error()) > 600 {
		t.Errorf("410: Send = %d, error of %d bytes; want 410 and a short error", status, len(err.Error()))
	}

	// No answer at all: status 0.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	status, err = Send(ctx, c, Request{URL: url, Body: []byte(`{}`)})
	if status != 0 || err == nil {
		t.Errorf("closed server: Send = %d, %v; want 0 and an error", status, err)
	}

	// Refused by the client at connect time: status 0.
	status, err = Send(ctx, Client(false), req("/ok"))
	if status != 0 || !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("Client(false) to 127.0.0.1: Send = %d, %v; want 0 and ErrForbiddenAddress", status, err)
	}
	// A nil client is Client(false).
	status, err = Send(ctx, nil, req("/ok"))
	if status != 0 || !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("nil client to 127.0.0.1: Send = %d, %v; want 0 and ErrForbiddenAddress", status, err)
	}
	// A bad URL.
	if status, err := Send(ctx, c, Request{URL: "http://[::1", Body: nil}); status != 0 || err == nil {
		t.Errorf("bad URL: Send = %d, %v", status, err)
	}
}

func TestSnippet(t *testing.T) {
	s := snippet([]byte(strings.Repeat("é", 300)))
	if !strings.HasSuffix(s, "…") || len(s) > 205 || strings.Contains(s, "\uFFFD") {
		t.Errorf("snippet of 600 bytes = %q", s)
	}
	if got := snippet([]byte("a\n\tb  c\xff")); got != "a b c?" {
		t.Errorf("snippet = %q", got)
	}
}
