// Package text is about the text people type: descriptions, messages, notes and file
// names arrive from browsers, apps and scripts, and are shown to other people later. What
// cannot be seen must not travel with them: control characters (a NUL, an escape sequence
// for a terminal), bidirectional overrides that show "gpj.exe" as "exe.jpg", and
// zero-width characters that make two equal-looking names differ.
package text

import (
	"strings"
	"unicode/utf8"
)

// Clean returns s as it may be stored and shown: line breaks become "\n" (from "\r\n", a
// lone "\r", U+2028 and U+2029); C0 and C1 control characters other than "\n" and "\t",
// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+061C),
// zero-width and invisible formatting characters (U+200B–U+200F, U+2060–U+2064, U+FEFF)
// and bytes that are not UTF-8 are removed; then leading and trailing white space is
// trimmed. Clean(Clean(s)) == Clean(s). Text that is empty after Clean is empty text.
//
// Zero-width joiners go too, although they join emoji sequences (a family shows as its
// members side by side): invisible characters in names and messages are worth more to a
// spoofer than a joined emoji is to a customer.
func Clean(s string) string {
	if clean(s) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// not UTF-8: dropped
		case r == '\r':
			b.WriteByte('\n')
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case invisible(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// clean reports whether s has nothing for Clean to remove or replace (the common case,
// which then costs no copy).
func clean(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if r == '\r' || r == '\u2028' || r == '\u2029' || invisible(r) {
			return false
		}
	}
	return true
}

// invisible reports whether Clean removes r.
func invisible(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r >= 0x7f && r <= 0x9f: // C0, DEL, C1
		return true
	case r >= 0x200b && r <= 0x200f: // zero-width space, non-joiner, joiner; LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2060 && r <= 0x2064: // word joiner, invisible operators
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x061c || r == 0xfeff: // Arabic letter mark; zero-width no-break space (BOM)
		return true
	}
	return false
}

// MaxFileName is the longest file name FileName returns, in bytes: what file systems and
// browsers accept.
const MaxFileName = 255

// FileName returns the base name of an uploaded file's name as it may be stored and
// offered for download: the part after the last "/" or "\" (browsers on Windows have sent
// whole paths), cleaned (Clean), on one line (line breaks and tabs become spaces), at most
// MaxFileName bytes (the extension kept when the rest is cut). "." and ".." are no names
// and become "".
func FileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, Clean(name))
	if name == "." || name == ".." {
		return ""
	}
	if len(name) <= MaxFileName {
		return name
	}
	ext := Extension(name)
	stem := name[:len(name)-len(ext)]
	return strings.TrimSpace(cut(stem, MaxFileName-len(ext))) + ext
}

// Extension is a file name's extension with its dot (".jpg"), or "" when the name has
// none: the part after the last dot, if it is 1–10 ASCII letters and digits and something
// comes before the dot (".profile" is a name, not an extension).
func Extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || len(name)-i-1 < 1 || len(name)-i-1 > 10 {
		return ""
	}
	for _, c := range []byte(name[i+1:]) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return ""
		}
	}
	return name[i:]
}

// cut returns the longest prefix of s of at most n bytes that ends between runes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Shorten cuts s to at most n characters (runes), the last of them an ellipsis when it cuts:
// a name in a sentence, a body under a length limit.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
