package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The secrets and the clock the login-link fuzzers sign and verify with.
var (
	fuzzLinkSecret  = []byte("0123456789abcdef0123456789abcdef")
	fuzzOtherSecret = []byte("fedcba9876543210fedcba9876543210")
	fuzzNow         = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

// fuzzLinkMAC is the login link's signature as the shop system's developers are told to
// compute it: HMAC-SHA256 over "aftersales-login-v1\n{shop}\n{customer}\n{exp}", in hex.
func fuzzLinkMAC(secret []byte, l app.LoginLink) []byte {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "aftersales-login-v1\n%s\n%s\n%d", l.Shop, l.Customer, l.Expires.Unix())
	return m.Sum(nil)
}

// FuzzLoginLink feeds ParseLoginLink and VerifyLoginLink arbitrary query strings. Whatever
// the query, parsing does not panic; what it accepts names a shop and a customer in at most
// 64 bytes of valid UTF-8 and carries a 32-byte signature; and a link verifies under a
// secret only if that secret signed exactly those fields (SignLoginLink gives back the same
// link and signature) for an expiry in (now, now+LoginLinkMaxAge]; another secret does not
// accept it. (One seed is signed with that other secret: the known one must refuse it.) The
// HTTP route /login/link hands its raw query to the same two functions.
func FuzzLoginLink(f *testing.F) {
	good := app.LoginLink{Shop: "shop-a", Customer: "cust-1", Expires: fuzzNow.Add(10 * time.Minute)}
	link := app.SignLoginLink(fuzzLinkSecret, good)
	q, err := url.ParseQuery(link)
	if err != nil {
		f.Fatal(err)
	}
	with := func(k, v string) string {
		c := url.Values{}
		for key := range q {
			c.Set(key, q.Get(key))
		}
		if v == "" {
			c.Del(k)
		} else {
			c.Set(k, v)
		}
		return c.Encode()
	}
	sig := q.Get("sig")
	for _, seed := range []string{
		link,
		app.SignLoginLink(fuzzLinkSecret, app.LoginLink{Shop: app.PlatformShop, Customer: "买家-7", Expires: fuzzNow.Add(app.LoginLinkMaxAge)}),
		app.SignLoginLink(fuzzLinkSecret, app.LoginLink{Shop: strings.Repeat("s", 64), Customer: strings.Repeat("c", 64), Expires: fuzzNow.Add(time.Second)}),
		app.SignLoginLink(fuzzOtherSecret, good),
		// Tampered fields.
		with("sig", strings.Repeat("0", 64)),
		with("sig", strings.ToUpper(sig)),
		with("sig", sig[:62]),
		with("sig", sig+"00"),
		with("sig", ""),
		with("exp", q.Get("exp")+"0"),
		with("exp", strconv.FormatInt(fuzzNow.Add(app.LoginLinkMaxAge+time.Second).Unix(), 10)),
		with("exp", strconv.FormatInt(fuzzNow.Unix(), 10)),
		with("exp", "-1"),
		with("exp", "0"),
		with("exp", "99999999999999999999999"),
		with("exp", strconv.FormatInt(1<<40, 10)),
		with("exp", "+"+q.Get("exp")),
		with("exp", "0x10"),
		with("shop", "shop-b"),
		with("shop", ""),
		with("shop", strings.Repeat("s", 65)),
		with("customer", "cust-2"),
		with("customer", "c\xff1"),
		with("customer", "cust-1\x00"),
		// Extra, duplicated, reordered and oddly encoded parameters.
		link + "&lang=en",
		link + "&sig=" + sig,
		"shop=shop-b&" + link,
		"sig=" + sig + "&exp=" + q.Get("exp") + "&customer=cust-1&shop=shop-a",
		strings.Replace(link, "shop=shop-a", "shop=%73hop-a", 1),
		strings.Replace(link, "customer=cust-1", "customer=cust%2D1", 1),
		strings.Replace(link, "customer=cust-1", "customer=cust-1%", 1),
		strings.Replace(link, "&", ";", 1),
		strings.Replace(link, "shop=shop-a", "shop=shop+a", 1),
		"shop=%E4%B9%B0&customer=%FF%FE&exp=1&sig=" + sig,
		"",
		"&&&",
		"=",
		"shop",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		l, sig, err := app.ParseLoginLink(query)
		if err != nil {
			return
		}
		for name, v := range map[string]string{"shop": l.Shop, "customer": l.Customer} {
			if !linkField(v) {
				t.Errorf("parsed %s %q: empty, longer than 64 bytes, not UTF-8 or with control characters", name, v)
			}
		}
		if len(sig) != sha256.Size {
			t.Errorf("parsed a %d-byte signature", len(sig))
		}
		if exp := l.Expires.Unix(); exp <= 0 || exp > 1<<40 || l.Expires.Location() != time.UTC {
			t.Errorf("parsed expiry %v", l.Expires)
		}

		if err := app.VerifyLoginLink(fuzzLinkSecret, l, sig, fuzzNow); err != nil {
			return
		}
		// Accepted: the secret signed exactly these fields, for a short time from now.
		if !hmac.Equal(fuzzLinkMAC(fuzzLinkSecret, l), sig) {
			t.Fatalf("accepted %q, whose signature is not the HMAC of %+v", query, l)
		}
		if err := app.VerifyLoginLink(fuzzOtherSecret, l, sig, fuzzNow); err == nil {
			t.Fatalf("%q verifies under two secrets", query)
		}
		resigned := app.SignLoginLink(fuzzLinkSecret, l)
		l2, sig2, err := app.ParseLoginLink(resigned)
		if err != nil || l2.Shop != l.Shop || l2.Customer != l.Customer || !l2.Expires.Equal(l.Expires) || !bytes.Equal(sig2, sig) {
			t.Fatalf("accepted %q, but signing %+v again gives %q (%v)", query, l, resigned, err)
		}
		if !fuzzNow.Before(l.Expires) || l.Expires.After(fuzzNow.Add(app.LoginLinkMaxAge)) {
			t.Fatalf("accepted %q expiring %v, at %v", query, l.Expires, fuzzNow)
		}
	})
}

