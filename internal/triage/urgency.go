package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// signal is one entry of the urgency table: a phrase and the urgency it signals.
type signal struct {
	phrase  string
	urgency string
}

// urgencyTable lists the phrases, zh and en, that raise a text's urgency. Safety words
// make a text urgent (to a supervisor at once); escalation words make it high. Customers
// seldom use the keyword ("打开盒子一股焦味", "my arm is still tingling"), so the safety
// rows name what they describe: the smell, the sparks, the body's reaction.
var urgencyTable = []signal{
	// Fire, smoke, heat: flames, sparks, scorching, a burning smell.
	{"起火", Urgent}, {"着火", Urgent}, {"失火", Urgent}, {"火苗", Urgent}, {"火星", Urgent},
	{"火花", Urgent}, {"打火", Urgent}, {"烧起来", Urgent}, {"烧着", Urgent}, {"点着", Urgent},
	{"自燃", Urgent}, {"爆燃", Urgent}, {"燃烧", Urgent}, {"烧黑", Urgent}, {"熏黑", Urgent},
	{"焦黑", Urgent}, {"烧焦", Urgent}, {"烤焦", Urgent}, {"焦味", Urgent}, {"焦糊", Urgent},
	{"烧糊", Urgent}, {"烧化", Urgent}, {"熔化", Urgent}, {"熔了", Urgent},
	{"冒烟", Urgent}, {"黑烟", Urgent}, {"浓烟", Urgent}, {"全是烟", Urgent}, {"烟雾", Urgent},
	{"fire", Urgent}, {"flame", Urgent}, {"flames", Urgent}, {"ignited", Urgent},
	{"smoke", Urgent}, {"smoking", Urgent}, {"fumes", Urgent}, {"spark", Urgent},
	{"sparks", Urgent}, {"sparked", Urgent}, {"sparking", Urgent}, {"arcing", Urgent},
	{"burning", Urgent}, {"burnt", Urgent}, {"scorch", Urgent}, {"scorched", Urgent},
	{"singed", Urgent}, {"charred", Urgent}, {"melted", Urgent}, {"melting", Urgent},
	// Explosion. A swollen battery alone is not urgent here (the labelled sets say
	// normal: "电池鼓包了，还好没有冒烟"); it is once it smokes, burns or bursts.
	{"爆炸", Urgent}, {"炸了", Urgent}, {"炸开", Urgent}, {"爆开", Urgent},
	{"exploded", Urgent}, {"explosion", Urgent}, {"explode", Urgent}, {"blew up", Urgent},
	// Electricity.
	{"漏电", Urgent}, {"触电", Urgent}, {"被电", Urgent}, {"电到", Urgent}, {"电了一下", Urgent},
	{"电击", Urgent}, {"电流", Urgent}, {"带电", Urgent}, {"麻手", Urgent}, {"手麻", Urgent},
	{"手一麻", Urgent},
	{"electric shock", Urgent}, {"electrocuted", Urgent}, {"got a shock", Urgent},
	{"a shock from", Urgent}, {"shocked me", Urgent}, {"zapped", Urgent}, {"jolt", Urgent},
	{"tingle", Urgent}, {"tingling", Urgent}, {"exposed wire", Urgent}, {"exposed wires", Urgent},
	{"bare wires", Urgent}, {"live wire", Urgent},
	// Burns and scalds.
	{"烫伤", Urgent}, {"烧伤", Urgent}, {"灼伤", Urgent}, {"烫红", Urgent}, {"烫起", Urgent},
	{"烫出", Urgent}, {"水泡", Urgent}, {"燎泡", Urgent}, {"火辣辣", Urgent},
	{"burn", Urgent}, {"burns", Urgent}, {"burned", Urgent}, {"scald", Urgent},
	{"scalded", Urgent}, {"scalding", Urgent}, {"blister", Urgent}, {"blisters", Urgent},
	{"blistered", Urgent}, {"blistering", Urgent},
	// Allergy and the skin's reaction.
	{"过敏", Urgent}, {"红疹", Urgent}, {"疹子", Urgent}, {"起疹", Urgent}, {"荨麻疹", Urgent},
	{"风团", Urgent}, {"红疙瘩", Urgent}, {"起红点", Urgent}, {"红点点", Urgent}, {"红肿", Urgent},
	{"肿了", Urgent}, {"肿起", Urgent}, {"肿胀", Urgent}, {"肿得", Urgent}, {"又肿", Urgent},
	{"脸肿", Urgent}, {"瘙痒", Urgent}, {"烂脸", Urgent}, {"刺痛", Urgent}, {"又红又痒", Urgent},
	{"红痒", Urgent},
	{"allergic", Urgent}, {"allergy", Urgent}, {"a reaction", Urgent}, {"reacted", Urgent},
	{"rash", Urgent}, {"hives", Urgent}, {"welts", Urgent}, {"swollen", Urgent}, {"swelling", Urgent},
	{"red and itchy", Urgent}, {"red itchy", Urgent}, {"itchy red", Urgent},
	{"swelled", Urgent}, {"puffed up", Urgent}, {"broke out in", Urgent}, {"dermatitis", Urgent},
	{"anaphylaxis", Urgent}, {"anaphylactic", Urgent}, {"epipen", Urgent},
	// Poisoning, vomiting.
	{"中毒", Urgent}, {"上吐下泻", Urgent}, {"拉肚子", Urgent}, {"腹泻", Urgent}, {"呕吐", Urgent},
	{"想吐", Urgent}, {"吐了好几", Urgent}, {"一直吐", Urgent}, {"吐奶", Urgent}, {"腹痛", Urgent},
	{"肚子疼", Urgent}, {"头晕", Urgent}, {"抽搐", Urgent}, {"口吐白沫", Urgent}, {"昏迷", Urgent},
	{"晕倒", Urgent}, {"休克", Urgent},
	{"poisoning", Urgent}, {"poisoned", Urgent}, {"poison", Urgent}, {"vomiting", Urgent},
	{"vomit", Urgent}, {"vomited", Urgent}, {"threw up", Urgent}, {"throwing up", Urgent},
	{"diarrhea", Urgent}, {"diarrhoea", Urgent}, {"seizure", Urgent}, {"unconscious", Urgent},
	{"passed out", Urgent}, {"fainted", Urgent}, {"dizzy", Urgent},
	// Choking, swallowing, breathing.
	{"窒息", Urgent}, {"误吞", Urgent}, {"吞下", Urgent}, {"吞进", Urgent}, {"咽下", Urgent},
	{"误食", Urgent}, {"卡喉", Urgent}, {"喉咙", Urgent}, {"喘不过气", Urgent}, {"喘不上气", Urgent},
	{"呼吸困难", Urgent}, {"呛着", Urgent}, {"呛到", Urgent}, {"放嘴里", Urgent}, {"放进嘴里", Urgent},
	{"塞嘴里", Urgent}, {"塞进嘴里", Urgent},
	{"choking", Urgent}, {"choked", Urgent}, {"choke", Urgent}, {"swallowed", Urgent},
	{"throat", Urgent}, {"in his mouth", Urgent}, {"in her mouth", Urgent},
	{"can't breathe", Urgent}, {"cant breathe", Urgent}, {"couldn't breathe", Urgent},
	{"trouble breathing", Urgent},
	// Cuts, blood, injuries, the hospital.
	{"出血", Urgent}, {"流血", Urgent}, {"好多血", Urgent}, {"很多血", Urgent}, {"满手血", Urgent},
	{"血止不住", Urgent}, {"止不住血", Urgent}, {"割伤", Urgent}, {"扎伤", Urgent}, {"受伤", Urgent},
	{"伤到", Urgent}, {"医院", Urgent}, {"急诊", Urgent}, {"送医", Urgent}, {"救护车", Urgent},
	{"睁不开", Urgent},
	{"bleeding", Urgent}, {"blood", Urgent}, {"bled", Urgent}, {"cut my", Urgent},
	{"sliced", Urgent}, {"gash", Urgent}, {"injured", Urgent}, {"injury", Urgent},
	{"hospital", Urgent}, {"a&e", Urgent}, {"emergency room", Urgent}, {"urgent care", Urgent},
	{"ambulance", Urgent}, {"poison control", Urgent},
	// Escalation.
	{"12315", High}, {"投诉", High}, {"律师", High}, {"起诉", High}, {"曝光", High},
	{"媒体", High}, {"消协", High}, {"第三次", High}, {"工商", High},
	{"lawyer", High}, {"sue", High}, {"report you", High}, {"chargeback", High},
	{"third time", High}, {"complaint", High}, {"social media", High}, {"legal action", High},
}

