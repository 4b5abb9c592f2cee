package gateway

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
)

// SignatureHeader carries a callback's signature: "sha256=" and the lowercase hex of
// HMAC-SHA256(secret, raw body). The signature is over the bytes as sent, so the receiver
// verifies the raw body before decoding it.
const SignatureHeader = "X-Aftersales-Signature"

// signaturePrefix names the algorithm, so that another can follow without ambiguity.
const signaturePrefix = "sha256="

// MaxCallbackSize is the largest callback body ParseCallback takes (64 KiB); a receiver
// reads at most this much (plus one byte, to tell a larger body).
const MaxCallbackSize = 64 << 10

// Signature errors, for the receiver to tell a caller without a signature from a forger.
var (
	ErrSignatureMissing   = errors.New("signature missing")
	ErrSignatureMalformed = errors.New("signature malformed")
	ErrSignatureMismatch  = errors.New("signature does not match the body")
)

// Sign returns the value of SignatureHeader for body: "sha256=<hex>".
func Sign(secret, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, body))
}

func mac(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a SignatureHeader value against the raw body. It compares in constant
// time, and its error says what is wrong: ErrSignatureMissing, ErrSignatureMalformed or
// ErrSignatureMismatch. An empty secret verifies nothing: anyone could sign with it.
func Verify(secret, body []byte, header string) error {
	if len(secret) == 0 {
		return errors.New("verify signature: no secret configured")
	}
	if header == "" {
		return fmt.Errorf("verify signature: %w: no %s header", ErrSignatureMissing, SignatureHeader)
	}
	digits, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return fmt.Errorf("verify signature: %w: want %s<64 hex digits>", ErrSignatureMalformed, signaturePrefix)
	}
	if len(digits) != 2*sha256.Size {
		return fmt.Errorf("verify signature: %w: %d hex digits, want %d", ErrSignatureMalformed, len(digits), 2*sha256.Size)
	}
	got, err := hex.DecodeString(digits)
	if err != nil {
		return fmt.Errorf("verify signature: %w: not hex", ErrSignatureMalformed)
	}
	if !hmac.Equal(got, mac(secret, body)) {
		return fmt.Errorf("verify signature: %w", ErrSignatureMismatch)
	}
	return nil
}

// Callback is the body of a callback: the settled payment, as JSON.
type Callback = ledger.Payment

// ErrInvalidCallback is what every error of ParseCallback is (errors.Is), so that the
// receiver answers them all alike.
var ErrInvalidCallback = errors.New("invalid callback")

// CallbackError is a callback ParseCallback refuses: the field at fault ("" for the body
// as a whole) and what is wrong with it.
type CallbackError struct {
	Field   string
	Problem string
}

func (e *CallbackError) Error() string {
	if e.Field == "" {
		return "invalid callback: " + e.Problem
	}
	return "invalid callback: " + e.Field + ": " + e.Problem
}

// Unwrap makes every CallbackError an ErrInvalidCallback.
func (e *CallbackError) Unwrap() error { return ErrInvalidCallback }

// ParseCallback decodes a callback body strictly: one JSON object of at most
// MaxCallbackSize bytes, its field names exactly those of ledger.Payment (encoding/json
// would otherwise take "Amount" for "amount"), none twice and no other, followed by
// nothing. idempotency_key and gateway_ref are required (at most MaxKeyLen characters),
// status is succeeded or failed (a callback reports a settled payment), amount is above
// zero, currency is three capital letters and method, when given, is a known one. The
// error is a *CallbackError naming the first field at fault.
func ParseCallback(body []byte) (ledger.Payment, error) {
	var p ledger.Payment
	if len(body) > MaxCallbackSize {
		return p, &CallbackError{Problem: fmt.Sprintf("body is larger than %d bytes", MaxCallbackSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return p, &CallbackError{Problem: "body is not a JSON object"}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p, &CallbackError{Problem: "body is not valid JSON"}
		}
		name, _ := tok.(string) // the decoder only ever gives a string here
		if seen[name] {
			return p, &CallbackError{Field: name, Problem: "appears twice"}
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return p, &CallbackError{Field: name, Problem: "value is not valid JSON"}
		}
		if err := setField(&p, name, raw); err != nil {
			return p, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return p, &CallbackError{Problem: "body is not valid JSON"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, &CallbackError{Problem: "data after the JSON object"}
	}
	return p, checkCallback(p)
}

// setField decodes one field's value into p.
func setField(p *ledger.Payment, name string, raw json.RawMessage) error {
	var target any
	want := "a string"
	switch name {
	case "idempotency_key":
		target = &p.Key
	case "gateway_ref":
		target = &p.Ref
	case "amount":
		target, want = &p.Amount, "an integer (minor units)"
	case "currency":
		target = &p.Currency
	case "method":
		target = &p.Method
	case "status":
		target = &p.Status
	case "reason":
		target = &p.Reason
	case "created_at":
		target, want = &p.CreatedAt, "an RFC 3339 time"
	case "settled_at":
		target, want = &p.SettledAt, "an RFC 3339 time or null"
	default:
		return &CallbackError{Field: name, Problem: "unknown field"}
	}
	if err := json.Unmarshal(raw, target); err != nil {
		return &CallbackError{Field: name, Problem: "must be " + want}
	}
	return nil
}

// checkCallback holds a decoded callback to the rules, field by field in the order of
// ledger.Payment.
func checkCallback(p ledger.Payment) error {
	if msg := checkKey(p.Key); msg != "" {
		return &CallbackError{Field: "idempotency_key", Problem: msg}
	}
	if msg := checkKey(p.Ref); msg != "" {
		return &CallbackError{Field: "gateway_ref", Problem: msg}
	}
	if p.Amount <= 0 || p.Amount > money.Limit {
		return &CallbackError{Field: "amount", Problem: fmt.Sprintf("%d is not within 1–%d", p.Amount, money.Limit)}
	}
	if !validCurrency(p.Currency) {
		return &CallbackError{Field: "currency", Problem: "is required: three capital letters (ISO 4217)"}
	}
	if p.Method != "" && !p.Method.Valid() {
		return &CallbackError{Field: "method", Problem: fmt.Sprintf("%q is not a known method", p.Method)}
	}
	if p.Status != ledger.Paid && p.Status != ledger.Declined {
		return &CallbackError{Field: "status", Problem: fmt.Sprintf("must be %s or %s (a callback reports a settled payment)",
			ledger.Paid, ledger.Declined)}
	}
	return nil
}