// FuzzLoginLinkBindsItsFields signs a link for one shop, customer and expiry, then presents
// its signature with other fields: it verifies only for the very fields signed. (The route
// looks the secret up by the link's shop, so a changed shop meets another secret too; this
// checks that the signature alone binds the fields, whoever else holds the same secret.)
// Well-formed fields also survive SignLoginLink → ParseLoginLink unchanged.
func FuzzLoginLinkBindsItsFields(f *testing.F) {
	exp := fuzzNow.Add(10 * time.Minute).Unix()
	f.Add("shop-a", "cust-1", exp, "shop-a", "cust-2", exp)
	f.Add("shop-a", "cust-1", exp, "shop-b", "cust-1", exp)
	f.Add("shop-a", "cust-1", exp, "cust-1", "shop-a", exp)
	f.Add("shop-a", "cust-1", exp, "shop-a", "cust-1", exp+1)
	f.Add("platform", "cust-1", exp, "platform", "cust-1 ", exp)
	f.Add("platform", "cust-1", exp, "platform", "cust-1", exp)
	f.Add("shop-a", "买家", exp, "shop-a", "买家\x00", exp)
	// Found by reading linkMAC: the signed text joins shop and customer with "\n", so a line
	// break in a field could move to the other under the same signature. Links refuse
	// control characters in both.
	f.Add("platform", "x\ny", exp, "platform\nx", "y", exp)
	f.Fuzz(func(t *testing.T, shop, customer string, exp int64, otherShop, otherCustomer string, otherExp int64) {
		signed := app.LoginLink{Shop: shop, Customer: customer, Expires: time.Unix(exp, 0).UTC()}
		query := app.SignLoginLink(fuzzLinkSecret, signed)
		l, sig, err := app.ParseLoginLink(query)
		wellFormed := linkField(shop) && linkField(customer) && exp > 0 && exp <= 1<<40
		switch {
		case wellFormed && err != nil:
			t.Fatalf("%+v: its own link %q does not parse: %v", signed, query, err)
		case !wellFormed && err == nil:
			t.Fatalf("%+v: its link %q parses", signed, query)
		case err == nil && (l.Shop != shop || l.Customer != customer || l.Expires.Unix() != exp):
			t.Fatalf("%+v: its link %q parses as %+v", signed, query, l)
		case err != nil:
			return
		}
		if otherShop == shop && otherCustomer == customer && otherExp == exp {
			return
		}
		presented := url.Values{"shop": {otherShop}, "customer": {otherCustomer},
			"exp": {strconv.FormatInt(otherExp, 10)}, "sig": {hex.EncodeToString(sig)}}.Encode()
		pl, psig, err := app.ParseLoginLink(presented)
		if err != nil {
			return
		}
		// Any moment the presented link could be valid at.
		at := pl.Expires.Add(-time.Second)
		if err := app.VerifyLoginLink(fuzzLinkSecret, pl, psig, at); err == nil {
			t.Fatalf("a link signed for %q/%q (exp %d) verifies for %q/%q (exp %d)",
				shop, customer, exp, pl.Shop, pl.Customer, pl.Expires.Unix())
		}
	})
}

