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
	fs := m.flagSet("import", "orders FILE [flags]", `Imports orders from a CSV or XLSX file (told apart by content) through the same
command as POST /api/v1/orders, as an integration. One row per order line; a header row
names the columns in English or Chinese, in any order:

  order_no 订单号  merchant 商家  customer 买家  currency 币种  payment_method 支付方式
  shipping_fee 运费  freight_insurance 运费险  paid_at 付款时间  shipped_at 发货时间
  delivered_at 签收时间  completed_at 完成时间  sku 商品编码  title 商品名称  category 类目
  quantity 数量  unit_price 单价  paid_amount 实付金额  tags 标签 (separated by ;)

Consecutive rows with the same order_no are one order. Money is in yuan ("12.34" is
¥12.34; "1234" is ¥1234.00, never fen). Times are RFC 3339 or "2025-06-18 20:30:00" in
Asia/Shanghai. An existing order is updated. Rows that are wrong are listed with their
row number and reason and their order is skipped; the others are stored. Exit status 2
when some rows were skipped.`)
	var (
		sf       storeFlags
		merchant string
		sheet    string
		progress string
	)
	sf.register(fs)
	fs.StringVar(&merchant, "merchant", "", "import as an integration of the merchant `CODE`: orders of other merchants are refused")
	fs.StringVar(&sheet, "sheet", "", "the XLSX `SHEET` to read (default: the first)")
	fs.StringVar(&progress, "progress", progressAuto, "progress bar on standard error: auto (when it is a terminal), always or never")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0 || rest[0] != "orders":
		return usageErrorf("import: say what to import: import orders FILE")
	case len(rest) != 2:
		return usageErrorf("import orders: give exactly one FILE")
	case progress != progressAuto && progress != progressAlways && progress != progressNever:
		return usageErrorf("import: --progress must be auto, always or never")
	}
	path := rest[1]
	r, err := importer.Open(path, importer.Options{Sheet: sheet})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer r.Close()
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	p := app.Principal{Role: app.RoleIntegration, Merchant: merchant, ID: "cli-import"}
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
