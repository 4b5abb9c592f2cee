package inbound

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// MustReadFixture returns a message from testdata/.
func MustReadFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// MustParse parses raw and fails the test if it is refused.
func MustParse(t testing.TB, raw []byte) *Email {
	t.Helper()
	e, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return e
}

// crlf writes a message inline with the line ends mail has on the wire.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// A customer answers from a phone's mail app (HUAWEI Email): GBK in base64, both
// alternatives, RMA number in the encoded subject, the desk's message quoted under
// "在 2026年12月5日 10:00,客服 写道:" without ">" marks.
func TestChineseReplyFromPhoneJoinsCaseWithoutQuote(t *testing.T) {
	e := MustParse(t, MustReadFixture(t, "gbk_phone_reply.eml"))
	want := &Email{
		MessageID:  "20261205114203.A7F3@huawei.example.com",
		InReplyTo:  "case-AS261205000123-1@shop.example.com",
		References: []string{"case-AS261205000123-1@shop.example.com"},
		From:       "li.lei@example.com",
		FromName:   "李雷",
		To:         []string{"service@shop.example.com"},
		Subject:    "回复：[AS261205000123] 退货申请",
		Date:       time.Date(2026, 12, 5, 3, 42, 3, 0, time.UTC),
		Text:       "你好，\n\n箱子已经寄出了，顺丰单号 SF1234567890，麻烦查收。\n耳机左边还是没有声音，希望尽快处理。\n\n李雷",
	}
	assertEmail(t, e, want)
	if got := RMA(e.Subject); got != "AS261205000123" {
		t.Errorf("RMA(%q) = %q", e.Subject, got)
	}
}

// The HTML alternative of the same reply, alone, gives the same words: the GBK HTML is
// decoded, <div>s become lines, and the quote goes from "在 … 写道:" on.
func TestChineseReplyHTMLAlternativeAloneGivesSameText(t *testing.T) {
	raw := withoutPart(t, MustReadFixture(t, "gbk_phone_reply.eml"), "------=_Part_123_456.1765000923", 0)
	e := MustParse(t, raw)
	want := "你好，\n\n箱子已经寄出了，顺丰单号 SF1234567890，麻烦查收。\n耳机左边还是没有声音，希望尽快处理。\n\n李雷"
	if e.Text != want {
		t.Errorf("Text = %q, want %q", e.Text, want)
	}
}

// Outlook answers in quoted-printable (soft line breaks, UTF-8 curly apostrophe and en
// dash) above "-----Original Message-----" and a "From: … Sent: …" block.
func TestOutlookReplyDropsOriginalMessage(t *testing.T) {
	e := MustParse(t, MustReadFixture(t, "outlook_reply.eml"))
	want := &Email{
		MessageID: "DB9PR07MB1234567890ABCDEF1234567890AB@DB9PR07MB1234.eurprd07.prod.outlook.com",
		InReplyTo: "case-AS261205000123-2@shop.example.com",
		References: []string{
			"case-AS261205000123-1@shop.example.com", "case-AS261205000123-2@shop.example.com",
		},
		From:     "john.smith@example.co.uk",
		FromName: "John Smith",
		To:       []string{"service@shop.example.com"},
		Subject:  "RE: [AS261205000123] Your return request has been approved",
		Date:     time.Date(2026, 12, 7, 8, 3, 9, 0, time.UTC),
		Text: "Hello,\n\nI’ve sent the blender back today with Royal Mail. The tracking number is " +
			"JX123456789GB – please let me know when it arrives.\n\nKind regards,\nJohn Smith",
	}
	assertEmail(t, e, want)
	if got := RMA(e.Subject); got != "AS261205000123" {
		t.Errorf("RMA = %q", got)
	}
}

// Outlook's HTML alternative, alone, has no "-----Original Message-----": its
// "<b>From:</b> … <b>Sent:</b>" block under a border is where the quote starts.
func TestOutlookHTMLDropsFromSentBlock(t *testing.T) {
	raw := withoutPart(t, MustReadFixture(t, "outlook_reply.eml"), "--_000_DB9PR07MB1234567890ABCDEF1234567890ABDB9PR07MB1234eurp_", 0)
	e := MustParse(t, raw)
	want := "Hello,\n\nI’ve sent the blender back today with Royal Mail. The tracking number is " +
		"JX123456789GB – please let me know when it arrives.\n\nKind regards,\nJohn Smith"
	if e.Text != want {
		t.Errorf("Text = %q, want %q", e.Text, want)
	}
}

