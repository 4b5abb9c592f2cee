package inbound

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"sort"
	"strings"

	"github.com/aftersales/aftersales/internal/text"
)

// walker walks a message's MIME tree, counting the entities it has met and listing the
// attachments it finds.
type walker struct {
	parts       int
	attachments []Attachment
}

// content is the text an entity contributes to the message's text, and whether it came
// from HTML (an alternative in plain text is preferred to it).
type content struct {
	text     string
	fromHTML bool
}

// signatureTypes are the parts of signed mail that carry the signature, not a file the
// sender attached.
var signatureTypes = map[string]bool{
	"application/pgp-signature":     true,
	"application/pkcs7-signature":   true,
	"application/x-pkcs7-signature": true,
}

// entity reads one MIME entity: a multipart is walked, a text/plain or text/html part
// that is not an attachment gives text, and any other part is listed as an attachment.
func (w *walker) entity(h textproto.MIMEHeader, body []byte, depth int) content {
	mediaType, params := contentType(get(h, "Content-Type"))
	disposition, dparams := mediaParams(get(h, "Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = text.FileName(decodeHeader(name))

	if strings.HasPrefix(mediaType, "multipart/") && params["boundary"] != "" {
		if depth >= maxDepth {
			return content{}
		}
		return w.multipart(mediaType, params["boundary"], body, depth)
	}
	if strings.HasPrefix(mediaType, "multipart/") { // without a boundary: read as text
		mediaType = "text/plain"
	}
	if (mediaType == "text/plain" || mediaType == "text/html") && disposition != "attachment" && name == "" {
		s := decodeCharset(decodeTransfer(get(h, "Content-Transfer-Encoding"), body), params["charset"])
		if mediaType == "text/html" {
			return content{text: htmlToText(s), fromHTML: true}
		}
		s = normalizeNewlines(s)
		if strings.EqualFold(params["format"], "flowed") {
			s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
		}
		return content{text: s}
	}
	if signatureTypes[mediaType] {
		return content{}
	}
	w.attachments = append(w.attachments, Attachment{
		Name:        name,
		ContentType: mediaType,
		Size:        transferSize(get(h, "Content-Transfer-Encoding"), body),
	})
	return content{}
}

// multipart walks the parts of a multipart entity. Of a multipart/alternative the first
// part with text in plain text is taken, else the first with text from HTML; the
// attachments of every alternative are listed (Apple Mail puts the photos in the HTML
// one). The texts of any other multipart (mixed, related, signed, report, …) are joined.
func (w *walker) multipart(mediaType, boundary string, body []byte, depth int) content {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	var texts []content
	for w.parts < maxParts {
		p, err := r.NextRawPart()
		if err != nil {
			break // the end, or a part that cannot be read: what came before stands
		}
		w.parts++
		b, err := io.ReadAll(p)
		if err != nil && len(b) == 0 {
			break
		}
		if c := w.entity(p.Header, b, depth+1); strings.TrimSpace(c.text) != "" {
			texts = append(texts, c)
		}
		if err != nil {
			break
		}
	}
	if len(texts) == 0 {
		return content{}
	}
	if mediaType == "multipart/alternative" {
		for _, c := range texts {
			if !c.fromHTML {
				return c
			}
		}
		return texts[0]
	}
	joined := content{fromHTML: true}
	parts := make([]string, len(texts))
	for i, c := range texts {
		parts[i] = strings.Trim(c.text, "\n")
		joined.fromHTML = joined.fromHTML && c.fromHTML
	}
	joined.text = strings.Join(parts, "\n\n")
	return joined
}

// transferSize is the decoded size of a part's body.
func transferSize(cte string, body []byte) int {
	if strings.EqualFold(strings.TrimSpace(cte), "base64") {
		return base64Size(body)
	}
	return len(decodeTransfer(cte, body))
}

// contentType returns a Content-Type's media type, lower-cased, and its parameters.
// A missing or unreadable media type is text/plain (RFC 2045 §5.2).
func contentType(v string) (string, map[string]string) {
	mediaType, params := mediaParams(v)
	if mediaType == "text" { // RFC 1049
		mediaType = "text/plain"
	}
	if !validMediaType(mediaType) {
		mediaType = "text/plain"
	}
	return mediaType, params
}

// validMediaType reports whether t is "type/subtype" in token characters.
func validMediaType(t string) bool {
	typ, sub, ok := strings.Cut(t, "/")
	return ok && token(typ) && token(sub)
}

func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// mediaParams parses a Content-Type or Content-Disposition value: its value lower-cased,
// and its parameters. mime.ParseMediaType does it when the value is well formed;
// otherwise, and for RFC 2231 values in charsets other than UTF-8 (filename*=gbk”…),
// which it drops, lenientParams fills in what it can.
func mediaParams(v string) (string, map[string]string) {
	v = headerUTF8(v)
	mediaType, params, err := mime.ParseMediaType(v)
	if err != nil || mediaType == "" {
		first, _, _ := strings.Cut(v, ";")
		mediaType = strings.ToLower(strings.TrimSpace(first))
	}
	if params == nil {
		params = map[string]string{}
	}
	if err != nil || strings.Contains(v, "*=") || strings.Contains(v, "*0") {
		for k, val := range lenientParams(v) {
			if _, ok := params[k]; !ok {
				params[k] = val
			}
		}
	}
	return mediaType, params
}

// lenientParams reads "; key=value" parameters however they are written: unquoted
// values with spaces or raw UTF-8, RFC 2231 continuations (name*0, name*1) and
// charset-encoded values (name*=charset'lang'%XX) in any charset decodeCharset knows.
func lenientParams(v string) map[string]string {
	type piece struct {
		n       int
		value   string
		encoded bool
	}
	pieces := map[string][]piece{}
	for _, p := range splitParams(v)[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`), `\\`, `\`)
		}
		pc := piece{value: val}
		if strings.HasSuffix(k, "*") {
			pc.encoded, k = true, strings.TrimSuffix(k, "*")
		}
		if base, num, ok := strings.Cut(k, "*"); ok {
			n := 0
			for _, c := range num {
				if c < '0' || c > '9' || n > 1000 {
					n = -1
					break
				}
				n = n*10 + int(c-'0')
			}
			if n < 0 {
				continue
			}
			k, pc.n = base, n
		}
		if k != "" {
			pieces[k] = append(pieces[k], pc)
		}
	}
	out := map[string]string{}
	for k, ps := range pieces {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		var charset string
		var b []byte
		for i, pc := range ps {
			val := pc.value
			if pc.encoded {
				if i == 0 {
					if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
						charset, val = parts[0], parts[2]
					}
				}
				if u, err := url.PathUnescape(val); err == nil {
					val = u
				}
			}
			b = append(b, val...)
		}
		out[k] = decodeCharset(b, charset)
	}
	return out
}

// splitParams splits a header value at the semicolons that are not inside quotes.
func splitParams(v string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
