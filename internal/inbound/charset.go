package inbound

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// decodeCharset returns b, written in charset, as valid UTF-8.
//
//   - GB2312, GBK and GB18030 are all read as GB18030, their common superset: Chinese
//     clients label GBK text "gb2312" and GB18030 text "gbk".
//   - ISO-8859-1 is read as Windows-1252, as browsers do: Outlook labels its curly quotes
//     and dashes (bytes 0x80–0x9F, control characters in ISO-8859-1) "iso-8859-1".
//   - No charset, or US-ASCII, is UTF-8 when the bytes are UTF-8 and GB18030 otherwise
//     (8-bit Chinese mail that forgot to say so).
//   - Other charsets are those the WHATWG Encoding Standard names (Big5, Shift_JIS,
//     EUC-KR, KOI8-R, the ISO-8859 and Windows code pages, UTF-16, …); an unknown one is
//     read as UTF-8, invalid bytes replaced by U+FFFD.
func decodeCharset(b []byte, charset string) string {
	cs := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"'`))
	var enc encoding.Encoding
	switch cs {
	case "utf-8", "utf8":
		return strings.ToValidUTF8(string(b), "\uFFFD")
	case "", "us-ascii", "ascii", "ansi_x3.4-1968":
		if utf8.Valid(b) {
			return string(b)
		}
		enc = simplifiedchinese.GB18030
	case "gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn",
		"x-euc-cn", "csgb2312", "gb_2312-80", "chinese", "csgbk":
		enc = simplifiedchinese.GB18030
	case "hz-gb-2312":
		enc = simplifiedchinese.HZGB2312
	case "big5", "big5-hkscs", "x-x-big5", "cn-big5", "csbig5", "cp950":
		enc = traditionalchinese.Big5
	default:
		e, err := htmlindex.Get(cs)
		if err != nil || e == encoding.Replacement {
			return strings.ToValidUTF8(string(b), "\uFFFD")
		}
		enc = e
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// decodeTransfer undoes a part's Content-Transfer-Encoding. 7bit, 8bit, binary and
// encodings this package does not know leave the bytes as they are.
func decodeTransfer(cte string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(b)
	case "quoted-printable":
		return decodeQuotedPrintable(b)
	}
	return b
}

// decodeBase64 decodes base64 leniently: line breaks and other characters outside the
// alphabet are skipped, padding may appear between chunks (clients that encode line by
// line), and an incomplete last group is dropped.
func decodeBase64(b []byte) []byte {
	out := make([]byte, 0, len(b)*3/4)
	chunk := make([]byte, 0, 1024)
	flush := func() {
		if len(chunk)%4 == 1 {
			chunk = chunk[:len(chunk)-1]
		}
		n := len(out)
		out = out[:n+base64.RawStdEncoding.DecodedLen(len(chunk))]
		m, _ := base64.RawStdEncoding.Decode(out[n:], chunk)
		out = out[:n+m]
		chunk = chunk[:0]
	}
	for _, c := range b {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			chunk = append(chunk, c)
		case c == '=':
			flush()
		}
	}
	flush()
	return out
}

// base64Size is the number of bytes decodeBase64 would return, without decoding.
func base64Size(b []byte) int {
	n, chunk := 0, 0
	for _, c := range b {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			chunk++
		case c == '=':
			n += chunk / 4 * 3
			if r := chunk % 4; r > 1 {
				n += r - 1
			}
			chunk = 0
		}
	}
	n += chunk / 4 * 3
	if r := chunk % 4; r > 1 {
		n += r - 1
	}
	return n
}

// decodeQuotedPrintable decodes quoted-printable leniently: "=XX" in either case is a
// byte, "=" at the end of a line a soft line break, any other "=" itself; white space
// that ends a line was added in transport and is removed (RFC 2045 §6.7).
func decodeQuotedPrintable(b []byte) []byte {
	out := make([]byte, 0, len(b))
	var space []byte // literal white space not yet known to be inside a line
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == ' ' || c == '\t':
			space = append(space, c)
			continue
		case c == '\r' || c == '\n':
			space = space[:0]
			out = append(out, c)
			continue
		}
		out = append(out, space...)
		space = space[:0]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		switch {
		case j == len(b):
			i = j
		case b[j] == '\n':
			i = j
		case b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n':
			i = j + 1
		case b[j] == '\r':
			i = j
		default:
			out = append(out, '=')
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
