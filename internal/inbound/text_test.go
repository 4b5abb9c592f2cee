package inbound

import (
	"strings"
	"testing"
)

// Quoted text removal: ">" lines, reply headers and what follows them, and the
// signature after "-- " go; the customer's words stay.
func TestQuotedTextRemoved(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"gmail English, > quote",
			"Box sent.\n\nOn Sat, Dec 5, 2026 at 10:00 AM Service Desk <desk@shop.example.com> wrote:\n\n> Please send it back.\n> Thanks\n",
			"Box sent."},
		{"wrote header wrapped over two lines",
			"Box sent.\n\nOn Sat, Dec 5, 2026 at 10:00 AM Aftersales Service Desk <\ndesk@shop.example.com> wrote:\n> Please send it back.\n",
			"Box sent."},
		{"bottom-posted answer under a > quote stays",
			"On 05/12/2026 10:00, Service Desk wrote:\n> What is the tracking number?\n\nIt is SF1234567890.\n",
			"It is SF1234567890."},
		{"interleaved answers stay",
			"> Which colour?\nBlack.\n> Which size?\nXL.\n",
			"Black.\nXL."},
		{"Chinese header, half-width colon, quote not marked",
			"已寄出。\n\n在 2026年12月5日 10:00,客服 写道:\n请寄回商品。\n售后服务中心\n",
			"已寄出。"},
		{"Chinese header, full-width colon, no space before 写道",
			"已寄出。\n在 2026-12-05 10:00:00，\"客服\"<desk@shop.example.com>写道：\n请寄回商品。\n",
			"已寄出。"},
		{"Gmail in Chinese",
			"好的\n\n客服 <desk@shop.example.com> 于2026年12月5日周六 10:00写道：\n\n> 请寄回商品。\n",
			"好的"},
		{"Outlook -----Original Message-----",
			"Sent today.\n\n-----Original Message-----\nFrom: Desk\nPlease send it back.\n",
			"Sent today."},
		{"-----原始邮件-----",
			"已寄出\n-----原始邮件-----\n请寄回\n",
			"已寄出"},
		{"QQ Mail 原始邮件",
			"已寄出\n\n------------------ 原始邮件 ------------------\n发件人: \"客服\"<desk@shop.example.com>;\n发送时间: 2026年12月5日(星期六) 上午10:00\n",
			"已寄出"},
		{"From: Sent: block under Outlook's underscore line",
			"Thanks\n\n________________________________\nFrom: Service Desk <desk@shop.example.com>\nSent: Saturday, December 5, 2026 10:00:00 AM\nTo: John\nSubject: RE: AS261205000123\n\nPlease send it back.\n",
			"Thanks"},
		{"bold *From:* block with Date:",
			"Thanks\n\n*From:* Service Desk <desk@shop.example.com>\n*Date:* Sat, 5 Dec 2026\n*Subject:* x\n",
			"Thanks"},
		{"From: Sent: on one line",
			"Thanks\nFrom: Service Desk Sent: Saturday To: John\nold text\n",
			"Thanks"},
		{"Foxmail 发件人：block",
			"收到，谢谢\n\n发件人：客服\n发送时间：2026-12-05 10:00\n收件人：李雷\n主题：退货\n\n请寄回\n",
			"收到，谢谢"},
		{"发件人: with half-width colon and 时间",
			"收到\n发件人: 客服 <desk@shop.example.com>\n时间: 2026年12月5日\n",
			"收到"},
		{"signature after -- ",
			"Box sent.\n\n-- \nJohn Smith\nACME Ltd\n",
			"Box sent."},
		{"blank-line runs become one; trailing space goes",
			"Line one   \n\n\n\nLine two\n",
			"Line one\n\nLine two"},
		// The customer's own words that look like headers stay.
		{"说明书上写道 is no reply header",
			"在说明书第3页上写道：\n可以免费换新。\n",
			"在说明书第3页上写道：\n可以免费换新。"},
		{"On … wrote without a date stays",
			"On the box you wrote:\nfragile\n",
			"On the box you wrote:\nfragile"},
		{"From: alone stays",
			"From: my home address\nto your warehouse\n",
			"From: my home address\nto your warehouse"},
		{"-- without the space stays",
			"price -- 30 yuan\n--\nok\n",
			"price -- 30 yuan\n--\nok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := stripQuoted(tc.in); got != tc.want {
				t.Errorf("stripQuoted(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"br, p and div make lines", "a<br>b<p>c</p><div><div>d</div></div>e", "a\nb\nc\nd\ne"},
		{"empty lines from br", "a<br><br>b", "a\n\nb"},
		{"white space collapses", "  a \n\t b  c  ", "a b c"},
		{"no-break spaces do not", "a&nbsp;&nbsp;b<p>&nbsp;</p>c", "a  b\n\nc"},
		{"entities", "&lt;x&gt; &amp; &quot;y&quot; &#20320;&#x597D; &euro;", "<x> & \"y\" 你好 €"},
		{"style, script, head dropped", "<head><title>T</title></head><STYLE>p{x:1}</STYLE><script type=x>if (a<b) {}</script>ok", "ok"},
		{"unclosed script drops the rest", "ok<script>x", "ok"},
		{"comments dropped", "a<!-- <p>b</p> -->c", "ac"},
		{"attributes with >", `<a title="1 > 0" href='x'>link</a>`, "link"},
		{"a lone < is text", "1 < 2 and 3<4", "1 < 2 and 3<4"},
		{"doctype and conditional comments", "<!DOCTYPE html><![if !mso]>x<![endif]>", "x"},
		{"Outlook o:p is no paragraph", "<p>a<o:p></o:p>b</p>", "ab"},
		{"list items", "<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"table cells", "<table><tr><td>SKU</td><td>qty</td></tr><tr><td>A1</td><td>2</td></tr></table>", "SKU qty\nA1 2"},
		{"blockquote lines quoted", "me<blockquote>q1<br>q2<blockquote>qq</blockquote></blockquote>me2", "me\n> q1\n> q2\n> > qq\nme2"},
		{"pre keeps white space", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"signature separator keeps its space", "hi<br>-- <br>John", "hi\n-- \nJohn"},
		{"unterminated tag", "a<div class='x", "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := htmlToText(tc.in); got != tc.want {
				t.Errorf("htmlToText(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
			}
		})
	}
}

