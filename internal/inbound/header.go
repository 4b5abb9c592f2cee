package inbound

import (
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/text"
)

// addressParser reads address headers; its encoded words may be in any charset
// decodeCharset knows.
var addressParser = &mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(decodeCharset(b, charset)), nil
	},
}}

// parseFrom returns the sender's address (lower-cased) and display name from a From
// header. When the header lists several addresses the first is the sender. ok is false
// when there is no address that can be read.
func parseFrom(v string) (addr, name string, ok bool) {
	v = strings.TrimSpace(headerUTF8(v))
	if v == "" {
		return "", "", false
	}
	list, err := addressParser.ParseList(v)
	if err != nil || len(list) == 0 {
		// A display name net/mail refuses (an unbalanced quote, a stray "@") does not
		// make the address in angle brackets unreadable.
		lt, gt := strings.LastIndexByte(v, '<'), strings.LastIndexByte(v, '>')
		if lt < 0 || gt < lt {
			return "", "", false
		}
		a, err := addressParser.Parse(v[lt+1 : gt])
		if err != nil {
			return "", "", false
		}
		addr, ok = cleanAddress(a.Address)
		return addr, oneLine(phrase(v[:lt])), ok
	}
	name = list[0].Name
	if len(list) == 1 && strings.Contains(v, "=?") {
		// net/mail decodes each encoded word on its own; a name whose GBK or UTF-8
		// bytes were split between two words decodes only when they are joined first.
		if lt := strings.LastIndexByte(v, '<'); lt > 0 {
			if n := phrase(v[:lt]); n != "" {
				name = n
			}
		}
	}
	addr, ok = cleanAddress(list[0].Address)
	return addr, oneLine(name), ok
}

// maxAddresses bounds how many comma-separated entries of an address list that
// net/mail refuses are tried one by one.
const maxAddresses = 1000

// parseAddressList returns the addresses of an address-list header (To), lower-cased.
// Entries that cannot be read are skipped.
func parseAddressList(v string) []string {
	v = strings.TrimSpace(headerUTF8(v))
	if v == "" {
		return nil
	}
	list, err := addressParser.ParseList(v)
	if err != nil {
		list = nil
		for _, part := range strings.SplitN(v, ",", maxAddresses+1)[:min(strings.Count(v, ",")+1, maxAddresses)] {
			a, err := addressParser.Parse(part)
			if err != nil {
				lt, gt := strings.LastIndexByte(part, '<'), strings.LastIndexByte(part, '>')
				if lt < 0 || gt < lt {
					continue
				}
				if a, err = addressParser.Parse(part[lt+1 : gt]); err != nil {
					continue
				}
			}
			list = append(list, a)
		}
	}
	var out []string
	for _, a := range list {
		if addr, ok := cleanAddress(a.Address); ok {
			out = append(out, addr)
		}
	}
	return out
}

// cleanAddress lower-cases an address net/mail accepted and refuses one that still holds
// white space or control characters (a quoted local part may).
func cleanAddress(a string) (string, bool) {
	a = strings.ToLower(strings.TrimSpace(a))
	if a == "" || strings.IndexFunc(a, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", false
	}
	return a, true
}

// phrase decodes the display-name part of an address: unquoted, encoded words decoded.
func phrase(p string) string {
	p = strings.TrimSpace(p)
	if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(p)-1; i++ {
			if p[i] == '\\' && i+1 < len(p)-1 {
				i++
			}
			b.WriteByte(p[i])
		}
		p = b.String()
	}
	return decodeHeader(p)
}

// oneLine makes a decoded header value safe to show on one line: control and invisible
// characters removed (text.Clean), and every run of white space, line breaks included,
// one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(text.Clean(s)), " ")
}

// firstID returns the first message id in a Message-ID or In-Reply-To header, without
// its angle brackets.
func firstID(v string) string {
	if l := ids(v); len(l) > 0 {
		return l[0]
	}
	return ""
}

