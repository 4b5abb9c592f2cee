package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client is the API as a client that keeps trying: a request that gets no answer — the
// server is down, or was killed while it answered — is sent again with the same
// Idempotency-Key until the server answers, so that a write made before the kill is
// answered again (Idempotent-Replayed) rather than made twice.
type client struct {
	base   string
	http   *http.Client
	giveUp time.Duration // how long one request is sent again while no server answers
	stats  requestStats
}

// requestStats counts what the clients met.
type requestStats struct {
	sent        atomic.Int64 // requests sent, tries included
	noAnswer    atomic.Int64 // tries that got no answer: refused, reset, cut off
	unavailable atomic.Int64 // tries answered 429, 502, 503 or 504
	replayed    atomic.Int64 // answers replayed for an Idempotency-Key
	mu          sync.Mutex
	internal    []string // 500 answers (a product error, not chaos): the first few
	internalN   int
}

// apiError is an answer the run did not expect.
type apiError struct {
	method, path string
	status       int
	body         string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, strings.TrimSpace(e.body))
}

func newClient(base string, clients int) *client {
	tr := &http.Transport{MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}, giveUp: 2 * time.Minute}
}

// do sends a request until a server answers it, and decodes a 2xx answer into out. key,
// when not empty, is the request's Idempotency-Key. A 500 is counted and tried again: it
// is a product error worth reporting, not a reason to stop the run.
func (c *client) do(ctx context.Context, method, path, token, key string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(c.giveUp)
	wait := 20 * time.Millisecond
	for {
		status, header, data, err := c.once(ctx, method, path, token, key, payload)
		c.stats.sent.Add(1)
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			c.stats.noAnswer.Add(1)
		case status == http.StatusInternalServerError:
			c.stats.internalError(method, path, data)
			err = &apiError{method, path, status, string(data)}
		case status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
			status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
			c.stats.unavailable.Add(1)
			err = &apiError{method, path, status, string(data)}
		default:
			if header.Get("Idempotent-Replayed") == "true" {
				c.stats.replayed.Add(1)
			}
			if status/100 != 2 {
				return &apiError{method, path, status, string(data)}
			}
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %s: no answer in %v: %w", method, path, c.giveUp, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// once sends one request.
func (c *client) once(ctx context.Context, method, path, token, key string, payload []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err // cut off mid-answer: no answer
	}
	return resp.StatusCode, resp.Header, data, nil
}

func (s *requestStats) internalError(method, path string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.internalN++
	if len(s.internal) < 5 {
		s.internal = append(s.internal, fmt.Sprintf("%s %s: %s", method, path, strings.TrimSpace(string(body))))
	}
}

// metrics is one scrape of /metrics: the samples of the families the report reads.
type metrics map[string]float64

// scrape reads /metrics (loopback needs no token); the samples of the families named by
// prefix, keyed by their whole name with labels.
func (c *client) scrape(ctx context.Context, prefixes ...string) (metrics, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	status, _, data, err := c.once(ctx, http.MethodGet, "/metrics", "", "", nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %d", status)
	}
	m := metrics{}
	for line := range strings.SplitSeq(string(data), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				i := strings.LastIndexByte(line, ' ')
				var v float64
				if _, err := fmt.Sscan(line[i+1:], &v); err == nil {
					m[line[:i]] = v
				}
			}
		}
	}
	return m, nil
}

// sum adds the samples of family whose labels include every label="value" given.
func (m metrics) sum(family string, labels ...string) float64 {
	var total float64
	for k, v := range m {
		if k != family && !strings.HasPrefix(k, family+"{") {
			continue
		}
		ok := true
		for _, l := range labels {
			if !strings.Contains(k, l) {
				ok = false
				break
			}
		}
		if ok {
			total += v
		}
	}
	return total
}

// label is the value of one label of a sample's key.
func label(key, name string) string {
	_, rest, ok := strings.Cut(key, name+`="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}