// Charsets: the Chinese ones, Big5, Latin-1 as Windows-1252, and what happens to a
// charset nobody knows.
func TestBodyCharsetsDecoded(t *testing.T) {
	for _, tc := range []struct {
		name, charset, cte, body, want string
	}{
		{"gbk", "gbk", "8bit", "\xcd\xcb\xbf\xee", "退款"},
		{"gb2312 labelled, GBK bytes", "gb2312", "8bit", "\xcd\xcb\xbf\xee", "退款"},
		{"gb18030 four-byte", "GB18030", "base64", "lTKCNqLj", "𠀀€"},
		{"big5", "big5", "quoted-printable", "=B0h=B3f", "退貨"},
		{"iso-8859-1", "iso-8859-1", "quoted-printable", "Caf=E9 =93ok=94", "Café “ok”"},
		{"utf-8 invalid bytes replaced", "utf-8", "8bit", "a\xffb", "a\uFFFDb"},
		{"unknown charset read as UTF-8", "x-made-up", "8bit", "好\xff", "好\uFFFD"},
		{"no charset, GBK bytes", "", "8bit", "\xcd\xcb\xbf\xee", "退款"},
		{"quoted charset", `"UTF-8"`, "base64", "5aW9", "好"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := "text/plain"
			if tc.charset != "" {
				ct += "; charset=" + tc.charset
			}
			raw := "From: li@example.com\r\nContent-Type: " + ct + "\r\nContent-Transfer-Encoding: " + tc.cte + "\r\n\r\n" + tc.body + "\r\n"
			e := MustParse(t, []byte(raw))
			if e.Text != tc.want {
				t.Errorf("Text = %q, want %q", e.Text, tc.want)
			}
		})
	}
}

func TestTransferEncodingsAreLenient(t *testing.T) {
	for _, tc := range []struct{ name, cte, body, want string }{
		{"base64 with odd line breaks and junk", "base64", "5L2g\r\n5aW9 !\r\n", "你好"},
		{"base64 padded line by line", "BASE64", "5L2g5aW9\r\naGk=\r\naGk=\r\n", "你好hihi"},
		{"qp soft breaks and lower-case hex", "quoted-printable", "a=e4=bd=\r\n=a0b=\r\n", "a你b"},
		{"qp stray = and trailing space", "quoted-printable", "1+1=2   \r\nx = y\r\n", "1+1=2\nx = y"},
		{"qp control byte kept as a byte, then cleaned", "quoted-printable", "a\x01b\r\n", "ab"},
		{"unknown encoding left as it is", "x-uuencode", "plain", "plain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := "From: li@example.com\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: " + tc.cte + "\r\n\r\n" + tc.body
			if e := MustParse(t, []byte(raw)); e.Text != tc.want {
				t.Errorf("Text = %q, want %q", e.Text, tc.want)
			}
		})
	}
}

// format=flowed (Apple Mail, Thunderbird): soft breaks are joined, the quote still goes.
func TestFormatFlowedJoined(t *testing.T) {
	raw := crlf("From: li@example.com\nContent-Type: text/plain; charset=utf-8; format=flowed\n\n" +
		"The blender arrived with a cracked \njug. \nPlease advise.\n\nOn 5 Dec 2026, at 10:00, Desk <d@example.com> wrote:\n\n> Did it \n> arrive?\n")
	if e := MustParse(t, raw); e.Text != "The blender arrived with a cracked jug. Please advise." {
		t.Errorf("Text = %q", e.Text)
	}
	// delsp=yes: the space before a soft break was added by the sender's client.
	raw = crlf("From: li@example.com\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\n" +
		"耳机左边 \n没有声音。\n")
	if e := MustParse(t, raw); e.Text != "耳机左边没有声音。" {
		t.Errorf("Text = %q", e.Text)
	}
	if got := unflow(" >not quoted\n>> two \n>> lines\n-- \nsig", false); got != ">not quoted\n>> two lines\n-- \nsig" {
		t.Errorf("unflow = %q", got)
	}
}