// A webmail sends HTML only: <head>, <style>, <script> and comments are not text,
// entities are decoded, white space collapses, <p>/<div>/<br>/<li> make lines, and the
// Gmail-style <blockquote> quote goes with its "On … wrote:" line.
func TestHTMLOnlyMessageBecomesPlainText(t *testing.T) {
	e := MustParse(t, MustReadFixture(t, "html_only.eml"))
	want := "Hello,\nThe lid of my kettle (order #20261201-7788) won't close & the switch clicks off after 10 seconds.\n" +
		"I tried:\n- cleaning the hinge\n- descaling <twice>\nThanks,\nZhang Wei"
	if e.Text != want {
		t.Errorf("Text = %q, want %q", e.Text, want)
	}
	if e.Subject != "Kettle lid won't close" || RMA(e.Subject) != "" {
		t.Errorf("Subject = %q, RMA = %q: a message without a case number is a complaint", e.Subject, RMA(e.Subject))
	}
}

// multipart/mixed with an alternative and two attachments: the photo's name is an
// RFC 2047 encoded word inside quotes (as Gmail writes it), the invoice's is RFC 2231
// (filename*=UTF-8”…); sizes are the decoded bytes.
func TestMixedMessageListsPhotoAndInvoice(t *testing.T) {
	e := MustParse(t, MustReadFixture(t, "mixed_photo.eml"))
	if want := "你好，昨天收到的电水壶外壳有裂缝。照片和发票在附件里。"; e.Text != want {
		t.Errorf("Text = %q, want %q", e.Text, want)
	}
	wantAtt := []Attachment{
		{Name: "破损照片.jpg", ContentType: "image/jpeg", Size: 1234},
		{Name: "发票.pdf", ContentType: "application/pdf", Size: 77},
	}
	if !reflect.DeepEqual(e.Attachments, wantAtt) {
		t.Errorf("Attachments = %+v, want %+v", e.Attachments, wantAtt)
	}
	if want := []string{"service@shop.example.com", "support@shop.example.com"}; !reflect.DeepEqual(e.To, want) {
		t.Errorf("To = %q, want %q", e.To, want)
	}
	if e.From != "wang.fang@example.net" || e.FromName != "Wang Fang" {
		t.Errorf("From = %q %q", e.From, e.FromName)
	}
}

// Encoded words: a UTF-8 subject split across words in the middle of a character
// ("进" is E8 BF | 9B), a GBK Q-encoded display name, and an upper-case address.
func TestEncodedSubjectAndFromNameAreDecoded(t *testing.T) {
	e := MustParse(t, crlf(`From: =?GBK?Q?=C0=EE=C0=D7?= <Li.Lei@Example.COM>
To: service@shop.example.com
Subject: =?UTF-8?B?5Zue5aSN?= =?UTF-8?B?77yaW0FTMjYxMjA1MDAwMTIz?=
 =?UTF-8?Q?=5D_=E9=80=80=E6=AC=BE?= =?UTF-8?Q?=E8=BF?= =?UTF-8?Q?=9B=E5=BA=A6?=
Date: Sat, 5 Dec 2026 12:00:00 +0800
Content-Type: text/plain; charset=utf-8

请问退款什么时候到账？
`))
	if want := "回复：[AS261205000123] 退款进度"; e.Subject != want {
		t.Errorf("Subject = %q, want %q", e.Subject, want)
	}
	if e.FromName != "李雷" || e.From != "li.lei@example.com" {
		t.Errorf("From = %q, FromName = %q", e.From, e.FromName)
	}
	if RMA(e.Subject) != "AS261205000123" {
		t.Errorf("RMA = %q", RMA(e.Subject))
	}
}

