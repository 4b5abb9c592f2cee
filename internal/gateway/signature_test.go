package gateway

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
)

// HMAC-SHA256 test case 2 of RFC 4231: the header is that MAC in lowercase hex, so any
// HMAC library can check it.
func TestSignMatchesRFC4231(t *testing.T) {
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"idempotency_key":"k","gateway_ref":"SIMX","amount":1,"currency":"CNY","status":"succeeded"}`)
	good := Sign(testSecret, body)
	if err := Verify(testSecret, body, good); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if err := Verify(testSecret, body, strings.ToUpper(good[:7])+good[7:]); !errors.Is(err, ErrSignatureMalformed) {
		t.Errorf("upper-case algorithm: err = %v, want malformed", err)
	}
	if err := Verify(testSecret, body, good[:7]+strings.ToUpper(good[7:])); err != nil {
		t.Errorf("upper-case hex digits are the same MAC: %v", err)
	}
	modified := append([]byte(nil), body...)
	modified[len(modified)-3] = 'x'
	for _, c := range []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   error
	}{
		{"wrong secret", []byte("another secret"), body, good, ErrSignatureMismatch},
		{"modified body", testSecret, modified, good, ErrSignatureMismatch},
		{"body with a trailing newline", testSecret, append(append([]byte(nil), body...), '\n'), good, ErrSignatureMismatch},
		{"missing", testSecret, body, "", ErrSignatureMissing},
		{"no algorithm", testSecret, body, good[7:], ErrSignatureMalformed},
		{"other algorithm", testSecret, body, "sha1=" + good[7:], ErrSignatureMalformed},
		{"short", testSecret, body, good[:len(good)-2], ErrSignatureMalformed},
		{"long", testSecret, body, good + "00", ErrSignatureMalformed},
		{"not hex", testSecret, body, good[:len(good)-1] + "g", ErrSignatureMalformed},
		{"space inside", testSecret, body, "sha256= " + good[8:], ErrSignatureMalformed},
		{"two signatures", testSecret, body, good + "," + good, ErrSignatureMalformed},
	} {
		if err := Verify(c.secret, c.body, c.header); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if err := Verify(nil, body, Sign(nil, body)); err == nil {
		t.Error("an empty secret verified a signature anyone can make")
	}
}

func validCallback() ledger.Payment {
	settled := time.Date(2025, 3, 1, 9, 30, 0, 123456000, time.UTC)
	return ledger.Payment{Key: "case-1:3:0:SKU-1", Ref: "SIMABCDEFGHIJKLMNOP", Amount: 1250, Currency: money.CNY,
		Method: ledger.Original, Status: ledger.Paid, CreatedAt: settled.Add(-time.Second), SettledAt: &settled}
}

func TestParseCallbackAcceptsAPayment(t *testing.T) {
	for _, p := range []ledger.Payment{
		validCallback(),
		func() ledger.Payment {
			p := validCallback()
			p.Status, p.Reason, p.Method = ledger.Declined, "card closed", ledger.BankCard
			return p
		}(),
		{Key: "k", Ref: "r", Amount: 1, Currency: "JPY", Status: ledger.Paid}, // only what is required
	} {
		body, _ := json.Marshal(p)
		got, err := ParseCallback(body)
		if err != nil {
			t.Fatalf("ParseCallback(%s): %v", body, err)
		}
		if !samePayment(got, p) {
			t.Errorf("ParseCallback(%s) = %+v, want %+v", body, got, p)
		}
	}
}

// Each refusal names the field at fault.
func TestParseCallbackRefuses(t *testing.T) {
	valid, _ := json.Marshal(validCallback())
	with := func(field string, value any) string {
		var m map[string]any
		json.Unmarshal(valid, &m)
		if value == nil {
			delete(m, field)
		} else {
			m[field] = value
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, c := range []struct {
		name, body, field string
	}{
		{"empty", ``, ""},
		{"array", `[]`, ""},
		{"not JSON", `{idempotency_key: "k"}`, ""},
		{"value cut off", `{"idempotency_key":`, "idempotency_key"},
		{"trailing data", string(valid) + `{}`, ""},
		{"too large", `{"reason":"` + strings.Repeat("x", MaxCallbackSize) + `"}`, ""},
		{"unknown field", with("fee", 1), "fee"},
		{"field in another case", strings.Replace(string(valid), `"amount"`, `"Amount"`, 1), "Amount"},
		{"field twice", strings.Replace(string(valid), `{`, `{"amount":1,`, 1), "amount"},
		{"no key", with("idempotency_key", nil), "idempotency_key"},
		{"empty key", with("idempotency_key", ""), "idempotency_key"},
		{"long key", with("idempotency_key", strings.Repeat("k", MaxKeyLen+1)), "idempotency_key"},
		{"key not a string", with("idempotency_key", 7), "idempotency_key"},
		{"no reference", with("gateway_ref", nil), "gateway_ref"},
		{"long reference", with("gateway_ref", strings.Repeat("r", MaxKeyLen+1)), "gateway_ref"},
		{"zero amount", with("amount", 0), "amount"},
		{"negative amount", with("amount", -1), "amount"},
		{"fractional amount", with("amount", 1.5), "amount"},
		{"amount as a string", with("amount", "12.50"), "amount"},
		{"no currency", with("currency", nil), "currency"},
		{"lower-case currency", with("currency", "cny"), "currency"},
		{"long currency", with("currency", "CNYY"), "currency"},
		{"unknown method", with("method", "cash"), "method"},
		{"processing", with("status", "processing"), "status"},
		{"no status", with("status", nil), "status"},
		{"bad time", with("created_at", "yesterday"), "created_at"},
		{"bad settled time", with("settled_at", 5), "settled_at"},
	} {
		_, err := ParseCallback([]byte(c.body))
		var ce *CallbackError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidCallback) {
			t.Errorf("%s: err = %v, want a CallbackError", c.name, err)
			continue
		}
		if ce.Field != c.field {
			t.Errorf("%s: err = %v, names field %q, want %q", c.name, err, ce.Field, c.field)
		}
		if c.field != "" && !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: message %q does not name %s", c.name, err, c.field)
		}
	}
}

func samePayment(a, b ledger.Payment) bool {
	if (a.SettledAt == nil) != (b.SettledAt == nil) || (a.SettledAt != nil && !a.SettledAt.Equal(*b.SettledAt)) {
		return false
	}
	a.SettledAt, b.SettledAt = nil, nil
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return false
	}
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	return a == b
}

// FuzzParseCallback: no body makes ParseCallback panic, and what it accepts it accepts
// again once encoded back, unchanged.
func FuzzParseCallback(f *testing.F) {
	valid, _ := json.Marshal(validCallback())
	f.Add(valid)
	f.Add([]byte(`{"idempotency_key":"k","gateway_ref":"r","amount":1,"currency":"CNY","status":"failed","reason":"closed","settled_at":null}`))
	f.Add([]byte(`{"idempotency_key":"k","idempotency_key":"k"}`))
	f.Add([]byte(`{"Amount":1}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`{"amount":1e3}`))
	f.Add([]byte(`{"created_at":"10000-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"idempotency_key":"\u0000\ud800"}`))
	f.Add([]byte(`[`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseCallback(body)
		if err != nil {
			var ce *CallbackError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a CallbackError", err)
			}
			return
		}
		if p.Key == "" || p.Ref == "" || p.Amount <= 0 || (p.Status != ledger.Paid && p.Status != ledger.Declined) {
			t.Fatalf("accepted %+v", p)
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("accepted %+v, which does not encode: %v", p, err)
		}
		q, err := ParseCallback(again)
		if err != nil {
			t.Fatalf("accepted %s but not its encoding %s: %v", body, again, err)
		}
		if !samePayment(p, q) {
			t.Fatalf("%+v came back as %+v", p, q)
		}
	})
}

