package apitest

import "testing"

// The check of problems' Chinese catches what it is for.
func TestCheckChineseCatchesEnglish(t *testing.T) {
	for body, bad := range map[string]bool{
		`{"detail_zh":"请求内容有误","errors":[{"field":"items[0].quantity","message":{"zh":"订单字段无效:must be between 1 and 100000","en":"must be between 1 and 100000"}}]}`: true,
		`{"detail_zh":"the request has invalid fields"}`: true,
		`{"detail_zh":"请求内容有误","errors":[{"field":"q","message":{"zh":"此操作不接受查询参数 \"stat\"(可用:state、type)","en":"x"}}]}`: false,
	} {
		if err := checkChinese([]byte(body)); (err != nil) != bad {
			t.Errorf("%s: %v, want bad %v", body, err, bad)
		}
	}
}
