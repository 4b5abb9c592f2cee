package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Mail is one email to one person.
type Mail struct {
	To, ToName string // the recipient's address and display name
	Subject    string // one line; CR and LF are dropped anyway
	Text, HTML string // the plain-text and HTML bodies; HTML may be empty
	// ID is the idempotency key of the notification (an outbox message and its recipient):
	// it becomes the Message-ID <ID@aftersales>, so a receiver can drop the duplicate that a
	// retry after a lost reply sends. Empty: a random Message-ID.
	ID string
	// Locale is the language of the mail, "zh" or "en", for its Content-Language.
	Locale string
	// Attachments are files sent with the mail (a scheduled report's export).
	Attachments []Attachment
}

// Attachment is a file attached to a mail.
type Attachment struct {
	Name        string // the file name the reader sees
	ContentType string // e.g. text/csv
	Data        []byte
}

// Mailer sends email.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// MessageIDDomain is the right-hand side of the Message-IDs made from Mail.ID.
const MessageIDDomain = "aftersales"

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

// TLS modes, as the tls parameter of an SMTP URL names them.
const (
	// TLSOpportunistic uses STARTTLS when the server offers it, plain text otherwise: the
	// default for smtp://.
	TLSOpportunistic TLSMode = "opportunistic"
	TLSNone          TLSMode = "none"     // never encrypt: local relays and tests
	TLSStartTLS      TLSMode = "starttls" // STARTTLS required: refuse a server without it
	TLSImplicit      TLSMode = "tls"      // TLS from the first byte (SMTPS); smtps:// implies it
)

// SMTPConfig is where and how to send email, as ParseSMTPURL reads it.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // "" for no authentication
	Password string
	From     string // the sender's address
	FromName string // the sender's display name, may be empty
	TLS      TLSMode
	Timeout  time.Duration // for connecting and for each command
}

// String is the configuration as an URL without the password, for logs.
func (c SMTPConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.TLS == TLSImplicit {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	q := url.Values{"from": {c.From}, "tls": {string(c.TLS)}}
	if c.FromName != "" {
		q.Set("from_name", c.FromName)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// URLError is a problem with one part of an SMTP URL. It never holds the password.
type URLError struct {
	Field   string // "scheme", "host", "port", "user", "from", "from_name", "tls", "timeout", or a parameter's name
	Problem string
}

// Error says which part is wrong and how.
func (e *URLError) Error() string { return "smtp url: " + e.Field + ": " + e.Problem }

// DefaultSMTPTimeout bounds connecting and each SMTP command when the URL sets no timeout.
const DefaultSMTPTimeout = 15 * time.Second

// ParseSMTPURL reads smtp://[user[:pass]@]host[:port]?from=addr[&from_name=…][&tls=none|starttls|tls][&timeout=10s].
// smtps:// means TLS from the first byte. The port defaults to 25 for smtp and 465 for
// smtps; tls defaults to opportunistic STARTTLS for smtp (use tls=none for a test server).
// User and password are percent-encoded as in any URL.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	var c SMTPConfig
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // ue.URL would print the password
			err = ue.Err
		}
		return c, &URLError{"url", err.Error()}
	}
	switch u.Scheme {
	case "smtp":
		c.Port, c.TLS = 25, TLSOpportunistic
	case "smtps":
		c.Port, c.TLS = 465, TLSImplicit
	case "":
		return c, &URLError{"scheme", "missing: the URL must start with smtp:// or smtps://"}
	default:
		return c, &URLError{"scheme", fmt.Sprintf("%q: want smtp or smtps", u.Scheme)}
	}
	if u.Opaque != "" {
		return c, &URLError{"host", "missing: write smtp://host, with two slashes"}
	}
	if c.Host = u.Hostname(); c.Host == "" {
		return c, &URLError{"host", "missing"}
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, &URLError{"port", fmt.Sprintf("%q: want a number from 1 to 65535", p)}
		}
		c.Port = n
	}
	if u.Path != "" && u.Path != "/" {
		return c, &URLError{"path", fmt.Sprintf("%q: an SMTP URL has no path", u.Path)}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return c, &URLError{"user", "empty user name before @"}
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return c, &URLError{"query", err.Error()}
	}
	for k, vs := range q {
		if len(vs) > 1 {
			return c, &URLError{k, "given more than once"}
		}
	}
	c.Timeout = DefaultSMTPTimeout
	for k, vs := range q {
		v := vs[0]
		switch k {
		case "from":
			a, err := mail.ParseAddress(v)
			if err != nil || a.Name != "" {
				return c, &URLError{"from", fmt.Sprintf("%q: want a bare email address such as noreply@example.com", v)}
			}
			c.From = a.Address
		case "from_name":
			if strings.ContainsAny(v, "\r\n") {
				return c, &URLError{"from_name", "must be one line"}
			}
			c.FromName = strings.TrimSpace(v)
		case "tls":
			switch m := TLSMode(strings.ToLower(v)); m {
			case TLSNone, TLSStartTLS, TLSOpportunistic:
				if c.TLS == TLSImplicit {
					return c, &URLError{"tls", fmt.Sprintf("%q: smtps:// is always TLS; use smtp:// for %s", v, m)}
				}
				c.TLS = m
			case TLSImplicit:
				c.TLS = m
				if u.Port() == "" {
					c.Port = 465
				}
			default:
				return c, &URLError{"tls", fmt.Sprintf("%q: want none, starttls or tls", v)}
			}
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return c, &URLError{"timeout", fmt.Sprintf("%q: want a positive duration such as 10s", v)}
			}
			c.Timeout = d
		default:
			return c, &URLError{k, "unknown parameter (known: from, from_name, tls, timeout)"}
		}
	}
	if c.From == "" {
		return c, &URLError{"from", "missing: add ?from=noreply@example.com"}
	}
	return c, nil
}

