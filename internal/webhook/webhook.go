// Package webhook holds the pieces of the merchant webhooks that do not touch the store:
// secrets and signatures, event subscriptions, the checks on a webhook URL (no requests into
// the operator's network unless the server runs with --webhooks-allow-private), the HTTP
// client and the single delivery, and the retry schedule.
//
// A delivery is a POST of a JSON body with the headers
//
//	X-Aftersales-Event:     case.created
//	X-Aftersales-Delivery:  <delivery id>
//	X-Aftersales-Signature: sha256=<hex of HMAC-SHA256(secret, body)>
//
// A failed delivery is tried again after Backoff(n) until GiveUp (RetryFor after the first
// attempt), then marked failed. In the outbox relay (internal/scheduler) the handler answers
// scheduler.RetryAt{At: now.Add(BackoffJitter(n, nil))} while !GiveUp(first, now), and
// scheduler.Permanent{Err} after: a RetryAt is not counted against the relay's MaxAttempts,
// so the handler has to keep n and first itself.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// FieldError is a problem with one field of a webhook subscription ("url" or "events"),
// with the message in Chinese and English.
type FieldError struct{ Field, ZH, EN string }

// Error returns the English message.
func (e *FieldError) Error() string { return e.EN }

// SecretPrefix starts every webhook secret.
const SecretPrefix = "whsec_"

// NewSecret returns a new signing secret: "whsec_" and 32 random bytes in unpadded
// base64url (43 characters). It is shown to the merchant once.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics if the system cannot supply randomness)
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// SignaturePrefix starts the X-Aftersales-Signature header.
const SignaturePrefix = "sha256="

// Sign returns the X-Aftersales-Signature value for body: "sha256=" and the lowercase hex
// HMAC-SHA256 of body keyed with the whole secret string (prefix included) as bytes.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return SignaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header (an X-Aftersales-Signature value) signs body with secret.
// The comparison of the MACs is constant-time; hex digits may be in either case.
func Verify(secret string, body []byte, header string) bool {
	h := strings.TrimSpace(header)
	if len(h) < len(SignaturePrefix) || !strings.EqualFold(h[:len(SignaturePrefix)], SignaturePrefix) {
		return false
	}
	got, err := hex.DecodeString(h[len(SignaturePrefix):])
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Match reports whether a webhook subscribed to events receives the event name: "*"
// matches every event, a name ending in ".*" (such as "case.*") every event that starts
// with what comes before the "*" and has something after it ("case.created",
// "case.approve"), any other entry only the same name.
func Match(events []string, name string) bool {
	for _, e := range events {
		switch {
		case e == "*" || e == name:
			return true
		case strings.HasSuffix(e, ".*"):
			p := e[:len(e)-1] // "case."
			if len(name) > len(p) && strings.HasPrefix(name, p) {
				return true
			}
		}
	}
	return false
}

// MaxEvents is the longest subscription list; MaxEventLen the longest event name in it.
const (
	MaxEvents   = 50
	MaxEventLen = 100
)

// CheckEvents validates a subscription list: 1 to MaxEvents entries, no duplicates, each
// "*" or a dotted name of at least two parts of lowercase letters and underscores
// ("case.created", "case.approve", "dispute.ruled"), where the last part may be "*"
// ("case.*": every case event). A problem is a *FieldError for "events".
func CheckEvents(events []string) error {
	if len(events) == 0 {
		return &FieldError{Field: "events", ZH: "请至少订阅一个事件(全部事件用 \"*\")", EN: `subscribe to at least one event ("*" for all)`}
	}
	if len(events) > MaxEvents {
		return &FieldError{Field: "events", ZH: "最多订阅 50 个事件(全部事件用 \"*\")", EN: `subscribe to at most 50 events ("*" for all)`}
	}
	seen := make(map[string]bool, len(events))
	for _, e := range events {
		if !validEvent(e) {
			q := quote(e)
			return &FieldError{Field: "events",
				ZH: "事件名 " + q + " 不正确:应为 \"*\" 或如 case.created、case.approve、dispute.ruled、case.* 的名称",
				EN: "event " + q + ` is not valid: use "*" or a name such as case.created, case.approve, dispute.ruled or case.*`}
		}
		if seen[e] {
			q := quote(e)
			return &FieldError{Field: "events", ZH: "事件 " + q + " 重复了", EN: "event " + q + " is listed twice"}
		}
		seen[e] = true
	}
	return nil
}

func validEvent(e string) bool {
	if e == "*" {
		return true
	}
	if len(e) > MaxEventLen {
		return false
	}
	parts := strings.Split(e, ".")
	if len(parts) < 2 {
		return false
	}
	for i, p := range parts {
		if i > 0 && i == len(parts)-1 && p == "*" {
			continue
		}
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			if c := p[j]; (c < 'a' || c > 'z') && c != '_' {
				return false
			}
		}
	}
	return true
}

// quote quotes s for a message, shortened to 80 bytes.
func quote(s string) string {
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "…"
	}
	return strconv.Quote(s)
}
