package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/aftersales/aftersales/internal/notify/smtptest"
)

// The test server (package smtptest) under the names these tests use.
type received = smtptest.Received

type smtpBackend = smtptest.Server

// MustStartSMTP runs an SMTP server until the test ends: its backend and its URL.
func MustStartSMTP(t *testing.T, refuse map[string]*smtp.SMTPError) (*smtpBackend, string) {
	t.Helper()
	return smtptest.Start(t, refuse)
}

// parsedMail is a received message taken apart.
type parsedMail struct {
	Header      mail.Header
	Subject     string
	Text, HTML  string
	ContentType string
}

func mustParse(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var p parsedMail
	p.Header = msg.Header
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	p.ContentType = mt
	if mt != "multipart/alternative" {
		t.Fatalf("content type %s, want multipart/alternative", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // undoes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if !strings.EqualFold(pp["charset"], "utf-8") {
			t.Errorf("part %s charset %q", pt, pp["charset"])
		}
		body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")) // SMTP's line ends
		switch pt {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		}
	}
	return p
}

func TestSMTPMailerDeliversBothLanguages(t *testing.T) {
	be, rawURL := MustStartSMTP(t, nil)
	mailer, err := NewSMTPMailer(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct{ locale, subject, lang string }{
		{"zh", "重置您的密码", "zh-CN"},
		{"en", "Reset your password", "en"},
	} {
		r, err := Render(Message{Event: "password.reset", Locale: c.locale, Name: `<script>alert(1)</script>`,
			Fields: map[string]string{"reset_url": resetLink, "expires": "2026-05-01 18:30"}})
		if err != nil {
			t.Fatal(err)
		}
		id := "outbox-42:user-7/" + c.locale
		err = mailer.Send(context.Background(), Mail{To: "kehu@example.com", ToName: "张三", Subject: r.Subject,
			Text: r.Text, HTML: r.HTML, ID: id, Locale: c.locale})
		if err != nil {
			t.Fatal(err)
		}
		msgs := be.Messages()
		if len(msgs) != i+1 {
			t.Fatalf("%d messages arrived", len(msgs))
		}
		got := msgs[i]
		if got.From != "noreply@aftersales.test" || len(got.To) != 1 || got.To[0] != "kehu@example.com" {
			t.Errorf("envelope %s → %v", got.From, got.To)
		}
		p := mustParse(t, got.Data)
		if from, err := p.Header.AddressList("From"); err != nil || from[0].Address != "noreply@aftersales.test" || from[0].Name != "售后服务平台" {
			t.Errorf("From %v %v", from, err)
		}
		if to, err := p.Header.AddressList("To"); err != nil || to[0].Address != "kehu@example.com" || to[0].Name != "张三" {
			t.Errorf("To %v %v", to, err)
		}
		if p.Subject != c.subject {
			t.Errorf("Subject %q, want %q (raw %q)", p.Subject, c.subject, p.Header.Get("Subject"))
		}
		if c.locale == "zh" && !strings.HasPrefix(p.Header.Get("Subject"), "=?") {
			t.Errorf("Chinese subject not encoded: %q", p.Header.Get("Subject"))
		}
		if want := "<outbox-42=3Auser-7/" + c.locale + "@aftersales>"; p.Header.Get("Message-Id") != want {
			t.Errorf("Message-ID %q, want %q", p.Header.Get("Message-Id"), want)
		}
		if p.Header.Get("Content-Language") != c.lang {
			t.Errorf("Content-Language %q", p.Header.Get("Content-Language"))
		}
		if p.Text != r.Text || !strings.Contains(p.Text, resetLink) {
			t.Errorf("text part:\n%s", p.Text)
		}
		if p.HTML != r.HTML || !strings.Contains(p.HTML, strings.ReplaceAll(resetLink, "&", "&amp;")) {
			t.Errorf("html part:\n%s", p.HTML)
		}
		if strings.Contains(p.HTML, "<script") || !strings.Contains(p.HTML, "&lt;script&gt;") {
			t.Error("the name is not escaped in the html part")
		}
	}
}

func TestSMTPMailerKeepsHeadersSafe(t *testing.T) {
	be, rawURL := MustStartSMTP(t, nil)
	mailer, err := NewSMTPMailer(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	err = mailer.Send(context.Background(), Mail{To: "kehu@example.com", ToName: "Eve\r\nBcc: victim@example.com",
		Subject: "Hi\r\nBcc: victim@example.com", Text: "t", HTML: "<p>h</p>", ID: "a..b\r\nX: y"})
	if err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, be.Messages()[0].Data)
	if p.Header.Get("Bcc") != "" || p.Header.Get("X") != "" {
		t.Errorf("header injected: %v", p.Header)
	}
	if p.Subject != "Hi Bcc: victim@example.com" {
		t.Errorf("subject %q", p.Subject)
	}
	if id := p.Header.Get("Message-Id"); id != "<a.=2Eb=0D=0AX=3A=20y@aftersales>" {
		t.Errorf("Message-ID %q", id)
	}
}

func TestSMTPRefusalsArePermanentOnlyFor5xx(t *testing.T) {
	_, rawURL := MustStartSMTP(t, map[string]*smtp.SMTPError{
		"nobody@example.com": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"},
		"busy@example.com":   {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"},
	})
	mailer, err := NewSMTPMailer(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	send := func(to string) error {
		return mailer.Send(context.Background(), Mail{To: to, Subject: "s", Text: "t", HTML: "<p>h</p>", ID: "x"})
	}
	err = send("nobody@example.com")
	if err == nil || !Permanent(err) || !strings.Contains(err.Error(), "550") {
		t.Errorf("550: %v (permanent %v)", err, Permanent(err))
	}
	err = send("busy@example.com")
	if err == nil || Permanent(err) {
		t.Errorf("451: %v (permanent %v)", err, Permanent(err))
	}
	if err = send("not an address"); err == nil || !Permanent(err) {
		t.Errorf("bad address: %v (permanent %v)", err, Permanent(err))
	}
	if err = send("ok@example.com"); err != nil {
		t.Errorf("after refusals: %v", err)
	}
}

func TestSMTPServerDownIsNotPermanent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	mailer, err := NewSMTPMailer("smtp://127.0.0.1:" + strconv.Itoa(port) + "?from=noreply@aftersales.test&tls=none&timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	err = mailer.Send(context.Background(), Mail{To: "kehu@example.com", Subject: "s", Text: "t"})
	if err == nil || Permanent(err) {
		t.Errorf("server down: %v (permanent %v)", err, Permanent(err))
	}
}

func TestPermanentLooksThroughWrapping(t *testing.T) {
	base := &PermanentError{Err: errors.New("550 no")}
	if !Permanent(base) || !Permanent(errors.Join(errors.New("x"), base)) || Permanent(errors.New("550 no")) || Permanent(nil) {
		t.Error("Permanent")
	}
}

func TestMessageIDLeftIsOneToOne(t *testing.T) {
	ids := []string{"a", "a.b", "a..b", ".a", "a.", "a:b", "a=3Ab", "a b", "a=20b", "=", "=3D", "outbox-1", "订单"}
	seen := map[string]string{}
	for _, id := range ids {
		left := messageIDLeft(id)
		if prev, ok := seen[left]; ok {
			t.Errorf("%q and %q both give %q", prev, id, left)
		}
		seen[left] = id
		if _, err := mail.ParseAddress("<" + left + "@aftersales>"); err != nil {
			t.Errorf("%q → %q is not a valid Message-ID: %v", id, left, err)
		}
	}
}

func TestRecordingMailerIsSafeForConcurrentUse(t *testing.T) {
	var r RecordingMailer
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { _ = r.Send(context.Background(), Mail{To: strconv.Itoa(i) + "@example.com"}) })
	}
	wg.Wait()
	if len(r.Mails()) != 20 {
		t.Errorf("%d mails", len(r.Mails()))
	}
}
