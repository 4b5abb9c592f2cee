package inbound

import (
	"regexp"
	"strings"

	"github.com/aftersales/aftersales/internal/text"
)

var (
	// wroteEN is the line a client writes above the message it quotes: "On Sat, Dec 5,
	// 2026 at 10:00 AM Service Desk <desk@example.com> wrote:". A digit (of the date) is
	// required, so that "On the box you wrote:" stays the customer's text.
	wroteEN = regexp.MustCompile(`(?i)^on\s.*\d.*\swrote\s*:$`)
	// wroteZH is its Chinese form, "在 2026年12月5日 10:00,客服 写道:" (iOS, NetEase Mail
	// Master, Huawei, Thunderbird): the date and time are required, so that
	// "在说明书上写道：" stays the customer's text.
	wroteZH = regexp.MustCompile(`^在\s*(\d|星期|周).*\d{1,2}\s*[:：]\s*\d{2}.*写道\s*[:：]$`)
	// wroteAt is the form that names the sender's address before the date, "客服
	// <desk@example.com> 于2026年12月5日周六 10:00写道：" (Gmail); the "@" must be on its
	// first line.
	wroteAt = regexp.MustCompile(`@.*于\s*\d{4}.*写道\s*[:：]$`)
	// originalMessage is the separator Outlook, Foxmail and QQ Mail write above the
	// message they quote: "-----Original Message-----", "------------------ 原始邮件 ------------------".
	originalMessage = regexp.MustCompile(`(?i)^-{2,}\s*(original message|original|原始邮件|原邮件)\s*-{2,}$`)
)

// stripQuoted returns the new text of a reply: lines quoted with ">" are dropped, and so
// is everything from the header of a quoted message on ("-----Original Message-----",
// "From: … Sent: …", "发件人：… 发送时间：…", and "On … wrote:" / "在 … 写道：" when the
// quote under it is not marked with ">"), and everything from the signature separator
// "-- " on. An "On … wrote:" line over a ">" quote only goes with its quote, so that
// what a bottom-poster wrote under the quote stays. Blank-line runs become one blank
// line; lines lose their trailing white space; the result is cleaned (text.Clean).
func stripQuoted(s string) string {
	lines := strings.Split(normalizeNewlines(s), "\n")
	var out []string
scan:
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case l == "-- ":
			break scan
		case quoted(l):
			continue
		}
		if n := wroteHeader(lines, i); n > 0 {
			if next := nextText(lines, i+n); next < len(lines) && quoted(lines[next]) {
				i += n - 1
				continue
			}
			break
		}
		if separator(l) || headerBlock(lines, i) {
			// Outlook draws a line of underscores above the header block.
			for len(out) > 0 {
				last := strings.TrimSpace(out[len(out)-1])
				if last != "" && (len(last) < 5 || strings.Trim(last, "_") != "") {
					break
				}
				out = out[:len(out)-1]
			}
			break
		}
		out = append(out, l)
	}
	var b strings.Builder
	blank := false
	for _, l := range out {
		l = strings.TrimRight(l, " \t\u00a0\u3000")
		if strings.TrimSpace(l) == "" {
			blank = true
			continue
		}
		if blank && b.Len() > 0 {
			b.WriteByte('\n')
		}
		blank = false
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return text.Clean(b.String())
}

// quoted reports whether a line quotes an earlier message.
func quoted(l string) bool {
	return strings.HasPrefix(strings.TrimLeft(l, " \t"), ">")
}

// nextText returns the index of the first line from i on that is not blank, or
// len(lines).
func nextText(lines []string, i int) int {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return i
}

// wroteHeader returns how many lines (1 to 3: clients wrap a long one) the "On … wrote:"
// or "在 … 写道：" header starting at line i takes, or 0 if there is none.
func wroteHeader(lines []string, i int) int {
	first := strings.TrimSpace(lines[i])
	if !hasPrefixFold(first, "on") && !strings.HasPrefix(first, "在") && !strings.Contains(first, "@") {
		return 0 // the cheap test first: this runs on every line of a 10 MB message
	}
	size := 0
	for k := 0; k < 3 && i+k < len(lines); k++ {
		l := strings.TrimSpace(lines[i+k])
		if size += len(l); l == "" || size > 1000 {
			return 0
		}
		if !strings.HasSuffix(l, ":") && !strings.HasSuffix(l, "：") {
			continue
		}
		joined := first
		for _, next := range lines[i+1 : i+k+1] {
			joined += " " + strings.TrimSpace(next)
		}
		if wroteEN.MatchString(joined) || wroteZH.MatchString(joined) ||
			wroteAt.MatchString(joined) && strings.Contains(first, "@") {
			return k + 1
		}
	}
	return 0
}

// separator reports whether l is an "-----Original Message-----" line.
func separator(l string) bool {
	l = strings.TrimSpace(l)
	return strings.HasPrefix(l, "--") && len(l) <= 200 && originalMessage.MatchString(l)
}

// headerBlock reports whether line i starts the header of a quoted message as Outlook
// and Chinese clients write it: "From: …" with "Sent: …" (or "Date: …") on it or on one
// of the next four lines; "发件人：…" with "发送时间：", "时间：", "日期：", "收件人：" or
// "主题：" on one of the next four. Bold markers ("*From:*") are ignored.
func headerBlock(lines []string, i int) bool {
	if !strings.Contains(lines[i], ":") && !strings.Contains(lines[i], "：") {
		return false
	}
	l := bare(lines[i])
	switch {
	case hasPrefixFold(l, "from:"):
		if strings.Contains(strings.ToLower(l), "sent:") {
			return true
		}
		return followedBy(lines, i, "sent:", "date:")
	case strings.HasPrefix(l, "发件人:") || strings.HasPrefix(l, "发件人："):
		return followedBy(lines, i, "发送时间", "时间", "日期", "收件人", "主题", "sent:", "date:")
	}
	return false
}

// followedBy reports whether one of the four lines after line i starts with one of the
// prefixes.
func followedBy(lines []string, i int, prefixes ...string) bool {
	for k := i + 1; k <= i+4 && k < len(lines); k++ {
		l := bare(lines[k])
		for _, p := range prefixes {
			if hasPrefixFold(l, p) {
				return true
			}
		}
	}
	return false
}

// bare returns a line without bold markers and surrounding white space.
func bare(l string) string {
	return strings.TrimSpace(strings.ReplaceAll(l, "*", ""))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// unflow joins the lines of a format=flowed text (RFC 3676): a line that ends in a space
// continues on the next line of the same quote depth; with delsp=yes that space is
// removed. Space-stuffing is undone; quote marks are kept, as "> " per level, for
// stripQuoted. The signature separator "-- " is never flowed.
func unflow(s string, delsp bool) string {
	var (
		out   []string
		cur   strings.Builder
		depth = -1 // quote depth of the paragraph in cur; -1 when there is none
	)
	flush := func() {
		if depth < 0 {
			return
		}
		prefix := ""
		if depth > 0 {
			prefix = strings.Repeat(">", depth) + " "
		}
		out = append(out, prefix+cur.String())
		cur.Reset()
		depth = -1
	}
	for _, l := range strings.Split(s, "\n") {
		d := 0
		for d < len(l) && l[d] == '>' {
			d++
		}
		l = strings.TrimPrefix(l[d:], " ")
		if depth >= 0 && d != depth {
			flush()
		}
		flowed := strings.HasSuffix(l, " ") && l != "-- "
		if flowed && delsp {
			l = l[:len(l)-1]
		}
		cur.WriteString(l)
		depth = d
		if !flowed {
			flush()
		}
	}
	flush()
	return strings.Join(out, "\n")
}
