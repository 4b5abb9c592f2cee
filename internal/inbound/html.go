package inbound

import (
	"html"
	"strings"
)

// blockTags end the line before and after them when HTML becomes text.
var blockTags = map[string]bool{
	"p": true, "div": true, "tr": true, "li": true, "ul": true, "ol": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true,
	"pre": true, "dl": true, "dt": true, "dd": true, "section": true, "article": true,
	"header": true, "footer": true, "address": true, "center": true, "blockquote": true,
	"body": true, "html": true, "form": true, "fieldset": true, "figure": true,
}

// hiddenTags are the elements whose content is not text a reader sees.
var hiddenTags = map[string]bool{
	"style": true, "script": true, "head": true, "title": true, "template": true,
	"noscript": true, "xml": true, "object": true, "iframe": true, "svg": true,
}

// htmlToText turns the HTML of a message into the plain text a reader sees: tags
// stripped, entities decoded, white space collapsed as a browser does, <br> and block
// elements (<p>, <div>, …) line breaks, the content of <style>, <script> and <head>
// dropped. Text inside <blockquote> — how mail clients quote in HTML — gets a "> " per
// level (up to maxDepth), so that stripQuoted removes it as it removes quoted plain text.
func htmlToText(s string) string {
	t := &textWriter{}
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			t.text(html.UnescapeString(s[i : i+j]))
			i += j
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		name, closing := tagName(s[i+1:])
		if name == "" {
			if c := s[i+1 : min(i+2, len(s))]; c == "!" || c == "?" { // <!DOCTYPE>, <![if]>, <?xml?>
				i = tagEnd(s, i) + 1
			} else { // "a < b": not a tag
				t.text("<")
				i++
			}
			continue
		}
		// A tag that never ends swallows the rest, as in a browser; each tag is scanned
		// once, so even "<a<a<a…" costs linear time.
		i = tagEnd(s, i) + 1
		switch {
		case hiddenTags[name] && !closing:
			close := indexFold(s[i:], "</"+name)
			if close < 0 {
				i = len(s)
			} else {
				i += close
			}
		case name == "br":
			t.newline()
		case name == "blockquote":
			t.block()
			if closing {
				t.depth = max(t.depth-1, 0)
			} else {
				t.depth++
			}
		case name == "pre":
			t.block()
			if closing {
				t.pre = false
			} else {
				t.pre = true
			}
		case blockTags[name]:
			t.block()
			if name == "li" && !closing {
				t.text("- ")
			}
		case name == "td" || name == "th":
			t.space = true
		}
	}
	return t.String()
}

// tagEnd returns the index of the ">" that ends the tag starting at s[i], quotes in
// attribute values respected, or len(s)-1 if there is none.
func tagEnd(s string, i int) int {
	var quote byte
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j
		}
	}
	return len(s) - 1
}

// tagName returns the lower-cased element name of the tag that follows a "<"
// ("/P class=x>" → "p", true), or "" when what follows does not start like a tag.
func tagName(inside string) (string, bool) {
	closing := strings.HasPrefix(inside, "/")
	inside = strings.TrimPrefix(inside, "/")
	n := 0
	for n < len(inside) {
		c := inside[n]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || n > 0 && ('0' <= c && c <= '9' || c == ':' || c == '-') {
			n++
			continue
		}
		break
	}
	if n == 0 {
		return "", false
	}
	return strings.ToLower(inside[:n]), closing // Outlook's <o:p> is no <p>
}

// indexFold is strings.Index, ASCII case ignored.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// textWriter collects the lines of text converted from HTML.
type textWriter struct {
	lines []string
	line  strings.Builder
	depth int  // <blockquote> nesting
	pre   bool // inside <pre>: white space kept
	space bool // white space seen and not yet written
}

// text writes text as a browser shows it: outside <pre> every run of white space is one
// space, and none starts a line; a no-break space is a space that always shows.
func (t *textWriter) text(s string) {
	if t.pre {
		for i, l := range strings.Split(s, "\n") {
			if i > 0 {
				t.newline()
			}
			t.write(strings.ReplaceAll(l, "\r", ""))
		}
		return
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\f':
			t.space = true
			continue
		case '\u00a0': // not collapsed: <p>&nbsp;</p> is an empty line
			r = ' '
		}
		if t.space && t.line.Len() > 0 {
			t.line.WriteByte(' ')
		}
		t.space = false
		t.write(string(r))
	}
}

// write adds s to the line, starting the line with its quote marks.
func (t *textWriter) write(s string) {
	if t.line.Len() == 0 && t.depth > 0 {
		t.line.WriteString(strings.Repeat("> ", min(t.depth, maxDepth)))
	}
	t.line.WriteString(s)
}

// newline ends the line (<br>), even an empty one.
func (t *textWriter) newline() {
	l := strings.TrimRight(t.line.String(), " ")
	if l == "--" {
		l += " " // the signature separator "-- " loses its space to white space collapsing
	}
	t.lines = append(t.lines, l)
	t.line.Reset()
	t.space = false
}

// block ends the line if it has text: block elements start on a line of their own, but
// nested ones (<div><p>) make no empty lines.
func (t *textWriter) block() {
	if t.line.Len() > 0 {
		t.newline()
	}
	t.space = false
}

// String returns the text written.
func (t *textWriter) String() string {
	t.block()
	return strings.Join(t.lines, "\n")
}
