// Package inbound reads the email customers send to the service desk's email channel
// (邮件渠道): an RFC 5322 message with its MIME parts becomes an Email — who sent it, what
// it answers, the subject (whose RMA number, if any, names the case it joins; without one
// it becomes a complaint), the new text the sender wrote with quoted earlier messages
// removed, and the attachments it carried. The package does no I/O: the mailbox adapter
// hands it the raw bytes.
//
// Mail is parsed leniently (real clients bend every rule: raw GBK in headers, encoded
// words split inside a character, charsets mislabelled, parts without closing
// boundaries), but what comes out is clean: valid UTF-8, no control characters but
// "\n" and "\t" in Text, and single-line header values.
package inbound

import (
	"bytes"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// MaxSize is the largest raw message Parse accepts, in bytes (10 MiB); a larger one is
// refused with an Error whose Field is "size".
const MaxSize = 10 << 20

// maxHeader bounds the part of a header value that is read, in bytes. Real From, To,
// Subject and References values are far shorter (a long thread's References run to a
// few kilobytes); the bound keeps a 10 MB header from costing seconds.
const maxHeader = 64 << 10

// get returns the first value of a header field, at most maxHeader bytes of it.
func get(h textproto.MIMEHeader, key string) string {
	v := h.Get(key)
	if len(v) > maxHeader {
		v = v[:maxHeader]
	}
	return v
}

// Limits on the MIME structure. Parts beyond maxParts (every entity counts: the message
// itself, each multipart and each leaf) and multiparts nested deeper than maxDepth are
// ignored, not refused: what came before them is still the customer's message.
const (
	maxParts = 100
	maxDepth = 10
)

// Email is one inbound message as the service desk uses it.
type Email struct {
	MessageID  string    // Message-ID without <>; "" if absent
	InReplyTo  string    // In-Reply-To without <>
	References []string  // References without <>, oldest first
	From       string    // the sender's address only, lower-cased (li.lei@example.com)
	FromName   string    // the sender's display name, RFC 2047 decoded (李雷)
	To         []string  // the To addresses, lower-cased
	Subject    string    // RFC 2047 decoded, white space collapsed to single spaces
	Date       time.Time // the Date header; zero if absent or unreadable
	// Text is the new text the sender wrote: text/plain preferred, else text/html
	// converted to plain text; decoded to UTF-8; quoted earlier messages, reply headers
	// ("On … wrote:", "在 … 写道：", "-----Original Message-----", "From: … Sent: …",
	// "发件人：…") and the signature after "-- " removed; trimmed.
	Text string
	// Attachments are the files the message carried, in order. The signature part of
	// signed mail (smime.p7s, signature.asc) is not one.
	Attachments []Attachment
}

// Attachment is a file the message carried: its name, its media type and its decoded
// size in bytes. The bytes themselves are not kept.
type Attachment struct {
	Name        string // file name as the sender's client gave it, cleaned; may be ""
	ContentType string // media type without parameters, lower-cased (image/jpeg)
	Size        int
}

// Error is why a message cannot be taken in. Field is "size", "message" (not an email
// at all), "from" (no sender address, or one that cannot be read) or "body" (neither text
// nor attachments). ZH and EN say it to the person whose message it was.
type Error struct {
	Field string
	ZH    string
	EN    string
}

// Error returns the English message.
func (e *Error) Error() string { return e.EN }

var (
	errSize    = &Error{Field: "size", ZH: "邮件超过 10 MB 的大小上限", EN: "the message is larger than the 10 MB limit"}
	errMessage = &Error{Field: "message", ZH: "无法识别这封邮件的格式", EN: "the message is not an email that can be read"}
	errFrom    = &Error{Field: "from", ZH: "邮件缺少发件人地址，或发件人地址无法识别", EN: "the message has no sender (From) address, or it cannot be read"}
	errBody    = &Error{Field: "body", ZH: "邮件没有正文，也没有附件", EN: "the message has no text and no attachments"}
)

// fail returns a copy of e, so that no caller can change the package's messages.
func fail(e *Error) *Error { c := *e; return &c }

// Parse reads a raw message (RFC 5322, with MIME). The error, when there is one, is an
// *Error.
func Parse(raw []byte) (*Email, error) {
	if len(raw) > MaxSize {
		return nil, fail(errSize)
	}
	h, body, ok := splitMessage(raw)
	if !ok {
		return nil, fail(errMessage)
	}
	e := &Email{
		MessageID:  firstID(get(h, "Message-Id")),
		InReplyTo:  firstID(get(h, "In-Reply-To")),
		References: ids(get(h, "References")),
		Subject:    oneLine(decodeHeader(get(h, "Subject"))),
		Date:       parseDate(get(h, "Date")),
		To:         parseAddressList(get(h, "To")),
	}
	var ok2 bool
	if e.From, e.FromName, ok2 = parseFrom(get(h, "From")); !ok2 {
		return nil, fail(errFrom)
	}
	w := &walker{parts: 1}
	c := w.entity(h, body, 0)
	e.Text = stripQuoted(c.text)
	e.Attachments = w.attachments
	if e.Text == "" && len(e.Attachments) == 0 {
		return nil, fail(errBody)
	}
	return e, nil
}

// splitMessage splits raw into its header fields and its body. It is lenient: an mbox
// "From " line and a byte-order mark before the header are skipped, header lines that
// are not fields are ignored, and a missing blank line after the header is tolerated. It
// fails only when there is no header field at all.
func splitMessage(raw []byte) (textproto.MIMEHeader, []byte, bool) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(raw, []byte("From ")) { // mbox envelope line
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	h := textproto.MIMEHeader{}
	var (
		key   string // the field being read; "" after a line that is no field
		value []byte // its value so far, folded lines joined
	)
	commit := func() {
		if key != "" {
			h[key] = append(h[key], string(value))
		}
		key, value = "", value[:0]
	}
	for rest := raw; len(rest) > 0; {
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			commit()
			return h, next, len(h) > 0
		}
		if line[0] == ' ' || line[0] == '\t' {
			if key != "" {
				value = append(value, line...)
			}
			rest = next
			continue
		}
		commit()
		k, v, ok := field(line)
		switch {
		case ok:
			key, value = k, append(value, v...)
		case len(h) > 0 && bytes.IndexByte(line, ':') < 0:
			// a body that starts without the blank line
			return h, rest, true
		}
		rest = next
	}
	commit()
	return h, nil, len(h) > 0
}

// field splits a header line "Name: value" into its canonical name and its value.
func field(line []byte) (string, []byte, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", nil, false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return "", nil, false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return "", nil, false
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(name)), line[i+1:], true
}

// parseDate returns the Date header's time, or the zero time.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	t, err := mail.ParseDate(v)
	if err != nil {
		return time.Time{}
	}
	return t
}
