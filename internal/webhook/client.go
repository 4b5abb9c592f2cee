package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Timeout bounds one delivery: connecting, sending and reading the answer.
const Timeout = 10 * time.Second

// ErrForbiddenAddress is the error (wrapped) of a connection that Client(false) refused
// because the address is loopback, private or reserved.
var ErrForbiddenAddress = errors.New("webhook: refusing to connect to a loopback, private or reserved address")

// Client returns the HTTP client deliveries use: Timeout for the whole exchange, no
// redirects followed (Send counts a 3xx as a failure). Unless allowPrivate it refuses, when
// it connects, every address CheckURL refuses — so a name that resolves elsewhere after
// the check (DNS rebinding) reaches nothing in the operator's network — and it ignores the
// proxy settings of the environment (a proxy would connect on its behalf, out of sight of
// that check); with allowPrivate it uses them (HTTP_PROXY, HTTPS_PROXY, NO_PROXY).
func Client(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: Timeout, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   Timeout,
		ExpectContinueTimeout: time.Second,
	}
	if allowPrivate {
		t.Proxy = http.ProxyFromEnvironment
	} else {
		d.Control = refusePrivate
	}
	return &http.Client{
		Transport: t,
		Timeout:   Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// refusePrivate is a net.Dialer Control func: it runs after name resolution, with the
// address about to be connected to.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || forbidden(a) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	return nil
}

// Request is one delivery.
type Request struct {
	URL        string
	Secret     string // signs Body (Sign)
	Event      string // X-Aftersales-Event, such as "case.created"
	DeliveryID string // X-Aftersales-Delivery: the same on every attempt of one delivery
	Body       []byte // JSON
}

// UserAgent is the User-Agent of deliveries.
const UserAgent = "aftersales-webhooks/1"

// maxAnswer is how much of an answer Send reads (and discards).
const maxAnswer = 64 << 10

// Send POSTs r.Body to r.URL with c (Client(false) when nil) — Content-Type
// application/json, User-Agent UserAgent, X-Aftersales-Event, X-Aftersales-Delivery and
// X-Aftersales-Signature (Sign(r.Secret, r.Body)) — and returns the status of the answer
// (0 when there is none) and an error for anything but a 2xx answer. Send reads up to
// 64 KiB of the answer and discards it; the error of a non-2xx answer quotes the start
// of it.
func Send(ctx context.Context, c *http.Client, r Request) (status int, err error) {
	if c == nil {
		c = Client(false)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return 0, fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("X-Aftersales-Event", r.Event)
	req.Header.Set("X-Aftersales-Delivery", r.DeliveryID)
	req.Header.Set("X-Aftersales-Signature", Sign(r.Secret, r.Body))
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook: POST %s: %w", redact(req), err)
	}
	defer resp.Body.Close()
	answer, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := fmt.Sprintf("webhook: POST %s: answered %s", redact(req), resp.Status)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Get("Location"); loc != "" {
			msg += fmt.Sprintf(" (redirect to %q not followed)", snippet([]byte(loc)))
		} else {
			msg += " (redirect not followed)"
		}
	}
	if s := snippet(answer); s != "" {
		msg += fmt.Sprintf(": %q", s)
	} else if rerr != nil {
		msg += ": reading the answer: " + rerr.Error()
	}
	return resp.StatusCode, errors.New(msg)
}

// redact is the URL of req for an error message: scheme, host and path only (a query may
// carry a token of the merchant's).
func redact(req *http.Request) string {
	u := *req.URL
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// snippet is the start of b for an error message: at most 200 bytes of valid UTF-8 on
// one line.
func snippet(b []byte) string {
	const n = 200
	cut := len(b) > n
	if cut {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if cut {
		s += "…"
	}
	return s
}
