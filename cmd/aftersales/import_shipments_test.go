package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestImportShipmentEventsStoresTheGoodRowsAndExits2OnABadRow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := filepath.Join(dir, "events.csv")
	os.WriteFile(csv, []byte(strings.Join([]string{
		"承运商,运单号,事件编号,状态,时间,地点,说明",
		"SF,SF1000000001,E1,已揽收,2025-06-18 20:30:00,深圳,收件",
		"SF,SF1000000001,E2,in_transit,2025-06-19 08:00:00,广州,",
		"SF,SF1000000001,E1,已揽收,2025-06-18 20:30:00,深圳,收件",
		"SF,SF1000000001,E3,flying,2025-06-19 09:00:00,,",
		"YTO,YT2000000002,Y1,派送中,2025-06-20 09:05:00,上海,",
	}, "\n")+"\n"), 0o600)

	stdout, stderr, err := run(t, nil, "import", "shipment-events", csv, "--data", dir, "--progress", "always")
	if code := ExitCode(err); code != exitBadRows {
		t.Fatalf("exit %d (%v), want 2\n%s\n%s", code, err, stdout, stderr)
	}
	for _, want := range []string{
		"(CSV) into ",
		": 5 rows, 3 events stored (0 matched to a case), 1 duplicates, 1 rows skipped, ",
		"skipped rows:\n  row 5 (carrier SF, tracking number SF1000000001, event E3):\n",
		`    row 5: status: "flying" is not a carrier status`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(ErrorMessage(err), "1 of 5 rows were not imported") {
		t.Errorf("error = %v", err)
	}
	if !strings.Contains(stderr, "\rimport ") || !strings.Contains(stderr, "100%") || !strings.Contains(stderr, "5 rows") {
		t.Errorf("progress bar on stderr = %q", stderr)
	}

	p := newProgram(nil)
	defer p.Close()
	st, err := p.openStack(context.Background(), stackConfig{store: storeFlags{data: dir}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.app.GetShipment(context.Background(), cliPrincipal, "sf", "SF1000000001")
	if err != nil || v.Status != "in_transit" || len(v.Events) != 2 {
		t.Errorf("SF1000000001 = %+v, %v", v, err)
	}

	// Imported again with the bad row fixed: its event is stored, the others are duplicates.
	fixed, _ := os.ReadFile(csv)
	os.WriteFile(csv, bytes.Replace(fixed, []byte("flying"), []byte("out_for_delivery"), 1), 0o600)
	stdout, _, err = run(t, nil, "import", "shipment-events", csv, "--data", dir)
	if err != nil || !strings.Contains(stdout, "5 rows, 1 events stored (0 matched to a case), 4 duplicates, 0 rows skipped") {
		t.Errorf("second import: %v\n%s", err, stdout)
	}
}

func TestImportShipmentEventsFromXLSX(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := excelize.NewFile()
	rows := [][]any{
		{"carrier", "tracking_no", "event_id", "status", "at"},
		{"sf", "SF3000000003", 1001, "delivered", "2025-06-18 20:30:00"},
		{"sf", "SF3000000003", 1000, "picked_up", "2025-06-17T08:00:00+08:00"},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(f.GetSheetName(0), cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "events") // no extension: told by content
	if err := f.SaveAs(path + ".xlsx"); err != nil {
		t.Fatal(err)
	}
	os.Rename(path+".xlsx", path)
	stdout, _, err := run(t, nil, "import", "shipment-events", path, "--data", dir)
	if err != nil || !strings.Contains(stdout, "(XLSX)") || !strings.Contains(stdout, "2 rows, 2 events stored (0 matched to a case), 0 duplicates, 0 rows skipped") {
		t.Errorf("import: %v\n%s", err, stdout)
	}
}

func TestImportShipmentEventsRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orders := filepath.Join(dir, "orders.csv")
	os.WriteFile(orders, []byte("订单号,商家,买家,支付方式,付款时间,商品编码,数量,单价,实付金额\n"), 0o600)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "shipment-events", orders}, exitError, "row 1 (header): missing required columns: carrier (承运商), tracking_no (运单号)"},
		{[]string{"import", "shipment-events", filepath.Join(dir, "missing.csv")}, exitError, "no such file"},
		{[]string{"import", "shipment-events"}, exitUsage, "import shipment-events: give exactly one FILE"},
		{[]string{"import", "shipments", orders}, exitUsage, "import orders FILE or import shipment-events FILE"},
	}
	for _, tt := range tests {
		_, _, err := run(t, nil, append(tt.args, "--data", dir)...)
		if ExitCode(err) != tt.code || !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("%v: exit %d %v; want %d and %q", tt.args, ExitCode(err), err, tt.code, tt.want)
		}
	}
}
