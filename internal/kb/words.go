package kb

import "strings"

// englishStopWords are words too common to tell articles apart, and the question words
// of a query ("how do I", "when will my"): they match every article and rank none.
var englishStopWords = setOf(`
	a an the this that these those there here
	i me my mine we us our you your yours he him his she her it its they them their
	is are was were be been being am do does did done doing have has had having
	will would shall should can could may might must
	what when where which who whom whose why how
	to of in on at by for from with without into onto about as than then so
	and or but if not no nor also too very just only
	get got please hi hello thanks thank
	don doesn didn isn aren wasn weren won cannot
`)

// chineseStopWords are function words, pronouns and the question words of a query
// (怎么, 如何, 什么, 为什么, 吗): in every question and no answer. Words of meaning that
// are common in after-sales questions (退货, 多久, 收到) are not stop words.
var chineseStopWords = setOf(`
	的 了 吗 呢 吧 啊 呀 嘛 哦 哈 么 着 过 地 得
	我 你 您 他 她 它 我们 你们 他们 咱们 自己
	是 在 和 与 及 或 或者 就 都 也 还 又 把 被 让 给 对 从 而 向 跟 但 但是
	这 那 这个 那个 这些 那些 这样 那样 个 些
	怎么 怎样 怎么样 怎么办 如何 什么 什么样 为什么 为何 哪 哪里 哪儿 哪些 啥 咋 咋办
	请问 请 一下 能 能否 能不能 可以 可否 是不是 有没有 时候 已 已经 没 没有 不
`)

func setOf(words string) map[string]bool {
	set := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// stem takes the common English endings off a lower-case word so that its forms meet:
// plurals (refunds → refund, boxes → box, replies → reply), -ed and -ing (returned,
// returning → return; shipped → ship) and a final silent e (exchange, exchanged →
// exchang), which is what lets size/sized and arrive/arriving meet. It is lighter than
// Porter's: no -er, -ly, -ment, -ness, because a wrong cut there merges words that mean
// different things, and a missed one only loses a match between two forms. A word that
// is not plain ASCII letters (a number, an order number, a word of another language)
// is returned as it is.
func stem(w string) string {
	if len(w) < 4 || !asciiLetters(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"),
		strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "zes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ing") && isStem(w[:len(w)-3]):
		return undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && isStem(w[:len(w)-2]):
		return undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "e") && len(w) > 3:
		return w[:len(w)-1]
	}
	return w
}

// isStem reports whether what is left after cutting -ed or -ing can be a word's stem:
// three letters or more with a vowel, so that need, bring and string keep their ends.
func isStem(s string) bool {
	return len(s) >= 3 && strings.ContainsAny(s, "aeiouy")
}

// undouble drops the doubled consonant -ed and -ing leave (shipp → ship, stopp →
// stop) but not ll, ss and zz (fill, miss, buzz) and not in a stem of three (add).
func undouble(s string) string {
	n := len(s)
	if n >= 4 && s[n-1] == s[n-2] && !strings.ContainsRune("aeiouylsz", rune(s[n-1])) {
		return s[:n-1]
	}
	return s
}

func asciiLetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}
