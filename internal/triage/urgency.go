package triage

import (
	"strings"

	"golang.org/x/text/width"
)

// signal is one entry of the urgency table: a phrase and the urgency it signals.
type signal struct {
	phrase  string
	urgency string
}

// urgencyTable lists the phrases, zh and en, that raise a text's urgency. Safety words
// make a text urgent (to a supervisor at once); escalation words make it high.
var urgencyTable = []signal{
	// Safety: fire, explosion, smoke, allergy, electricity, burns, cuts, poisoning.
	{"起火", Urgent}, {"着火", Urgent}, {"失火", Urgent}, {"爆炸", Urgent}, {"炸了", Urgent},
	{"冒烟", Urgent}, {"过敏", Urgent}, {"漏电", Urgent}, {"触电", Urgent}, {"被电", Urgent},
	{"烫伤", Urgent}, {"烧伤", Urgent}, {"出血", Urgent}, {"流血", Urgent}, {"中毒", Urgent},
	{"上吐下泻", Urgent}, {"窒息", Urgent}, {"火苗", Urgent},
	{"fire", Urgent}, {"exploded", Urgent}, {"explosion", Urgent}, {"smoke", Urgent},
	{"smoking", Urgent}, {"allergic", Urgent}, {"electric shock", Urgent}, {"electrocuted", Urgent},
	{"burned", Urgent}, {"burnt my", Urgent}, {"poisoning", Urgent}, {"poisoned", Urgent},
	{"bleeding", Urgent}, {"choking", Urgent},
	// Escalation.
	{"12315", High}, {"投诉", High}, {"律师", High}, {"起诉", High}, {"曝光", High},
	{"媒体", High}, {"消协", High}, {"第三次", High}, {"工商", High},
	{"lawyer", High}, {"sue", High}, {"report you", High}, {"chargeback", High},
	{"third time", High}, {"complaint", High}, {"social media", High}, {"legal action", High},
}

// negations that, just before a safety phrase, cancel it ("没有冒烟", "no smoke").
var negations = []string{"没有", "没", "不是", "未", "无", "不", "no ", "not ", "didnt ", "didn't ", "never ", "without "}

// lowQuestion marks a plain question.
var lowQuestion = []string{"请问", "想问", "问一下", "?", "quick question", "just wondering", "how do", "how long", "is it possible", "is that possible"}

func fold(s string) string { return strings.ToLower(width.Narrow.String(s)) }

// UrgencyOf returns the urgency of text: urgent for a safety word that is not negated,
// high for an escalation, low for a plain question, otherwise normal.
func UrgencyOf(text string) string {
	t := fold(text)
	best := ""
	for _, s := range urgencyTable {
		for from := 0; ; {
			i := strings.Index(t[from:], s.phrase)
			if i < 0 {
				break
			}
			at := from + i
			from = at + len(s.phrase)
			if !wordAt(t, at, s.phrase) {
				continue
			}
			if s.urgency == Urgent && negated(t[:at]) {
				continue
			}
			if best == "" || rank(s.urgency) > rank(best) {
				best = s.urgency
			}
		}
	}
	if best != "" {
		return best
	}
	for _, q := range lowQuestion {
		if strings.Contains(t, q) {
			return Low
		}
	}
	return Normal
}

func rank(u string) int {
	switch u {
	case Urgent:
		return 3
	case High:
		return 2
	case Normal:
		return 1
	}
	return 0
}

// wordAt reports whether an English phrase at i stands as a word (not "issue" for
// "sue"); Chinese phrases always do.
func wordAt(t string, i int, phrase string) bool {
	if phrase[0] >= 0x80 || (phrase[0] >= '0' && phrase[0] <= '9') {
		return true
	}
	if i > 0 && isLetter(t[i-1]) {
		return false
	}
	if end := i + len(phrase); end < len(t) && isLetter(t[end]) {
		return false
	}
	return true
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' }

// negated reports whether the text just before a phrase negates it.
func negated(before string) bool {
	tail := before
	if len(tail) > 24 {
		tail = tail[len(tail)-24:]
	}
	// only the current clause
	for _, sep := range []string{"，", ",", "。", ".", "!", "！", "但", "but"} {
		if i := strings.LastIndex(tail, sep); i >= 0 {
			tail = tail[i+len(sep):]
		}
	}
	for _, n := range negations {
		if strings.Contains(tail, n) {
			return true
		}
	}
	return false
}