// multipart/alternative prefers plain text, but not an empty one.
func TestAlternativePrefersPlainText(t *testing.T) {
	msg := func(plain string) []byte {
		return crlf("From: li@example.com\nContent-Type: multipart/alternative; boundary=x\n\n--x\n" +
			"Content-Type: text/html\n\n<b>html</b>\n--x\nContent-Type: text/plain\n\n" + plain + "\n--x--\n")
	}
	if e := MustParse(t, msg("plain")); e.Text != "plain" {
		t.Errorf("Text = %q, want the plain alternative", e.Text)
	}
	if e := MustParse(t, msg("  ")); e.Text != "html" {
		t.Errorf("Text = %q, want the HTML when the plain text is empty", e.Text)
	}
}

// The texts of multipart/mixed are joined; text files, signatures and forwarded mail
// are not text of the message.
func TestMixedPartsJoinedAndClassified(t *testing.T) {
	raw := crlf(`From: li@example.com
Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=s

--s
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: text/plain

Part one.
--m
Content-Type: image/jpeg; name=IMG_0001.JPG
Content-Disposition: inline; filename=IMG_0001.JPG
Content-Transfer-Encoding: base64

/9j/4AAQ
--m
Content-Type: text/html

<p>Part two.</p>
--m
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename="serial numbers.txt"

SN1
SN2
--m
Content-Type: message/rfc822

From: desk@example.com

old
--m
Content-Type: application/octet-stream; name=` + "\"\xe5\x8f\x91\xe7\xa5\xa8 2026.pdf\"" + `

%PDF
--m
Content-Type: application/pdf
Content-Disposition: attachment; filename*=gbk''%B7%A2%C6%B1.pdf

%PDF
--m--
--s
Content-Type: application/pkcs7-signature; name=smime.p7s

MIIB
--s--
`)
	e := MustParse(t, raw)
	if e.Text != "Part one.\n\nPart two." {
		t.Errorf("Text = %q", e.Text)
	}
	want := []Attachment{
		{"IMG_0001.JPG", "image/jpeg", 6},
		{"serial numbers.txt", "text/plain", 8},
		{"", "message/rfc822", 29},
		{"发票 2026.pdf", "application/octet-stream", 4},
		{"发票.pdf", "application/pdf", 4},
	}
	if len(e.Attachments) != len(want) {
		t.Fatalf("Attachments = %+v, want %+v", e.Attachments, want)
	}
	for i := range want {
		if e.Attachments[i] != want[i] {
			t.Errorf("attachment %d = %+v, want %+v", i, e.Attachments[i], want[i])
		}
	}
}

func TestEncodedWordsDecoded(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"=?utf-8?q?caf=C3=A9?=", "café"},
		{"=?UTF-8?B?5aW9?= =?UTF-8?B?5aW9?=", "好好"},                  // space between words dropped
		{"=?UTF-8?B?5aW9?= and =?UTF-8?B?5aW9?=", "好 and 好"},         // not between text
		{"Re:=?utf-8?B?5aW9?=", "Re:好"},                              // no space before
		{"=?GBK?Q?=CD=CB?= =?gbk?Q?=BF=EE?=", "退款"},                  // charset case differs
		{"=?GB2312?B?zcu/7g==?=", "退款"},                              //
		{"=?utf-8*zh?Q?=E5=A5=BD?=", "好"},                            // RFC 2231 language
		{"=?ISO-8859-1?Q?Caf=E9?= =?UTF-8?Q?_=E5=A5=BD?=", "Café 好"}, // charsets change
		{"=?x-unknown?Q?a=FFb?=", "a\uFFFDb"},
		{"=?utf-8?x?abc?= =?broken", "=?utf-8?x?abc?= =?broken"},
		{"=?utf-8?q?a b?=", "=?utf-8?q?a b?="}, // white space inside: not a word
	} {
		if got := decodeHeader(tc.in); got != tc.want {
			t.Errorf("decodeHeader(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMessageIDs(t *testing.T) {
	got := ids("<a@x>\r\n <b@x> (comment) <c@x>")
	if strings.Join(got, ",") != "a@x,b@x,c@x" {
		t.Errorf("ids = %q", got)
	}
	if got := ids("a@x b@x"); strings.Join(got, ",") != "a@x,b@x" {
		t.Errorf("ids without brackets = %q", got)
	}
	if firstID("") != "" || firstID("<>") != "" {
		t.Error("empty ids")
	}
}