// Old Chinese clients write GBK bytes in headers without encoded words.
func TestRawGBKHeadersAreRead(t *testing.T) {
	raw := append([]byte("From: \xcd\xf5\xb7\xbc <wang@example.com>\r\nSubject: \xcd\xcb\xbf\xee AS261205000124\r\n"+
		"Content-Type: text/plain; charset=gbk\r\n\r\n"), "\xcd\xcb\xbf\xee\r\n"...)
	e := MustParse(t, raw)
	if e.FromName != "王芳" || e.Subject != "退款 AS261205000124" || e.Text != "退款" {
		t.Errorf("FromName = %q, Subject = %q, Text = %q", e.FromName, e.Subject, e.Text)
	}
}

// Header values reach the desk on one line and without control characters, whatever
// the encoded words held.
func TestHeaderValuesAreSanitised(t *testing.T) {
	e := MustParse(t, crlf(`From: =?UTF-8?Q?Li=0D=0ABcc:_x@evil.example=09Lei=00?= <li@example.com>
Subject: =?UTF-8?Q?refund=0D=0A=0D=0A<script>=1B[31m?=	 now
Message-ID: < abc@example.com >
Content-Type: text/plain

bell`+"\x07"+` and escape`+"\x1b"+`[0m
`))
	if e.FromName != "Li Bcc: x@evil.example Lei" {
		t.Errorf("FromName = %q", e.FromName)
	}
	if e.Subject != "refund <script>[31m now" {
		t.Errorf("Subject = %q", e.Subject)
	}
	if e.MessageID != "abc@example.com" {
		t.Errorf("MessageID = %q", e.MessageID)
	}
	if e.Text != "bell and escape[0m" {
		t.Errorf("Text = %q", e.Text)
	}
}

func TestMissingOrUnreadableFromRefused(t *testing.T) {
	for _, from := range []string{
		"",           // no From header at all
		"From: \r\n", // empty
		"From: undisclosed-recipients:;\r\n",
		"From: <>\r\n",             // a bounce's null sender
		"From: Li Lei\r\n",         // a name, no address
		"From: li.lei@\r\n",        // no domain
		"From: \"Li Lei <li@x\r\n", // unbalanced
	} {
		raw := []byte(from + "To: service@shop.example.com\r\nSubject: AS261205000123\r\n\r\n你好\r\n")
		assertRefused(t, raw, "from")
	}
}

// A From whose display name net/mail refuses still has an address in angle brackets.
func TestFromWithOddDisplayNameAccepted(t *testing.T) {
	e := MustParse(t, []byte("From: Li \"Lei <LI@example.com>\r\n\r\nhi\r\n"))
	if e.From != "li@example.com" {
		t.Errorf("From = %q", e.From)
	}
}

func TestEmptyBodyRefused(t *testing.T) {
	for name, raw := range map[string][]byte{
		"no body":     []byte("From: li@example.com\r\nSubject: AS261205000123\r\n\r\n"),
		"blank":       []byte("From: li@example.com\r\nSubject: hi\r\n\r\n \r\n\t\r\n"),
		"no newline":  []byte("From: li@example.com"),
		"only quote":  crlf("From: li@example.com\n\nOn Sat, 5 Dec 2026 at 10:00, Desk wrote:\n> Please send it back.\n"),
		"empty parts": crlf("From: li@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n\n--b\nContent-Type: text/html\n\n<p>&nbsp;</p>\n--b--\n"),
	} {
		t.Run(name, func(t *testing.T) { assertRefused(t, raw, "body") })
	}
}

// A photo with no words is a message: the attachment is what the customer sent.
func TestAttachmentWithoutTextAccepted(t *testing.T) {
	e := MustParse(t, crlf("From: li@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"+
		"Content-Type: image/png; name=\"photo.png\"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n"))
	if e.Text != "" || len(e.Attachments) != 1 || e.Attachments[0] != (Attachment{"photo.png", "image/png", 8}) {
		t.Errorf("Text = %q, Attachments = %+v", e.Text, e.Attachments)
	}
}

func TestMessageOver10MBRefused(t *testing.T) {
	head := "From: li@example.com\r\nSubject: photos\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: image/jpeg; name=a.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	raw := append([]byte(head), bytes.Repeat([]byte(strings.Repeat("A", 76)+"\r\n"), 11<<20/78)...)
	if len(raw) < 11<<20-100 {
		t.Fatalf("fixture is %d bytes", len(raw))
	}
	assertRefused(t, raw, "size")
	// The limit is MaxSize itself: a message of exactly 10 MiB is read.
	raw = raw[:MaxSize]
	if e := MustParse(t, raw); len(e.Attachments) != 1 || e.Attachments[0].Size < 7<<20 {
		t.Errorf("Attachments = %+v", e.Attachments)
	}
}

