package importer

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/aftersales/aftersales/internal/app"
)

const header = "order_no,merchant,customer,currency,payment_method,shipping_fee,freight_insurance,paid_at,shipped_at,delivered_at,completed_at,sku,title,category,quantity,unit_price,paid_amount,tags\n"

// readAll reads every order of a CSV text.
func readAll(t *testing.T, text string) (*Reader, []*Order) {
	t.Helper()
	r, err := NewCSV(strings.NewReader(text), Options{})
	if err != nil {
		t.Fatalf("NewCSV: %v", err)
	}
	var orders []*Order
	for {
		o, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, orders
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		orders = append(orders, o)
	}
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func TestReadsOrdersWithTheirLines(t *testing.T) {
	text := header +
		"A1001,shop-a,c-1,CNY,online,8.00,true,2025-06-18 20:30:00,2025-06-19 09:00:00,2025-06-21 15:04:05,,SKU-1,保温杯,home,2,59.90,99.80,gift;custom_made\n" +
		"A1001,shop-a,c-1,CNY,online,8.00,true,2025-06-18 20:30:00,2025-06-19 09:00:00,2025-06-21 15:04:05,,SKU-2,杯套,home,1,10,10,\n" +
		"A1002,shop-b,c-2,,cod,,,2025-06-18T12:00:00Z,,,,SKU-9,Tea,food,3,1234,3000.5, perishable ； \n"
	r, orders := readAll(t, text)
	if len(orders) != 2 {
		t.Fatalf("got %d orders, want 2", len(orders))
	}
	want := app.OrderInput{
		OrderNo: "A1001", Merchant: "shop-a", Customer: "c-1", Currency: "CNY", PaymentMethod: "online",
		ShippingFee: 800, FreightInsurance: true, PaidAt: at("2025-06-18 20:30:00"),
		ShippedAt: ptr(at("2025-06-19 09:00:00")), DeliveredAt: ptr(at("2025-06-21 15:04:05")),
		Items: []app.OrderItemInput{
			{SKU: "SKU-1", Title: "保温杯", Category: "home", Quantity: 2, UnitPrice: 5990, PaidAmount: 9980, Tags: []string{"gift", "custom_made"}},
			{SKU: "SKU-2", Title: "杯套", Category: "home", Quantity: 1, UnitPrice: 1000, PaidAmount: 1000},
		},
	}
	if !orders[0].OK() || !reflect.DeepEqual(orders[0].Input, want) {
		t.Errorf("order 1 = %+v %v\nwant %+v", orders[0].Input, orders[0].Problems, want)
	}
	if got := orders[0].Rows; !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("rows = %v, want [2 3]", got)
	}
	// Money is yuan, not fen: "1234" is ¥1234.00.
	o2 := orders[1].Input
	if !orders[1].OK() || o2.Currency != "CNY" || o2.PaymentMethod != "cod" || o2.Items[0].UnitPrice != 123400 ||
		o2.Items[0].PaidAmount != 300050 || !o2.PaidAt.Equal(time.Date(2025, 6, 18, 12, 0, 0, 0, time.UTC)) ||
		!reflect.DeepEqual(o2.Items[0].Tags, []string{"perishable"}) {
		t.Errorf("order 2 = %+v %v", o2, orders[1].Problems)
	}
	if r.Rows() != 3 {
		t.Errorf("Rows() = %d, want 3", r.Rows())
	}
}

func TestChineseHeaderInAnyOrderAndGB18030(t *testing.T) {
	text := "商品编码,数量,单价（元）,实付金额,订单号,商家,买家,支付方式,付款时间,运费险,收货地址\n" +
		"S1,1,10.00,9.50,B1,店铺甲,买家1,货到付款,2025/6/18 8:05,是,北京市\n"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"utf-8": text, "utf-8 with BOM": "\uFEFF" + text, "gb18030": gbk} {
		t.Run(name, func(t *testing.T) {
			r, orders := readAll(t, s)
			if len(orders) != 1 || !orders[0].OK() {
				t.Fatalf("orders = %+v", orders)
			}
			in := orders[0].Input
			if in.OrderNo != "B1" || in.Merchant != "店铺甲" || in.PaymentMethod != "cod" || !in.FreightInsurance ||
				!in.PaidAt.Equal(at("2025-06-18 08:05:00")) || in.Items[0].PaidAmount != 950 {
				t.Errorf("input = %+v", in)
			}
			if !reflect.DeepEqual(r.Ignored(), []string{"收货地址"}) {
				t.Errorf("Ignored() = %q", r.Ignored())
			}
		})
	}
}

