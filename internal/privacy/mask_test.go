package privacy

import "testing"

// SPEC §14: phone numbers and addresses are masked (138****1234) for everyone who does not
// need them.
func TestMasking(t *testing.T) {
	for _, tt := range []struct {
		fn       func(string) string
		in, want string
	}{
		{Phone, "13812341234", "138****1234"},
		{Phone, "+8613812341234", "+86*******1234"},
		{Phone, "12345", "***45"},
		{Phone, "12", "**"},
		{Phone, "", ""},
		{Name, "张伟", "张*"},
		{Name, "欧阳娜娜", "欧***"},
		{Name, "Alice", "A****"},
		{Name, "", ""},
		{Address, "浙江省杭州市西湖区文三路90号3幢201", "浙江省杭州市西湖区****"},
		{Address, "上海市浦东新区世纪大道100号", "上海市浦东新区****"},
		{Address, "内蒙古自治区呼和浩特市新城区某路1号", "内蒙古自治区呼和浩特市新城区****"},
		{Address, "123 Main Street, Springfield", "123 Ma****"},
		{Address, "上海市", "上海市"},
	} {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