func TestNotAMessageRefused(t *testing.T) {
	for _, raw := range []string{"", "\r\n\r\nFrom: li@example.com\r\n", "hello, this is not an email", "\x00\x01\x02\xff"} {
		assertRefused(t, []byte(raw), "message")
	}
}

func TestErrorSaysWhatWentWrongInBothLanguages(t *testing.T) {
	for _, raw := range [][]byte{nil, []byte("Subject: x\r\n\r\ny"), []byte("From: a@b.c\r\n\r\n"), make([]byte, MaxSize+1)} {
		_, err := Parse(raw)
		var e *Error
		if !errors.As(err, &e) || e.ZH == "" || e.EN == "" || e.Error() != e.EN {
			t.Errorf("Parse error = %#v", err)
		}
		e.ZH = "changed" // a caller cannot change the next caller's message
	}
	if _, err := Parse(nil); err.(*Error).ZH == "changed" {
		t.Error("errors share state")
	}
}

// An mbox "From " line and a missing blank line after the header are tolerated.
func TestLenientEnvelope(t *testing.T) {
	e := MustParse(t, []byte("From li@example.com Sat Dec  5 10:00:00 2026\nFrom: li@example.com\nSubject: x\nbroken header line: ok\n你好\n"))
	if e.Text != "你好" {
		t.Errorf("Text = %q", e.Text)
	}
}

// Limits: at most 100 MIME entities are read and multiparts nest at most 10 deep; what
// lies beyond is ignored, what came before it stays.
func TestMIMELimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: li@example.com\nContent-Type: multipart/mixed; boundary=b\n\n")
	for i := 0; i < 150; i++ {
		b.WriteString("--b\nContent-Type: application/octet-stream\n\nx\n")
	}
	b.WriteString("--b--\n")
	e := MustParse(t, crlf(b.String()))
	if len(e.Attachments) != maxParts-1 {
		t.Errorf("%d attachments, want %d (the message itself is the first entity)", len(e.Attachments), maxParts-1)
	}

	nested := func(levels int) []byte {
		var b strings.Builder
		b.WriteString("From: li@example.com\n")
		for i := 0; i < levels; i++ {
			b.WriteString("Content-Type: multipart/mixed; boundary=b" + strings.Repeat("x", i) + "\n\n--b" + strings.Repeat("x", i) + "\n")
		}
		b.WriteString("Content-Type: text/plain\n\ndeep\n")
		for i := levels - 1; i >= 0; i-- {
			b.WriteString("--b" + strings.Repeat("x", i) + "--\n")
		}
		return crlf(b.String())
	}
	if e := MustParse(t, nested(maxDepth)); e.Text != "deep" {
		t.Errorf("%d levels: Text = %q", maxDepth, e.Text)
	}
	assertRefused(t, nested(maxDepth+1), "body")
}

func assertRefused(t *testing.T, raw []byte, field string) {
	t.Helper()
	e, err := Parse(raw)
	var perr *Error
	if !errors.As(err, &perr) || perr.Field != field {
		t.Errorf("Parse(%.60q) = %+v, %v; want an Error on %q", raw, e, err, field)
	}
}

func assertEmail(t *testing.T, got, want *Email) {
	t.Helper()
	if !got.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", got.Date, want.Date)
	}
	g, w := *got, *want
	g.Date, w.Date = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", g, w)
	}
}

// withoutPart returns raw with the n-th part of the multipart delimited by boundary
// removed.
func withoutPart(t *testing.T, raw []byte, delimiter string, n int) []byte {
	t.Helper()
	parts := strings.Split(string(raw), delimiter+"\r\n")
	if len(parts) < n+3 {
		t.Fatalf("fixture has %d parts", len(parts)-1)
	}
	parts = append(parts[:n+1], parts[n+2:]...)
	return []byte(strings.Join(parts, delimiter+"\r\n"))
}