// ids returns the message ids in a References (or In-Reply-To) header without their
// angle brackets. Ids written without brackets are accepted when no id has them.
func ids(v string) []string {
	var out []string
	for rest := v; ; {
		lt := strings.IndexByte(rest, '<')
		if lt < 0 {
			break
		}
		gt := strings.IndexByte(rest[lt+1:], '>')
		if gt < 0 {
			break
		}
		if id := cleanID(rest[lt+1 : lt+1+gt]); id != "" {
			out = append(out, id)
		}
		rest = rest[lt+1+gt+1:]
	}
	if out != nil {
		return out
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }) {
		if id := cleanID(f); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// cleanID removes from a message id what cannot be part of one: white space, control
// and invisible characters, angle brackets.
func cleanID(id string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '<' || r == '>' {
			return -1
		}
		return r
	}, text.Clean(headerUTF8(id)))
}

// headerUTF8 returns a raw header value as UTF-8. Header bytes that are not UTF-8 come,
// in the mail this desk receives, from Chinese clients writing GBK without encoded words;
// they are read as GB18030 (a superset of GBK and GB2312).
func headerUTF8(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	return decodeCharset([]byte(v), "gb18030")
}

// decodeHeader decodes the RFC 2047 encoded words ("=?GBK?B?…?=") of a header value.
// Adjacent encoded words in the same charset are joined before their charset is decoded
// (clients split a long name or subject in the middle of a multi-byte character), and the
// white space between encoded words is dropped, as RFC 2047 §6.2 says. Words are found
// anywhere, not only between spaces, as clients write them ("Re:=?utf-8?…").
func decodeHeader(v string) string {
	v = headerUTF8(v)
	if !strings.Contains(v, "=?") {
		return v
	}
	var (
		b       strings.Builder
		pending []byte // bytes of the run of adjacent encoded words
		charset string // their charset
		inWord  bool   // the last thing seen was an encoded word
		gap     string // white space after it, written only if text follows
	)
	flush := func() {
		if inWord {
			b.WriteString(decodeCharset(pending, charset))
			pending, charset, inWord = nil, "", false
		}
	}
	plain := func(s string) {
		if inWord && strings.TrimSpace(s) == "" {
			gap += s
			return
		}
		flush()
		b.WriteString(gap)
		gap = ""
		b.WriteString(s)
	}
	for i := 0; i < len(v); {
		j := strings.Index(v[i:], "=?")
		if j < 0 {
			plain(v[i:])
			break
		}
		if j > 0 {
			plain(v[i : i+j])
		}
		i += j
		cs, data, n, ok := encodedWord(v[i:])
		if !ok {
			plain("=?")
			i += 2
			continue
		}
		if inWord && !strings.EqualFold(cs, charset) {
			flush()
		}
		pending = append(pending, data...)
		charset, inWord, gap = cs, true, ""
		i += n
	}
	flush()
	b.WriteString(gap)
	return b.String()
}

// encodedWord reads the encoded word "=?charset?B|Q?text?=" at the start of s: its
// charset (without an RFC 2231 language), its bytes and its length in s.
func encodedWord(s string) (charset string, data []byte, n int, ok bool) {
	rest := s[2:]
	q := strings.IndexByte(rest[:min(len(rest), 65)], '?')
	if q <= 0 || q > 64 || len(rest) < q+3 || rest[q+2] != '?' {
		return "", nil, 0, false
	}
	charset, _, _ = strings.Cut(rest[:q], "*")
	if strings.ContainsAny(charset, " \t\r\n=") {
		return "", nil, 0, false
	}
	body := rest[q+3:]
	// RFC 2047 words are at most 75 characters; some clients write longer ones, but
	// none this long. The bound keeps a header full of "=?" linear.
	end := strings.Index(body[:min(len(body), maxWord)], "?=")
	if end < 0 || strings.ContainsAny(body[:end], " \t\r\n") {
		return "", nil, 0, false
	}
	switch rest[q+1] {
	case 'B', 'b':
		data = decodeBase64([]byte(body[:end]))
	case 'Q', 'q':
		data = decodeQWord(body[:end])
	default:
		return "", nil, 0, false
	}
	return charset, data, 2 + q + 3 + end + 2, true
}

// maxWord bounds the text of an encoded word, in bytes.
const maxWord = 2000

// decodeQWord decodes the "Q" encoding of RFC 2047: "_" is a space, "=XX" a byte.
func decodeQWord(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}
