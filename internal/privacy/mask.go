// Package privacy masks personal data for people who do not need it in full (SPEC §14:
// "personal data masked (138****1234)"). It is pure: strings in, strings out.
package privacy

import (
	"strings"
	"unicode/utf8"
)

// Phone keeps the first three and last four digits of a phone number: 13812341234 →
// 138****1234. Shorter numbers keep only their last two digits.
func Phone(s string) string {
	digits := []rune(s)
	n := len(digits)
	switch {
	case n == 0:
		return ""
	case n >= 11:
		return string(digits[:3]) + strings.Repeat("*", n-7) + string(digits[n-4:])
	case n > 2:
		return strings.Repeat("*", n-2) + string(digits[n-2:])
	}
	return strings.Repeat("*", n)
}

// Name keeps the family name (the first character) of a Chinese name, or the first letter
// of a Latin one: 张伟 → 张*, 欧阳娜娜 → 欧***, Alice → A****.
func Name(s string) string {
	if s == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(r) + strings.Repeat("*", utf8.RuneCountInString(s[size:]))
}

// administrative are the suffixes that end the parts of a Chinese address a courier's
// region needs (province, city, district); what follows — street, building, door — is masked.
var administrative = []string{"省", "自治区", "市", "区", "县", "旗", "州", "盟"}

// Address keeps the province, city and district of a Chinese address and masks the rest:
// 浙江省杭州市西湖区文三路 90 号 → 浙江省杭州市西湖区****. An address without those parts keeps
// its first six characters.
func Address(s string) string {
	rs := []rune(s)
	keep := 0
	for i := range rs {
		for _, suf := range administrative {
			if strings.HasPrefix(string(rs[i:]), suf) {
				keep = max(keep, i+utf8.RuneCountInString(suf))
			}
		}
		if i > 24 {
			break
		}
	}
	if keep == 0 {
		keep = min(6, len(rs))
	}
	if keep >= len(rs) {
		return s
	}
	return string(rs[:keep]) + "****"
}
