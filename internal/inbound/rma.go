package inbound

import (
	"regexp"
	"strings"

	"golang.org/x/text/width"
)

// rmaNumber is an RMA number (售后单号): "AS", the date (yymmdd) and a six-digit
// sequence, not inside a longer run of ASCII letters and digits.
var rmaNumber = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([Aa][Ss][0-9]{12})(?:[^0-9A-Za-z]|$)`)

// RMA returns the first RMA number in a subject, upper-cased ("Re: [as261205000123] 退货"
// → "AS261205000123"), or "" if there is none. Full-width letters and digits, which
// Chinese input methods type, count as their ASCII forms ("ＡＳ２６１２０５０００１２３").
func RMA(subject string) string {
	m := rmaNumber.FindStringSubmatch(width.Fold.String(subject))
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1])
}