// fuzzTokenPrefix and fuzzTokenBody are the API token format that CreateToken makes
// (tokens.go): "ast_" and 32 random bytes in unpadded base64url, 43 characters.
const (
	fuzzTokenPrefix = "ast_"
	fuzzTokenBody   = 43
	base64URL       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

func fuzzToken(raw []byte) string {
	b := make([]byte, 32)
	copy(b, raw)
	return fuzzTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// wellFormedToken says whether s has the token format: the prefix, then exactly 43
// characters of the base64url alphabet encoding 32 bytes canonically (the two bits the
// last character has beyond the 256 are zero).
func wellFormedToken(s string) bool {
	body, ok := strings.CutPrefix(s, fuzzTokenPrefix)
	if !ok || len(body) != fuzzTokenBody {
		return false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(base64URL, body[i]) < 0 {
			return false
		}
	}
	return strings.IndexByte(base64URL, body[len(body)-1])&3 == 0
}

// FuzzParseToken feeds ParseToken arbitrary strings: it does not panic, accepts exactly the
// strings of the token format (and then returns the SHA-256 of the whole string, which is
// what the store keeps), accepts tokens CreateToken made, and refuses a valid token with
// any one character changed to one outside the alphabet.
func FuzzParseToken(f *testing.F) {
	// Two tokens from a real app, so that the format above is the one CreateToken uses.
	st, _ := apitest.Backends()[0].Open(f, time.Now)
	a := app.New(app.Config{Store: st})
	for _, role := range []app.Role{app.RoleAdmin, app.RoleAgent} {
		secret, _, err := a.CreateToken(context.Background(), app.TokenSpec{Role: role, Name: "fuzz"})
		if err != nil {
			f.Fatal(err)
		}
		if !wellFormedToken(secret) {
			f.Fatalf("CreateToken made %q, not of the format the fuzzer checks", secret)
		}
		f.Add(secret, 0, '!')
	}
	valid := fuzzToken([]byte("0123456789abcdef0123456789abcdef"))
	for _, seed := range []struct {
		s   string
		pos int
		r   rune
	}{
		{valid, 4, '='},
		{valid, len(valid) - 1, '+'},
		{valid, 0, 'A'},
		{valid + "=", 10, '/'},
		{valid[:len(valid)-1] + "B", 46, 'é'}, // non-canonical last character
		{fuzzToken(bytes.Repeat([]byte{0xff}, 32)), 20, 0},
		{strings.Replace(valid, "ast_", "AST_", 1), 3, '\n'},
		{fuzzTokenPrefix + strings.Repeat("A", 42) + "=", 46, ' '},
		{fuzzTokenPrefix + strings.Repeat("A", 44), 7, 'ÿ'},
		{"Bearer " + valid, 1, '.'},
		{"", 0, 0},
		{"ast_", 0, utf8.RuneError},
		{"ast_\xff\xfe", 5, 'x'},
	} {
		f.Add(seed.s, seed.pos, seed.r)
	}
	f.Fuzz(func(t *testing.T, s string, pos int, r rune) {
		hash, ok := app.ParseToken(s)
		if ok != wellFormedToken(s) {
			t.Fatalf("ParseToken(%q) = %v, well formed %v", s, ok, !ok)
		}
		if ok {
			sum := sha256.Sum256([]byte(s))
			if !bytes.Equal(hash, sum[:]) {
				t.Fatalf("ParseToken(%q) hash %x, want the SHA-256 of the token", s, hash)
			}
			raw, err := base64.RawURLEncoding.DecodeString(s[len(fuzzTokenPrefix):])
			if err != nil || len(raw) != 32 || fuzzToken(raw) != s {
				t.Fatalf("ParseToken accepts %q, which is no encoding of 32 bytes", s)
			}
		} else if hash != nil {
			t.Fatalf("ParseToken refuses %q but gives a hash", s)
		}

		// A token of the fuzzed bytes is accepted; one character changed, at the fuzzed
		// position, to a character outside the alphabet (or any other in the prefix) is not.
		token := fuzzToken([]byte(s))
		if _, ok := app.ParseToken(token); !ok {
			t.Fatalf("ParseToken refuses %q", token)
		}
		if pos < 0 {
			pos = -(pos + 1)
		}
		i := pos % len(token)
		if string(r) == token[i:i+1] || i >= len(fuzzTokenPrefix) && strings.ContainsRune(base64URL, r) {
			return // no change, or a change within the alphabet (the property above covers it)
		}
		changed := token[:i] + string(r) + token[i+1:]
		if _, ok := app.ParseToken(changed); ok {
			t.Fatalf("ParseToken accepts %q (%q with character %d changed to %q)", changed, token, i, r)
		}
	})
}

// linkField is what a login link's shop or customer may be: 1 to 64 bytes of UTF-8
// without control characters.
func linkField(s string) bool {
	return s != "" && len(s) <= 64 && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}
