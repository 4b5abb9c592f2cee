package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want SMTPConfig
	}{
		{"smtp://mail.example.com?from=noreply@example.com",
			SMTPConfig{Host: "mail.example.com", Port: 25, From: "noreply@example.com", TLS: TLSOpportunistic, Timeout: DefaultSMTPTimeout}},
		{"smtps://mail.example.com?from=noreply@example.com",
			SMTPConfig{Host: "mail.example.com", Port: 465, From: "noreply@example.com", TLS: TLSImplicit, Timeout: DefaultSMTPTimeout}},
		{"smtp://u%40x:p%3Ass%2Fw@mail.example.com:587?from=a@example.com&from_name=%E5%94%AE%E5%90%8E&tls=starttls&timeout=3s",
			SMTPConfig{Host: "mail.example.com", Port: 587, Username: "u@x", Password: "p:ss/w", From: "a@example.com",
				FromName: "售后", TLS: TLSStartTLS, Timeout: 3 * time.Second}},
		{"smtp://127.0.0.1:2525?from=a@example.com&tls=none",
			SMTPConfig{Host: "127.0.0.1", Port: 2525, From: "a@example.com", TLS: TLSNone, Timeout: DefaultSMTPTimeout}},
		{"smtp://[::1]:2525/?from=a@example.com&tls=TLS",
			SMTPConfig{Host: "::1", Port: 2525, From: "a@example.com", TLS: TLSImplicit, Timeout: DefaultSMTPTimeout}},
		{"smtp://mail.example.com?from=a@example.com&tls=tls",
			SMTPConfig{Host: "mail.example.com", Port: 465, From: "a@example.com", TLS: TLSImplicit, Timeout: DefaultSMTPTimeout}},
		{"smtp://user@mail.example.com?from=a@example.com",
			SMTPConfig{Host: "mail.example.com", Port: 25, Username: "user", From: "a@example.com", TLS: TLSOpportunistic, Timeout: DefaultSMTPTimeout}},
	} {
		got, err := ParseSMTPURL(c.url)
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", c.url, got, err, c.want)
		}
	}
}

func TestParseSMTPURLSaysWhichFieldIsWrong(t *testing.T) {
	for _, c := range []struct{ url, field string }{
		{"", "scheme"},
		{"mail.example.com?from=a@example.com", "scheme"},
		{"http://mail.example.com?from=a@example.com", "scheme"},
		{"smtp:mail.example.com?from=a@example.com", "host"},
		{"smtp://?from=a@example.com", "host"},
		{"smtp://:25?from=a@example.com", "host"},
		{"smtp://mail.example.com:0?from=a@example.com", "port"},
		{"smtp://mail.example.com:70000?from=a@example.com", "port"},
		{"smtp://mail.example.com:abc?from=a@example.com", "url"},
		{"smtp://mail.example.com/path?from=a@example.com", "path"},
		{"smtp://:secret@mail.example.com?from=a@example.com", "user"},
		{"smtp://mail.example.com", "from"},
		{"smtp://mail.example.com?from=", "from"},
		{"smtp://mail.example.com?from=not-an-address", "from"},
		{"smtp://mail.example.com?from=Shop%20%3Ca@example.com%3E", "from"},
		{"smtp://mail.example.com?from=a@example.com&from=b@example.com", "from"},
		{"smtp://mail.example.com?from=a@example.com&from_name=a%0D%0ABcc:x", "from_name"},
		{"smtp://mail.example.com?from=a@example.com&tls=maybe", "tls"},
		{"smtps://mail.example.com?from=a@example.com&tls=none", "tls"},
		{"smtp://mail.example.com?from=a@example.com&timeout=soon", "timeout"},
		{"smtp://mail.example.com?from=a@example.com&timeout=-1s", "timeout"},
		{"smtp://mail.example.com?from=a@example.com&frm=x", "frm"},
		{"smtp://mail.example.com?from=a@example.com&x=%zz", "query"},
	} {
		_, err := ParseSMTPURL(c.url)
		var ue *URLError
		if !errors.As(err, &ue) || ue.Field != c.field {
			t.Errorf("%q: %v, want an error about %s", c.url, err, c.field)
		}
		if _, err := NewSMTPMailer(c.url); err == nil {
			t.Errorf("NewSMTPMailer(%q) accepted it", c.url)
		}
	}
}

func TestSMTPURLErrorsAndStringNeverShowThePassword(t *testing.T) {
	for _, raw := range []string{
		"smtp://user:hunter2@mail.example.com:bad?from=a@example.com",
		"smtp://user:hunter2@mail.example.com?from=bad",
		"smtp://user:hunter2@mail.example.com\x7f?from=a@example.com",
	} {
		if _, err := ParseSMTPURL(raw); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v", err)
		}
	}
	c, err := ParseSMTPURL("smtp://user:hunter2@mail.example.com?from=a@example.com")
	if err != nil || strings.Contains(c.String(), "hunter2") || !strings.Contains(c.String(), "user@mail.example.com:25") {
		t.Errorf("%v %s", err, c)
	}
}
