package importer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/aftersales/aftersales/internal/money"
)

// timeLayouts are the wall-clock forms accepted besides RFC 3339; they are read in the
// importer's location (Asia/Shanghai unless told otherwise). Single-digit months, days
// and hours are accepted too ("2025/1/2 9:05:00").
var timeLayouts = []string{
	"2006-1-2 15:04:05",
	"2006-1-2 15:04",
	"2006/1/2 15:04:05",
	"2006/1/2 15:04",
	"2006-1-2T15:04:05",
}

// parseTime reads a time: RFC 3339 (with its own offset), a wall-clock form in loc, or —
// from a spreadsheet — an Excel serial date number, also a wall clock in loc.
func parseTime(s string, loc *time.Location, spreadsheet bool, date1904 bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if spreadsheet {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 2958466 {
			if t, err := excelize.ExcelDateToTime(f, date1904); err == nil {
				t = t.Round(time.Second)
				return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: write 2025-06-18 20:30:00 (%s) or RFC 3339 like 2025-06-18T20:30:00+08:00", s, loc)
}

// parseMoney reads an amount written in major units — yuan, not fen: "12.34", "12", "0.5".
// A spreadsheet number cell that carries binary floating-point noise ("12.339999999999")
// is rounded to the currency's minor unit when it is within a hair of it; anything else
// with too many decimals is refused rather than silently rounded.
func parseMoney(s string, c money.Currency, spreadsheet bool) (money.Amount, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.ReplaceAll(s, ",", "")
	if spreadsheet {
		s = roundSpreadsheetNumber(s, c.Exponent())
	}
	a, err := money.Parse(s, c)
	if err != nil {
		return a, fmt.Errorf("%q is not an amount of %s in yuan with at most %d decimals (write 12.34 for ¥12.34)", s, c, c.Exponent())
	}
	if a.IsNegative() {
		return a, fmt.Errorf("%q is negative", s)
	}
	return a, nil
}

func roundSpreadsheetNumber(s string, exp int) string {
	_, frac, _ := strings.Cut(s, ".")
	if len(frac) <= exp && !strings.ContainsAny(s, "eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return s
	}
	r := strconv.FormatFloat(f, 'f', exp, 64)
	back, _ := strconv.ParseFloat(r, 64)
	if math.Abs(back-f) > 1e-9*math.Max(1, math.Abs(f)) {
		return s
	}
	return r
}

func parseQuantity(s string, spreadsheet bool) (int, error) {
	if spreadsheet {
		s = roundSpreadsheetNumber(s, 0)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100000 {
		return 0, fmt.Errorf("%q is not a whole number between 1 and 100000", s)
	}
	return n, nil
}

func parseCurrency(s string) (money.Currency, error) {
	switch strings.ToUpper(s) {
	case "", "人民币", "RMB", "元":
		return money.CNY, nil
	}
	c := money.Currency(strings.ToUpper(s))
	if !c.Valid() {
		return "", fmt.Errorf("%q is not a currency this platform knows (CNY, HKD, TWD, USD, EUR, GBP, JPY, KRW)", s)
	}
	return c, nil
}

func parsePaymentMethod(s string) (string, error) {
	switch strings.ToLower(s) {
	case "online", "在线支付", "在线", "线上支付":
		return "online", nil
	case "cod", "货到付款":
		return "cod", nil
	}
	return "", fmt.Errorf("%q is not a payment method: write online (在线支付) or cod (货到付款)", s)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "0", "false", "no", "n", "否", "无", "没有":
		return false, nil
	case "1", "true", "yes", "y", "是", "有":
		return true, nil
	}
	return false, fmt.Errorf("%q is not yes or no: write true/false, 1/0 or 是/否", s)
}

// parseTags splits "custom_made;gift" (a full-width ； too) and drops empty entries.
func parseTags(s string) []string {
	var tags []string
	for t := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '；' }) {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}
