package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/importer"
)

func (m *Main) importCmd(ctx context.Context, args []string) error {
	fs := m.flagSet("import", "orders|shipment-events FILE [flags]", `Imports orders or carrier events from a CSV or XLSX file (told apart by content), as
an integration, through the same commands as the API. In both, a header row names the
columns in English or Chinese, in any order, and times are RFC 3339 or
"2025-06-18 20:30:00" in Asia/Shanghai. Rows that are wrong are listed with their row
number and reason and skipped; the others are stored. Exit status 2 when some rows were
skipped.

import orders FILE: as POST /api/v1/orders. One row per order line, with the columns

  order_no 订单号  merchant 商家  customer 买家  currency 币种  payment_method 支付方式
  shipping_fee 运费  freight_insurance 运费险  paid_at 付款时间  shipped_at 发货时间
  delivered_at 签收时间  completed_at 完成时间  sku 商品编码  title 商品名称  category 类目
  quantity 数量  unit_price 单价  paid_amount 实付金额  tags 标签 (separated by ;)

Consecutive rows with the same order_no are one order. Money is in yuan ("12.34" is
¥12.34; "1234" is ¥1234.00, never fen). An existing order is updated. A bad row skips
its whole order.

import shipment-events FILE: as POST /api/v1/shipments/events. One row per carrier
event, with the columns

  carrier 承运商  tracking_no 运单号  event_id 事件编号  status 状态  at 时间
  location 地点  detail 说明  reason 原因 (a carrier's exception code)

The first five are required. status is picked_up, in_transit, out_for_delivery,
delivered, exception, returned_to_sender or lost (已揽收, 运输中, 派送中, 已签收, 异常,
已退回寄件人, 已丢失). Events are stored up to 500 at a time and the cases of their parcels
follow them; an event received before (same carrier and event_id) is counted as a
duplicate and changes nothing.`)
	var (
		sf       storeFlags
		merchant string
		sheet    string
		progress string
	)
	sf.register(fs)
	fs.StringVar(&merchant, "merchant", "", "import as an integration of the merchant `CODE`: orders of other merchants, and carrier events\nof parcels none of its cases has shipped, are refused")
	fs.StringVar(&sheet, "sheet", "", "the XLSX `SHEET` to read (default: the first)")
	fs.StringVar(&progress, "progress", progressAuto, "progress bar on standard error: auto (when it is a terminal), always or never")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0 || rest[0] != "orders" && rest[0] != "shipment-events":
		return usageErrorf("import: say what to import: import orders FILE or import shipment-events FILE")
	case len(rest) != 2:
		return usageErrorf("import %s: give exactly one FILE", rest[0])
	case progress != progressAuto && progress != progressAlways && progress != progressNever:
		return usageErrorf("import: --progress must be auto, always or never")
	}
	path := rest[1]
	p := app.Principal{Role: app.RoleIntegration, Merchant: merchant, ID: "cli-import"}
	if rest[0] == "shipment-events" {
		return m.importShipmentEvents(ctx, path, sf, p, sheet, progress)
	}
	r, err := importer.Open(path, importer.Options{Sheet: sheet})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer r.Close()
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	bar := m.newProgressBar("import", "rows", progress)
	sum, err := importer.Import(ctx, r, importer.AppSink(st.app, p), importer.ImportOptions{
		Progress: func(p importer.Progress) { bar.update(p.Rows, p.Fraction) },
	})
	bar.finish()
	m.printImportSummary(m.Stdout, path, st.where, &sum)
	if err != nil {
		return fmt.Errorf("import stopped: %w", describe(err))
	}
	if !sum.OK() {
		return &exitCodeError{code: exitBadRows, msg: fmt.Sprintf("%d of %d rows were not imported (%d orders skipped)",
			sum.SkippedRows, sum.Rows, sum.SkippedOrders)}
	}
	return nil
}