func TestBadRowsSkipTheirOrderAndKeepTheOthers(t *testing.T) {
	const ok = "2025-06-18 20:30:00"
	tests := []struct {
		name string
		rows string // after the header and a good order: starting at row 3
		want []string
	}{
		{"amount with three decimals", "X,m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,12.345,12,\n",
			[]string{"row 3: unit_price: \"12.345\" is not an amount of CNY"}},
		{"negative amount", "X,m,c,,online,-1,,2025-06-18 20:30:00,,,,S,,,1,1,1,\n",
			[]string{"row 3: shipping_fee: \"-1\" is negative"}},
		{"time in an unknown form", "X,m,c,,online,,,18.06.2025,,,,S,,,1,1,1,\n",
			[]string{"row 3: paid_at: \"18.06.2025\" is not a time"}},
		{"unknown payment method", "X,m,c,,alipay,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\n",
			[]string{"row 3: payment_method: \"alipay\" is not a payment method"}},
		{"zero quantity and empty sku", "X,m,c,,online,,,2025-06-18 20:30:00,,,,,,,0,1,1,\n",
			[]string{"row 3: sku: is empty", "row 3: quantity: \"0\" is not a whole number"}},
		{"second line names another merchant", "X,m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\nX,other,,,,,,,,,,T,,,1,1,1,\n",
			[]string{"row 4: merchant: \"other\" differs from \"m\" on row 3"}},
		{"paid more than price times quantity (application rule, on its line)", "X,m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\nX,,,,,,,,,,,T,,,2,1,3,\n",
			[]string{"row 4: paid_amount: is more than unit_price × quantity"}},
		{"delivered before shipped", "X,m,c,,online,,,2025-06-18 20:30:00,2025-06-20 10:00:00,2025-06-19 10:00:00,,S,,,1,1,1,\n",
			[]string{"row 3: delivered_at: is before shipped_at"}},
		{"empty order number", ",m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\n",
			[]string{"row 3: order_no: is empty"}},
		{"bare quote", "X,m,c,,online,,,2025-06-18 20:30:00,,,,S,12\" pan,,1,1,1,\n",
			[]string{"row 3: cell 13 (line 3) has a \" but is not quoted"}},
		{"freight insurance not yes or no", "X,m,c,,online,,maybe,2025-06-18 20:30:00,,,,S,,,1,1,1,\n",
			[]string{"row 3: freight_insurance: \"maybe\" is not yes or no"}},
		{"unknown currency", "X,m,c,XYZ,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\n",
			[]string{"row 3: currency: \"XYZ\" is not a currency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := "G1,m,c,,online,,," + ok + ",,,,S,,,1,1,1,\n"
			after := "G2,m,c,,online,,," + ok + ",,,,S,,,1,1,1,\n"
			_, orders := readAll(t, header+good+tt.rows+after)
			if len(orders) != 3 {
				t.Fatalf("got %d orders, want 3: %+v", len(orders), orders)
			}
			if !orders[0].OK() || !orders[2].OK() {
				t.Errorf("the good orders around it have problems: %v %v", orders[0].Problems, orders[2].Problems)
			}
			bad := orders[1]
			if bad.OK() {
				t.Fatalf("order %+v has no problems", bad.Input)
			}
			var got []string
			for _, p := range bad.Problems {
				got = append(got, p.String())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %d like %q", got, len(tt.want), tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want it to start with %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestAnOrderSplitApartIsRefusedTheSecondTime(t *testing.T) {
	row := func(no, sku string) string {
		return no + ",m,c,,online,,,2025-06-18 20:30:00,,,,S" + sku + ",,,1,1,1,\n"
	}
	_, orders := readAll(t, header+row("A", "1")+row("B", "1")+row("A", "2"))
	if len(orders) != 3 || !orders[0].OK() || !orders[1].OK() || orders[2].OK() {
		t.Fatalf("orders = %+v", orders)
	}
	if got := orders[2].Problems[0].String(); !strings.Contains(got, `order "A" already appeared at row 2`) {
		t.Errorf("problem = %q", got)
	}
}

func TestAnUnterminatedQuoteSkipsTheOrderAboveIt(t *testing.T) {
	text := header + "A,m,c,,online,,,2025-06-18 20:30:00,,,,S1,,,1,1,1,\n" + "A,m,c,,online,,,2025-06-18 20:30:00,,,,S2,\"open,,1,1,1,\n"
	_, orders := readAll(t, text)
	if len(orders) != 1 || orders[0].OK() {
		t.Fatalf("orders = %+v", orders)
	}
	if got := orders[0].Problems[0].String(); !strings.HasPrefix(got, "row 3: cell 13 (line 3) has a stray or missing \"") {
		t.Errorf("problem = %q", got)
	}
}

func TestHeaderProblemsStopTheRead(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"empty file", "", "row 1 (header): the file is empty"},
		{"missing columns", "order_no,merchant\nA,m\n", "row 1 (header): missing required columns: customer (买家), payment_method (支付方式)"},
		{"a column twice", header[:len(header)-1] + ",订单号\n", `column order_no appears twice ("order_no" and "订单号")`},
		{"blank lines before the header are skipped", "\n\norder_no\n", "row 3 (header): missing required columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCSV(strings.NewReader(tt.text), Options{})
			var he *HeaderError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a HeaderError containing %q", err, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, head string
		want       Format
		err        string
	}{
		{"orders.csv", "order_no", CSV, ""},
		{"orders.txt", "PK\x03\x04", XLSX, ""},
		{"orders", "订单号", CSV, ""},
		{"orders.xls", "\xD0\xCF\x11\xE0", "", "legacy .xls"},
		{"orders.xlsx", "order_no", "", "not an XLSX workbook"},
	}
	for _, tt := range tests {
		got, err := Detect(tt.name, []byte(tt.head))
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Detect(%q, %q) = %q, %v; want %q, %q", tt.name, tt.head, got, err, tt.want, tt.err)
		}
	}
}