// FuzzCallbackFromPayment: a payment encoded as the gateway encodes it is accepted exactly
// when it keeps the rules, and comes back unchanged.
func FuzzCallbackFromPayment(f *testing.F) {
	f.Add("case-1:3:0", "SIMABC", int64(1250), "CNY", "original", uint8(0), "", int64(1740819600000000000), int64(0))
	f.Add("k", "r", int64(1), "JPY", "", uint8(1), "card closed", int64(0), int64(1))
	f.Add("", "r", int64(1), "CNY", "bank_card", uint8(1), "", int64(-1), int64(5))
	f.Add("k", "r", int64(0), "cny", "cash", uint8(2), "", int64(0), int64(0))
	f.Add(strings.Repeat("键", MaxKeyLen), "r", money.Limit, "USD", "balance", uint8(0), "", int64(0), int64(0))
	f.Fuzz(func(t *testing.T, key, ref string, amount int64, currency, method string, status uint8, reason string, created, settled int64) {
		if !utf8.ValidString(key) || !utf8.ValidString(ref) || !utf8.ValidString(currency) ||
			!utf8.ValidString(method) || !utf8.ValidString(reason) {
			return // encoding/json would change them into other strings
		}
		p := ledger.Payment{Key: key, Ref: ref, Amount: amount, Currency: money.Currency(currency), Method: ledger.Method(method),
			Status: []ledger.PaymentStatus{ledger.Paid, ledger.Declined, ledger.Processing, ""}[status%4], Reason: reason,
			CreatedAt: time.Unix(0, created).UTC()}
		if settled != 0 {
			at := time.Unix(0, settled).UTC()
			p.SettledAt = &at
		}
		keeps := key != "" && utf8.RuneCountInString(key) <= MaxKeyLen && ref != "" && utf8.RuneCountInString(ref) <= MaxKeyLen &&
			amount > 0 && amount <= money.Limit && validCurrency(p.Currency) && (method == "" || p.Method.Valid()) &&
			(p.Status == ledger.Paid || p.Status == ledger.Declined)
		body, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseCallback(body)
		if keeps != (err == nil) {
			t.Fatalf("payment %+v keeps the rules: %v; ParseCallback(%s): %v", p, keeps, body, err)
		}
		if err == nil && !samePayment(got, p) {
			t.Fatalf("%+v came back as %+v", p, got)
		}
	})
}

// FuzzVerify: no header makes Verify panic, and only the body's own signature passes.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"idempotency_key":"k"}`)
	f.Add(Sign(testSecret, body), body)
	f.Add("", body)
	f.Add("sha256=", []byte{})
	f.Add("sha256="+strings.Repeat("zz", 32), body)
	f.Add("sha256="+strings.Repeat("0", 63), body)
	f.Add("SHA256="+Sign(testSecret, body)[7:], body)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify(testSecret, body, header)
		switch {
		case err == nil:
			if !strings.EqualFold(header, Sign(testSecret, body)) {
				t.Fatalf("Verify accepted %q for a body whose signature is %s", header, Sign(testSecret, body))
			}
		case !errors.Is(err, ErrSignatureMissing) && !errors.Is(err, ErrSignatureMalformed) && !errors.Is(err, ErrSignatureMismatch):
			t.Fatalf("Verify(%q): %v is none of the signature errors", header, err)
		}
		if err := Verify(testSecret, body, Sign(testSecret, body)); err != nil {
			t.Fatalf("Verify refused the body's own signature: %v", err)
		}
	})
}
