package webhook

import (
	"errors"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if !strings.HasPrefix(a, "whsec_") || len(a) != len("whsec_")+43 {
		t.Fatalf("NewSecret() = %q, want whsec_ and 43 base64url characters", a)
	}
	for _, c := range a[len("whsec_"):] {
		if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", c) {
			t.Fatalf("NewSecret() = %q: %q is not base64url", a, c)
		}
	}
	if a == b {
		t.Fatalf("two secrets are the same: %q", a)
	}
}

func TestSignKnownVector(t *testing.T) {
	// RFC 4231, test case 2.
	got := Sign("Jefe", []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestSignVerify(t *testing.T) {
	secret := NewSecret()
	body := []byte(`{"event":"case.created","case":{"id":"c_1","amount":"12.50"}}`)
	sig := Sign(secret, body)
	if !Verify(secret, body, sig) {
		t.Fatal("Verify rejects its own signature")
	}
	if !Verify(secret, body, " "+strings.ToUpper(sig)+" ") {
		t.Fatal("Verify rejects upper-case hex / surrounding spaces")
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-3] = '9'
	flipped := []byte(sig)
	if flipped[len(flipped)-1] == '0' {
		flipped[len(flipped)-1] = '1'
	} else {
		flipped[len(flipped)-1] = '0'
	}
	for name, ok := range map[string]bool{
		"tampered body":  Verify(secret, tampered, sig),
		"other secret":   Verify(NewSecret(), body, sig),
		"flipped digit":  Verify(secret, body, string(flipped)),
		"truncated":      Verify(secret, body, sig[:len(sig)-2]),
		"no prefix":      Verify(secret, body, strings.TrimPrefix(sig, "sha256=")),
		"other prefix":   Verify(secret, body, "sha1="+strings.TrimPrefix(sig, "sha256=")),
		"not hex":        Verify(secret, body, "sha256="+strings.Repeat("zz", 32)),
		"empty":          Verify(secret, body, ""),
		"empty body sig": Verify(secret, body, Sign(secret, nil)),
		"extra":          Verify(secret, body, sig+"00"),
	} {
		if ok {
			t.Errorf("Verify accepts %s", name)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		events []string
		name   string
		want   bool
	}{
		{[]string{"*"}, "case.created", true},
		{[]string{"*"}, "dispute.ruled", true},
		{[]string{"case.created"}, "case.created", true},
		{[]string{"case.created"}, "case.approve", false},
		{[]string{"case.created", "dispute.ruled"}, "dispute.ruled", true},
		{[]string{"case.*"}, "case.approve", true},
		{[]string{"case.*"}, "case.created", true},
		{[]string{"case.*"}, "case.", false},
		{[]string{"case.*"}, "case", false},
		{[]string{"case.*"}, "dispute.ruled", false},
		{[]string{"case.*"}, "cases.created", false},
		{[]string{"case.*"}, "showcase.created", false},
		{[]string{"dispute.*"}, "dispute.ruled", true},
		{[]string{"case"}, "case.created", false},
		{[]string{"case.created"}, "case.created.extra", false},
		{nil, "case.created", false},
		{[]string{}, "case.created", false},
		{[]string{"dispute.ruled", "case.*"}, "case.reject", true},
	} {
		if got := Match(tc.events, tc.name); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.events, tc.name, got, tc.want)
		}
	}
}

func TestCheckEvents(t *testing.T) {
	many := make([]string, 51)
	for i := range many {
		many[i] = "case." + strings.Repeat("a", i+1)
	}
	for _, tc := range []struct {
		events []string
		ok     bool
	}{
		{[]string{"*"}, true},
		{[]string{"case.created"}, true},
		{[]string{"case.created", "case.approve", "dispute.ruled"}, true},
		{[]string{"case.*"}, true},
		{[]string{"case.*", "dispute.ruled"}, true},
		{[]string{"case.return_shipped"}, true},
		{[]string{"a.b.c"}, true},
		{many[:50], true},
		{nil, false},
		{[]string{}, false},
		{many, false},
		{[]string{"case.created", "case.created"}, false},
		{[]string{"*", "*"}, false},
		{[]string{""}, false},
		{[]string{"case"}, false},
		{[]string{"Case.created"}, false},
		{[]string{"case.Created"}, false},
		{[]string{"case..created"}, false},
		{[]string{".created"}, false},
		{[]string{"case."}, false},
		{[]string{"case.created "}, false},
		{[]string{"case-created"}, false},
		{[]string{"case.created1"}, false},
		{[]string{"*.created"}, false},
		{[]string{"case.*.x"}, false},
		{[]string{"case.cre*"}, false},
		{[]string{"case.**"}, false},
		{[]string{"**"}, false},
		{[]string{"case.创建"}, false},
		{[]string{"case." + strings.Repeat("a", 200)}, false},
	} {
		err := CheckEvents(tc.events)
		if (err == nil) != tc.ok {
			t.Errorf("CheckEvents(%q) = %v, want ok=%v", tc.events, err, tc.ok)
			continue
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "events" || fe.ZH == "" || fe.EN == "" || err.Error() != fe.EN {
				t.Errorf("CheckEvents(%q) = %#v, want a *FieldError for events with both messages", tc.events, err)
			}
		}
	}
}