func (m *Main) printImportSummary(w io.Writer, path, where string, s *importer.Summary) {
	fmt.Fprintf(w, "imported %s (%s) into %s: %d rows, %d orders stored (%d new, %d updated), %d orders skipped (%d rows), %s\n",
		path, strings.ToUpper(string(s.Format)), where, s.Rows, s.Orders, s.Created, s.Updated, s.SkippedOrders, s.SkippedRows,
		s.Elapsed.Round(time.Millisecond))
	if len(s.Ignored) > 0 {
		fmt.Fprintf(w, "columns not read (unknown names): %s\n", strings.Join(s.Ignored, ", "))
	}
	if len(s.Rejected) == 0 {
		return
	}
	fmt.Fprintf(w, "\nskipped orders and their bad rows:\n")
	for _, rej := range s.Rejected {
		no := rej.OrderNo
		if no == "" {
			no = "(no order number)"
		}
		fmt.Fprintf(w, "  order %s, %s:\n", no, rowSpan(rej.Rows))
		for _, p := range rej.Problems {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	if s.Unlisted > 0 {
		fmt.Fprintf(w, "  … and %d more skipped orders\n", s.Unlisted)
	}
}

// importShipmentEvents is import shipment-events FILE.
func (m *Main) importShipmentEvents(ctx context.Context, path string, sf storeFlags, p app.Principal, sheet, progress string) error {
	r, err := importer.OpenShipmentEvents(path, importer.Options{Sheet: sheet})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer r.Close()
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	bar := m.newProgressBar("import", "rows", progress)
	sum, err := importer.ImportShipmentEvents(ctx, r, importer.AppShipmentEventSink(st.app, p), importer.ImportOptions{
		Progress: func(p importer.Progress) { bar.update(p.Rows, p.Fraction) },
	})
	bar.finish()
	m.printShipmentEventSummary(m.Stdout, path, st.where, &sum)
	if err != nil {
		return fmt.Errorf("import stopped: %w", describe(err))
	}
	if !sum.OK() {
		return &exitCodeError{code: exitBadRows, msg: fmt.Sprintf("%d of %d rows were not imported", sum.SkippedRows, sum.Rows)}
	}
	return nil
}

func (m *Main) printShipmentEventSummary(w io.Writer, path, where string, s *importer.ShipmentEventSummary) {
	fmt.Fprintf(w, "imported %s (%s) into %s: %d rows, %d events stored (%d matched to a case), %d duplicates, %d rows skipped, %s\n",
		path, strings.ToUpper(string(s.Format)), where, s.Rows, s.Events, s.Matched, s.Duplicates, s.SkippedRows,
		s.Elapsed.Round(time.Millisecond))
	if len(s.Ignored) > 0 {
		fmt.Fprintf(w, "columns not read (unknown names): %s\n", strings.Join(s.Ignored, ", "))
	}
	if len(s.Rejected) == 0 {
		return
	}
	fmt.Fprintf(w, "\nskipped rows:\n")
	for _, rej := range s.Rejected {
		fmt.Fprintf(w, "  row %d (%s):\n", rej.Row, eventName(rej))
		for _, p := range rej.Problems {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	if s.Unlisted > 0 {
		fmt.Fprintf(w, "  … and %d more skipped rows\n", s.Unlisted)
	}
}

// eventName names a skipped row's event by what the row says of it.
func eventName(r importer.RejectedRow) string {
	or := func(s, none string) string {
		if s == "" {
			return none
		}
		return s
	}
	return fmt.Sprintf("carrier %s, tracking number %s, event %s", or(r.Carrier, "?"), or(r.TrackingNo, "?"), or(r.EventID, "?"))
}

func rowSpan(rows []int) string {
	switch {
	case len(rows) == 1:
		return fmt.Sprintf("row %d", rows[0])
	case rows[len(rows)-1]-rows[0] == len(rows)-1:
		return fmt.Sprintf("rows %d–%d", rows[0], rows[len(rows)-1])
	}
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprint(r)
	}
	return "rows " + strings.Join(parts, ", ")
}
