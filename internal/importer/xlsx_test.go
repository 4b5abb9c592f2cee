package importer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// mustXLSX builds a workbook whose first sheet holds rows; cells keep their Go types, so
// numbers are number cells and times are date cells, as a shop's export would have them.
func mustXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	style, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm: the display must not matter
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
			if _, ok := v.(time.Time); ok {
				f.SetCellStyle(sheet, cell, cell, style)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXWithNumberAndDateCells(t *testing.T) {
	// A date cell holds a wall clock with no zone; it is read in Asia/Shanghai.
	paid := time.Date(2025, 6, 18, 20, 30, 0, 0, time.UTC)
	data := mustXLSX(t, [][]any{
		{"订单号", "商家", "买家", "支付方式", "付款时间", "签收时间", "发货时间", "商品编码", "数量", "单价", "实付金额", "运费", "标签"},
		{"X1", "shop", "c1", "online", paid, "2025-06-21 10:00:00", "2025-06-19 10:00:00", "S1", 2, 59.9, 0.1 + 0.2, 8, "gift"},
		{"X1", "shop", "c1", "online", paid, nil, nil, "S2", 1, 10, 10, nil, nil},
		{},
		{20250001, "shop", "c2", "cod", "2025-06-18 08:00:00", nil, nil, "S1", 1, 1.005, 1, nil, nil},
		{"X3", "shop", "c3", "cod", "2025-06-18 08:00:00", nil, nil, "S1", 1.5, 1, 1, nil, nil},
	})
	r, err := NewXLSX(bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var orders []*Order
	for {
		o, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
	}
	if len(orders) != 3 {
		t.Fatalf("got %d orders, want 3", len(orders))
	}
	x1 := orders[0]
	if !x1.OK() {
		t.Fatalf("X1 problems: %v", x1.Problems)
	}
	in := x1.Input
	it := in.Items[0]
	switch {
	case !in.PaidAt.Equal(at("2025-06-18 20:30:00")):
		t.Errorf("paid_at = %v", in.PaidAt)
	case in.DeliveredAt == nil || !in.DeliveredAt.Equal(at("2025-06-21 10:00:00")):
		t.Errorf("delivered_at = %v", in.DeliveredAt)
	case it.UnitPrice != 5990 || it.PaidAmount != 30 || it.Quantity != 2 || in.ShippingFee != 800:
		// 0.1+0.2 is stored as 0.30000000000000004: a number cell's float noise is rounded.
		t.Errorf("item = %+v, shipping %d", it, in.ShippingFee)
	case len(in.Items) != 2 || x1.Rows[1] != 3:
		t.Errorf("lines = %+v rows %v", in.Items, x1.Rows)
	}
	// The blank row 4 is skipped; row numbers are the sheet's.
	bad := orders[1]
	if bad.Input.OrderNo != "20250001" || bad.OK() || bad.Problems[0].Row != 5 ||
		!strings.Contains(bad.Problems[0].String(), `unit_price: "1.005" is not an amount`) {
		t.Errorf("order 20250001 = %+v", bad)
	}
	if p := orders[2].Problems; len(p) != 1 || p[0].Row != 6 || p[0].Column != "quantity" {
		t.Errorf("X3 problems = %v", p)
	}
	// excelize writes no real dimension ("A1"), so the size of the sheet is unknown.
	if r.Rows() != 4 || r.Progress() != -1 {
		t.Errorf("Rows() = %d, Progress() = %v", r.Rows(), r.Progress())
	}
}

func TestOpenTellsXLSXFromCSVByContent(t *testing.T) {
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "export.dat")
	os.WriteFile(xlsx, mustXLSX(t, [][]any{{"order_no", "merchant", "customer", "payment_method", "paid_at", "sku", "quantity", "unit_price", "paid_amount"},
		{"A", "m", "c", "online", "2025-06-18 08:00:00", "S", 1, 1, 1}}), 0o600)
	csvPath := filepath.Join(dir, "export.csv")
	os.WriteFile(csvPath, []byte(header+"A,m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\n"), 0o600)
	for path, want := range map[string]Format{xlsx: XLSX, csvPath: CSV} {
		r, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("Open(%s): %v", path, err)
		}
		o, err := r.Next()
		if r.Format() != want || err != nil || !o.OK() {
			t.Errorf("Open(%s): format %s, order %+v, %v", path, r.Format(), o, err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}