// BenchmarkParseHostile parses 10 MiB messages shaped to make a careless parser
// quadratic; each was once slow here (seconds to minutes) and is now linear.
func BenchmarkParseHostile(b *testing.B) {
	fill := func(unit string) string { return strings.Repeat(unit, (MaxSize-200)/len(unit)) }
	for name, raw := range map[string]string{
		"folded header":       "From: li@example.com\r\nX-Long: x" + fill("\r\n y") + "\r\n\r\nhi",
		"nested blockquotes":  "From: li@example.com\r\nContent-Type: text/html\r\n\r\n" + fill("<blockquote>x<br>"),
		"unended words":       "From: li@example.com\r\nSubject: " + fill("=?a?B?x ") + "\r\n\r\nhi",
		"one line of dashes":  "From: li@example.com\r\n\r\n" + fill("--"),
		"reply-header lines":  "From: li@example.com\r\n\r\n" + fill("On 5 Dec 2026 the box 在 @ From: x\n"),
		"unended tags":        "From: li@example.com\r\nContent-Type: text/html\r\n\r\n" + fill("<a"),
		"address list commas": "From: li@example.com\r\nTo: " + fill("(a,") + "\r\n\r\nhi",
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				Parse([]byte(raw))
			}
		})
	}
}

// FuzzParse: Parse never panics, and what it returns is safe to store and show.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	for _, s := range fuzzSeeds {
		f.Add(crlf(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Parse(raw)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			return
		}
		for what, s := range map[string]string{"Subject": e.Subject, "FromName": e.FromName, "From": e.From} {
			if strings.ContainsAny(s, "\r\n") || !utf8.ValidString(s) || hasControl(s, "") {
				t.Fatalf("%s = %q", what, s)
			}
		}
		if e.From == "" {
			t.Fatal("accepted without a From address")
		}
		if !utf8.ValidString(e.Text) || hasControl(e.Text, "\n\t") || e.Text != strings.TrimSpace(e.Text) {
			t.Fatalf("Text = %q", e.Text)
		}
		if e.Text == "" && len(e.Attachments) == 0 {
			t.Fatal("accepted without text or attachments")
		}
		for _, a := range e.Attachments {
			if hasControl(a.Name, "") || !utf8.ValidString(a.Name) || !validMediaType(a.ContentType) || a.Size < 0 {
				t.Fatalf("attachment %+v", a)
			}
		}
		for _, id := range append([]string{e.MessageID, e.InReplyTo}, e.References...) {
			if hasControl(id, "") || strings.ContainsAny(id, " <>") {
				t.Fatalf("id %q", id)
			}
		}
		if r := RMA(e.Subject); r != "" && (len(r) != 14 || !strings.HasPrefix(r, "AS")) {
			t.Fatalf("RMA(%q) = %q", e.Subject, r)
		}
	})
}

// hasControl reports whether s holds a control character other than those in allowed.
func hasControl(s, allowed string) bool {
	for _, r := range s {
		if (r < 0x20 || r >= 0x7f && r <= 0x9f) && !strings.ContainsRune(allowed, r) {
			return true
		}
	}
	return false
}

// fuzzSeeds are small messages that reach the parser's other paths.
var fuzzSeeds = []string{
	"From: =?GBK?Q?=C0=EE=C0=D7?= <Li.Lei@Example.COM>\nSubject: =?UTF-8?B?5Zue5aSN?= =?UTF-8?Q?=E8=BF?=\n\nhi\n",
	"From: li@example.com\nContent-Type: text/plain; charset=big5\nContent-Transfer-Encoding: quoted-printable\n\n=B0h=B3f\n",
	"From: li@example.com\nContent-Type: text/plain; format=flowed; delsp=yes\n\nline one \nline two\n> quoted \n> more\n-- \nsig\n",
	"From: li@example.com\nContent-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/html\n\n<p>x<blockquote>q</blockquote><pre> a\n b</pre>\n--a--\n",
	"From: li@example.com\nContent-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain; name*0*=gbk''%CD%F5; name*1=.txt\n\nx\n--m\n",
	"From: li@example.com\n\n在 2026年12月5日 10:00,客服 写道：\n发件人：客服\n发送时间：2026年12月5日\n-----原始邮件-----\n",
}