// benign are phrases that hold a safety word and mean something else (a speaker's hum,
// a bulky coat, a lighter, a motor worn out, a swollen battery — see above — and the
// safety products themselves); they are blanked before the table is read.
var benign = []string{"电流声", "电流音", "臃肿", "打火机", "密密麻麻", "burnt out", "burned out", "burn out",
	"battery is swollen", "battery swollen", "swollen battery",
	"烟雾报警", "烟感", "smoke alarm", "smoke detector", "fire alarm", "fire extinguisher", "fire blanket"}

// negations that, just before a safety phrase, cancel it ("没有冒烟", "no smoke").
var negations = []string{"没有", "没", "不是", "未", "无", "不", "no ", "not ", "didnt ", "didn't ", "never ", "without "}

// lowQuestion marks a plain question.
var lowQuestion = []string{"请问", "想问", "问一下", "?", "quick question", "just wondering", "how do", "how long", "is it possible", "is that possible"}

func fold(s string) string { return strings.ToLower(width.Narrow.String(s)) }

// tableUrgency returns the urgency of text by the table alone: urgent for a safety word
// that is not negated, high for an escalation, low for a plain question, otherwise normal.
func tableUrgency(text string) string {
	t := fold(text)
	for _, b := range benign {
		t = strings.ReplaceAll(t, b, strings.Repeat(" ", len(b)))
	}
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

// notNegations begin like a negation and are none: 没多久 is "soon after", 不小心 "by
// accident", "not long after" and "for no reason" negate nothing that follows.
var notNegations = []string{"没多久", "没过多久", "没一会", "不一会", "不久", "不小心", "没想到", "不知道",
	"不停", "忍不住", "不敢", "无故", "not long", "no idea", "not sure", "no reason", "no warning",
	"without warning", "never thought", "didnt expect", "didn't expect"}

// negated reports whether the text just before a phrase negates it: a negation in the
// same clause with at most two characters or words between it and the phrase ("没有冒烟",
// "没看到冒烟", "didn't catch fire", "no sign of smoke"). A negation further away belongs
// to something else ("没用几天就冒烟了", "never seen a charger catch fire").
func negated(before string) bool {
	tail := before
	if len(tail) > 24 {
		tail = tail[len(tail)-24:]
		for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
			tail = tail[1:]
		}
	}
	// only the current clause
	for _, sep := range []string{"，", ",", "。", ".", "!", "！", "但", "but"} {
		if i := strings.LastIndex(tail, sep); i >= 0 {
			tail = tail[i+len(sep):]
		}
	}
	for _, n := range notNegations {
		tail = strings.ReplaceAll(tail, n, "|")
	}
	end := -1
	for _, n := range negations {
		if i := strings.LastIndex(tail, n); i >= 0 && i+len(n) > end {
			end = i + len(n)
		}
	}
	return end >= 0 && units(tail[end:]) <= 2
}

// units counts the Chinese characters and the other words of s.
func units(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			n++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				n++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	return n
}
