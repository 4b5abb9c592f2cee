package importer

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCSV feeds arbitrary bytes to the CSV reader: it must never panic, must end, and
// every error and problem must be a readable sentence tied to a row.
func FuzzCSV(f *testing.F) {
	f.Add([]byte(header + "A1,m,c,CNY,online,8.00,true,2025-06-18 20:30:00,,,,S1,杯,home,2,59.90,99.80,gift\n"))
	f.Add([]byte("订单号,商家,买家,支付方式,付款时间,商品编码,数量,单价,实付金额\nA,m,c,cod,2025/6/18 8:05,S,1,1,1\nA,,,,,T,1,1,\"1\n"))
	f.Add([]byte("\uFEFForder_no,merchant\n\"a\"\"b\",x\n"))
	f.Add([]byte(header + ",,,,,,,,,,,,,,,,,\nX,m,c,,online,,,1e9,,,,S,,,99999999999,1e3,-0,;;\n"))
	f.Add([]byte("\xb6\xa9\xb5\xa5\xba\xc5\n")) // 订单号 in GB18030
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewCSV(strings.NewReader(string(data)), Options{Size: int64(len(data))})
		if err != nil {
			readable(t, err.Error())
			var he *HeaderError
			if errors.As(err, &he) && he.Row < 1 {
				t.Errorf("header error on row %d", he.Row)
			}
			return
		}
		for n := 0; ; n++ {
			if n > len(data)+1 {
				t.Fatal("more orders than bytes: the reader does not end")
			}
			o, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				readable(t, err.Error())
				break
			}
			if len(o.Rows) == 0 {
				t.Fatal("an order without rows")
			}
			for _, p := range o.Problems {
				if p.Row < 2 {
					t.Errorf("problem on row %d: %v", p.Row, p)
				}
				readable(t, p.String())
			}
			if o.OK() {
				if _, err := o.Input.Order(); err != nil {
					t.Errorf("an order without problems does not validate: %v", err)
				}
			}
		}
		if p := r.Progress(); (p < 0 && len(data) > 0) || p > 1 {
			t.Errorf("Progress() = %v", p)
		}
	})
}

func readable(t *testing.T, s string) {
	t.Helper()
	if s == "" || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		t.Errorf("unreadable message %q", s)
	}
}