// SMTPMailer sends email through one SMTP server, a connection per mail.
type SMTPMailer struct {
	cfg SMTPConfig
}

// NewSMTPMailer is a mailer for the server of an SMTP URL (see ParseSMTPURL).
func NewSMTPMailer(rawURL string) (*SMTPMailer, error) {
	cfg, err := ParseSMTPURL(rawURL)
	if err != nil {
		return nil, err
	}
	return &SMTPMailer{cfg: cfg}, nil
}

// Config is the mailer's configuration.
func (m *SMTPMailer) Config() SMTPConfig { return m.cfg }

// Send delivers mail as multipart/alternative (plain text and HTML, UTF-8, quoted-printable,
// the subject encoded for non-ASCII). An error means the mail was not accepted: the server
// is down or slow (retry later) or refused it; a refusal for good (SMTP 5xx, or an address
// that cannot be written) is a *PermanentError, see Permanent.
func (m *SMTPMailer) Send(ctx context.Context, ml Mail) error {
	msg, err := m.message(ml)
	if err != nil {
		return &PermanentError{Err: err}
	}
	client, err := gomail.NewClient(m.cfg.Host, m.options()...)
	if err != nil {
		return fmt.Errorf("smtp client for %s: %w", m.cfg.Host, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		err = fmt.Errorf("send mail to %s via %s:%d: %w", ml.To, m.cfg.Host, m.cfg.Port, err)
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return &PermanentError{Err: err}
		}
		return err
	}
	return nil
}

func (m *SMTPMailer) options() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(m.cfg.Timeout)}
	switch m.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	return opts
}

// message builds the MIME message of ml.
func (m *SMTPMailer) message(ml Mail) (*gomail.Msg, error) {
	if strings.TrimSpace(ml.Text) == "" && strings.TrimSpace(ml.HTML) == "" {
		return nil, errors.New("mail has no body")
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.FromFormat(oneLine(m.cfg.FromName), m.cfg.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", m.cfg.From, err)
	}
	to, err := mail.ParseAddress(strings.TrimSpace(ml.To))
	if err != nil {
		return nil, fmt.Errorf("to %q: not an email address", ml.To)
	}
	if err := msg.AddToFormat(oneLine(ml.ToName), to.Address); err != nil {
		return nil, fmt.Errorf("to %q: %w", ml.To, err)
	}
	msg.Subject(oneLine(ml.Subject))
	if ml.ID != "" {
		msg.SetMessageIDWithValue(messageIDLeft(ml.ID) + "@" + MessageIDDomain)
	} else {
		msg.SetMessageID()
	}
	msg.SetDate()
	msg.SetUserAgent("aftersales")
	if ml.Locale == "en" {
		msg.SetGenHeader(gomail.HeaderContentLang, "en")
	} else if ml.Locale == "zh" {
		msg.SetGenHeader(gomail.HeaderContentLang, "zh-CN")
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies, please
	switch {
	case ml.Text != "" && ml.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, ml.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, ml.HTML)
	case ml.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, ml.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, ml.Text)
	}
	for _, a := range ml.Attachments {
		msg.AttachReadSeeker(oneLine(a.Name), bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
	}
	return msg, nil
}

// messageIDLeft makes an idempotency key the left part of a Message-ID (RFC 5322
// dot-atom-text), one to one: characters outside atext, "=" and misplaced dots become =XX.
func messageIDLeft(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		dotOK := c == '.' && i > 0 && i < len(id)-1 && id[i-1] != '.'
		if c != '=' && (atext(c) || dotOK) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}

func atext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/?^_`{|}~", c) >= 0
}

// PermanentError is a mail that will never be accepted as it is: the server refused it
// with a 5xx reply, or an address cannot be written. Retrying does not help.
type PermanentError struct{ Err error }

// Error is the refusal, marked permanent.
func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }

// Unwrap is the refusal.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent reports whether err is a refusal for good (a *PermanentError): the caller should
// give the mail up rather than retry it.
func Permanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// RecordingMailer keeps the mails it is asked to send, for tests. Err, when set before use,
// is returned by every Send (the mail is not kept). Safe for concurrent use.
type RecordingMailer struct {
	Err   error
	mu    sync.Mutex
	mails []Mail
}

// Send keeps ml.
func (r *RecordingMailer) Send(_ context.Context, ml Mail) error {
	if r.Err != nil {
		return r.Err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mails = append(r.mails, ml)
	return nil
}

// Mails are the mails sent so far, oldest first.
func (r *RecordingMailer) Mails() []Mail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Mail(nil), r.mails...)
}
