package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Issue 17 item 6: a message of one NUL byte was stored, and bidirectional overrides and
// zero-width characters stayed in descriptions, messages, notes and file names.
func TestCleanRemovesWhatCannotBeSeen(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"only a NUL", "\x00", ""},
		{"NULs and spaces", " \x00 \x00 ", ""},
		{"C0 controls", "a\x01b\x1bc\x7fd", "abcd"},
		{"C1 controls", "a\u0085b\u009bc", "abc"},
		{"line breaks and tabs stay", "第一行\n\t第二行", "第一行\n\t第二行"},
		{"CRLF becomes LF", "one\r\ntwo\r\n", "one\ntwo"},
		{"a lone CR becomes LF", "one\rtwo", "one\ntwo"},
		{"line and paragraph separators", "one\u2028two\u2029three", "one\ntwo\nthree"},
		{"right-to-left override", "invoice\u202Egpj.exe", "invoicegpj.exe"},
		{"every embedding and override", "\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee", "abcde"},
		{"isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"Arabic letter mark", "a\u061Cb", "ab"},
		{"zero-width characters", "\u200Ba\u200Cb\u200Dc\u200Ed\u200Fe\u2060f\uFEFF", "abcdef"},
		{"byte order mark at the start", "\uFEFF退货原因", "退货原因"},
		{"not UTF-8", "ab\xffcd\xc3", "abcd"},
		{"a replacement character typed is kept", "a\uFFFDb", "a\uFFFDb"},
		{"Chinese, emoji and full-width space trimmed", "\u3000衣服破了 👕\u3000", "衣服破了 👕"},
		{"untouched", "Size M, colour blue — 尺码不合适", "Size M, colour blue — 尺码不合适"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Clean(c.in); got != c.want {
				t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestFileNameKeepsTheCleanBaseName(t *testing.T) {
	long := strings.Repeat("照", 100) + ".jpeg" // 305 bytes
	cases := []struct{ name, in, want string }{
		{"plain", "kettle.png", "kettle.png"},
		{"a Unix path", "/home/u/photos/kettle.png", "kettle.png"},
		{"a Windows path", `C:\Users\u\Pictures\破损.jpg`, "破损.jpg"},
		{"right-to-left override", "photo\u202Egnp.exe", "photognp.exe"},
		{"line breaks and tabs", "a\r\nb\tc.pdf", "a b c.pdf"},
		{"controls only", "\x00\x01", ""},
		{"dot", ".", ""},
		{"dot dot", "a/..", ""},
		{"empty", "", ""},
		{"long: cut between runes, extension kept", long, strings.Repeat("照", 83) + ".jpeg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := FileName(c.in); got != c.want {
				t.Errorf("FileName(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestExtension(t *testing.T) {
	cases := map[string]string{
		"x.html": ".html", "x.tar.gz": ".gz", "x": "", ".profile": "", "x.": "", "v1.2 final": "",
		"x.toolongextension": "", "照片.JPG": ".JPG", "x.j-g": "",
	}
	for in, want := range cases {
		if got := Extension(in); got != want {
			t.Errorf("Extension(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzClean: whatever comes in, what Clean returns is UTF-8 without anything it removes,
// trimmed, no longer than the input, and cleaning it again changes nothing; FileName keeps
// to its length and to one line.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "\x00", "a\r\nb", "\r\r\n\n", "\u202Egnp.exe", "\uFEFF", "\xff\xfe",
		" 衣服\u200B破了 ", "\t\n", "a\u2028b", "\xe2\x80", "x/../y\\z.html"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Clean(%q) = %q is not UTF-8", s, got)
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("Clean(%q) = %q is not trimmed", s, got)
		}
		if len(got) > len(s) {
			t.Fatalf("Clean(%q) = %q is longer", s, got)
		}
		for _, r := range got {
			if invisible(r) || r == '\r' || r == '\u2028' || r == '\u2029' {
				t.Fatalf("Clean(%q) = %q keeps %U", s, got, r)
			}
		}
		if again := Clean(got); again != got {
			t.Fatalf("Clean(Clean(%q)) = %q, not %q", s, again, got)
		}
		name := FileName(s)
		if len(name) > MaxFileName || strings.ContainsAny(name, "/\\\n\t") || !utf8.ValidString(name) {
			t.Fatalf("FileName(%q) = %q", s, name)
		}
		if again := FileName(name); again != name {
			t.Fatalf("FileName(FileName(%q)) = %q, not %q", s, again, name)
		}
	})
}

func TestShortenCutsByCharactersWithAnEllipsis(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"召回预案", 4, "召回预案"},
		{"召回预案名称", 4, "召回预…"},
		{"recall", 6, "recall"},
		{"recalls", 6, "recal…"},
		{"", 3, ""},
	} {
		if got := Shorten(c.s, c.n); got != c.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}
