package store

import "testing"

// A phone search matches the last four digits of the number as the shop system sent it,
// whatever separators it wrote.
func TestPhoneLast4IgnoresAllButDigits(t *testing.T) {
	for phone, want := range map[string]string{
		"13800001234":       "1234",
		"+86 138-0000-5678": "5678",
		"(021) 6000-9876":   "9876",
		"4321 ext. 12":      "2112",
		"021":               "",
		"":                  "",
		"电话 1 2 3 4":        "1234",
		"１２３４":              "", // full-width digits are not ASCII digits
	} {
		if got := PhoneLast4(phone); got != want {
			t.Errorf("PhoneLast4(%q) = %q, want %q", phone, got, want)
		}
	}
	for search, want := range map[string]bool{"1234": true, "0000": true, "123": false, "12345": false, "12a4": false, "AS12": false} {
		if got := IsPhoneLast4(search); got != want {
			t.Errorf("IsPhoneLast4(%q) = %v", search, got)
		}
	}
}
