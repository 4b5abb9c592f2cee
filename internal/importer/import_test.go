package importer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
)

// memorySink is a realistic stand-in for the application: it validates like UpsertOrder
// and refuses an order number that belongs to another merchant.
type memorySink map[string]app.OrderInput

func (m memorySink) upsert(_ context.Context, in app.OrderInput) (bool, error) {
	if _, err := in.Order(); err != nil {
		return false, err
	}
	prev, ok := m[in.OrderNo]
	if ok && prev.Merchant != in.Merchant {
		return false, &app.Error{Code: app.CodeInvalid, Message: app.Text{EN: "the request has invalid fields"},
			Fields: []app.FieldError{{Field: "order_no", Message: app.Text{EN: "this order number belongs to another merchant"}}}}
	}
	m[in.OrderNo] = in
	return !ok, nil
}

func TestImportStoresGoodOrdersAndReportsBadRows(t *testing.T) {
	row := func(no, merchant, sku, paid string) string {
		return no + "," + merchant + ",c,,online,,,2025-06-18 20:30:00,,,,S" + sku + ",,,1,10," + paid + ",\n"
	}
	text := header +
		row("A", "m", "1", "10") + row("A", "m", "2", "10") + // created
		row("B", "m", "1", "x") + row("B", "m", "2", "10") + // bad row 4: the whole order is skipped
		row("TAKEN", "m", "1", "10") + // the application refuses it
		row("D", "m", "1", "10") // updated
	sink := memorySink{"TAKEN": {OrderNo: "TAKEN", Merchant: "other"}, "D": {OrderNo: "D", Merchant: "m"}}
	r, err := NewCSV(strings.NewReader(text), Options{Size: int64(len(text))})
	if err != nil {
		t.Fatal(err)
	}
	var reports []Progress
	s, err := Import(context.Background(), r, sink.upsert, ImportOptions{Progress: func(p Progress) { reports = append(reports, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Rows != 6 || s.Created != 1 || s.Updated != 1 || s.Orders != 2 || s.SkippedOrders != 2 || s.SkippedRows != 3 || s.OK() {
		t.Errorf("summary = %+v", s)
	}
	if len(sink["A"].Items) != 2 || sink["B"].OrderNo != "" {
		t.Errorf("stored = %+v", sink)
	}
	want := []string{
		`row 4: paid_amount: "x" is not an amount`,
		`row 6: order_no: this order number belongs to another merchant`,
	}
	if len(s.Rejected) != 2 {
		t.Fatalf("rejected = %+v", s.Rejected)
	}
	for i, rej := range s.Rejected {
		if got := rej.Problems[0].String(); !strings.HasPrefix(got, want[i]) {
			t.Errorf("rejected %s: %q, want %q", rej.OrderNo, got, want[i])
		}
	}
	last := reports[len(reports)-1]
	if !last.Done || last.Rows != 6 || last.Fraction != 1 || last.Orders != 2 || last.Skipped != 2 {
		t.Errorf("last progress = %+v", last)
	}
}

func TestImportStopsWhenTheStoreFails(t *testing.T) {
	text := header + "A,m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\nB,m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\n"
	r, err := NewCSV(strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	down := errors.New("database is down")
	calls := 0
	_, err = Import(context.Background(), r, func(context.Context, app.OrderInput) (bool, error) {
		calls++
		return false, &app.Error{Code: app.CodeInternal, Err: down}
	}, ImportOptions{})
	if !errors.Is(err, down) || calls != 1 || !strings.Contains(err.Error(), "order A (row 2)") {
		t.Errorf("err = %v after %d calls", err, calls)
	}
}

func TestImportStopsWhenCancelled(t *testing.T) {
	text := header + "A,m,c,,online,,,2025-06-18 20:30:00,,,,S,,,1,1,1,\n"
	r, err := NewCSV(strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Import(ctx, r, memorySink{}.upsert, ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
