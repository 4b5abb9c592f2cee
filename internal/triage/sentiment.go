package triage

import (
	"math"
	"strings"
)

// sentimentWords scores words zh and en from −1 (angry, upset) to 1 (pleased).
var sentimentWords = map[string]float64{
	"好": 0.5, "满意": 1, "喜欢": 0.8, "谢谢": 0.6, "感谢": 0.7, "不错": 0.7, "棒": 0.8, "赞": 0.8,
	"差": -0.8, "太差": -1, "垃圾": -1, "烦": -0.7, "气": -0.6, "失望": -0.9, "坑": -0.8, "骗": -1,
	"生气": -0.9, "愤怒": -1, "恶心": -0.9, "无语": -0.6, "坏": -0.6, "破": -0.4, "碎": -0.4,
	"投诉": -0.7, "急": -0.4, "离谱": -0.8, "差劲": -0.9, "😡": -1, "😭": -0.7, "🙏": 0.3, "👍": 0.8,
	"good": 0.5, "great": 0.8, "thanks": 0.6, "thank": 0.6, "love": 0.8, "happy": 0.7, "pleased": 0.8,
	"nice": 0.5, "awesome": 0.9, "excellent": 1, "bad": -0.7, "terrible": -1, "awful": -1,
	"ridiculous": -0.8, "angry": -0.9, "disappointed": -0.9, "useless": -0.9, "scam": -1,
	"worst": -1, "broken": -0.5, "ugh": -0.5, "annoyed": -0.7, "unacceptable": -0.9, "hate": -0.9,
	"garbage": -1, "rubbish": -1, "sue": -0.7,
}

var sentimentNegators = []string{"不", "没", "别", "not", "no", "never", "dont", "don't", "isnt", "isn't", "wasnt"}
var intensifiers = map[string]float64{"很": 1.5, "非常": 1.8, "太": 1.6, "超": 1.5, "特别": 1.6, "真": 1.3,
	"very": 1.5, "really": 1.4, "so": 1.3, "extremely": 1.8, "super": 1.5, "totally": 1.4}

// Sentiment returns the sentiment of text in −1…1: the lexicon's scores of its words,
// turned by a negation and strengthened by an intensifier just before, averaged and
// squashed (tanh).
func Sentiment(text string) float64 {
	t := fold(text)
	words := sentimentTokens(t)
	var sum float64
	n := 0
	for i, w := range words {
		s, ok := sentimentWords[w]
		if !ok {
			continue
		}
		for j := i - 1; j >= 0 && j >= i-2; j-- {
			if k, ok := intensifiers[words[j]]; ok {
				s *= k
			}
			for _, neg := range sentimentNegators {
				if words[j] == neg {
					s = -s * 0.6
				}
			}
		}
		sum += s
		n++
	}
	if n == 0 {
		return 0
	}
	v := math.Tanh(sum / math.Sqrt(float64(n)))
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(-1, math.Min(1, v))
}

// sentimentTokens splits English at non-letters and Chinese by the longest lexicon,
// negator or intensifier entry at each character.
func sentimentTokens(t string) []string {
	var out []string
	rs := []rune(t)
	for i := 0; i < len(rs); {
		r := rs[i]
		if r < 0x80 {
			j := i
			for j < len(rs) && rs[j] < 0x80 && (rs[j] >= 'a' && rs[j] <= 'z' || rs[j] == '\'') {
				j++
			}
			if j > i {
				out = append(out, strings.ReplaceAll(string(rs[i:j]), "'", ""))
				i = j
			} else {
				i++
			}
			continue
		}
		matched := ""
		for l := 3; l >= 1; l-- {
			if i+l > len(rs) {
				continue
			}
			w := string(rs[i : i+l])
			if _, ok := sentimentWords[w]; ok {
				matched = w
				break
			}
			if _, ok := intensifiers[w]; ok {
				matched = w
				break
			}
			for _, n := range sentimentNegators {
				if n == w {
					matched = w
				}
			}
			if matched != "" {
				break
			}
		}
		if matched == "" {
			matched = string(r)
		}
		out = append(out, matched)
		i += len([]rune(matched))
	}
	return out
}
