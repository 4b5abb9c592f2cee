package importer

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// build turns the rows of one order into an OrderInput, collecting every problem.
func (r *Reader) build(lines []*rawRow, extra int) *Order {
	first := lines[0]
	o := &Order{Input: app.OrderInput{OrderNo: first.orderNo}}
	for _, l := range lines {
		o.Rows = append(o.Rows, l.row)
	}
	bad := func(row int, c column, format string, args ...any) {
		p := Problem{Row: row, Message: fmt.Sprintf(format, args...)}
		if c >= 0 {
			p.Column = c.String()
		}
		o.Problems = append(o.Problems, p)
	}
	for _, l := range lines {
		if l.err != "" {
			bad(l.row, -1, "%s", l.err)
		}
	}
	if first.orderNo == "" {
		for _, l := range lines {
			if l.err == "" {
				bad(l.row, colOrderNo, "is empty: every line must carry its order number")
			}
		}
		return o
	}
	if prev, ok := r.seen[first.orderNo]; ok {
		bad(first.row, colOrderNo, "order %q already appeared at row %d: put all lines of an order on consecutive rows", first.orderNo, prev)
	} else {
		r.seen[first.orderNo] = first.row
	}
	if extra > 0 {
		bad(first.row, -1, "the order has %d lines; at most %d are allowed", len(lines)+extra, maxLines)
	}

	// The order's columns come from its first row; later rows may repeat them or leave
	// them empty, but may not say something else.
	cell := func(l *rawRow, c column) string { return r.layout.cell(l.cells, c) }
	for _, l := range lines[1:] {
		if l.err != "" {
			continue
		}
		for c := range numColumns {
			if !columns[c].order || c == colOrderNo {
				continue
			}
			if v := cell(l, c); v != "" && v != cell(first, c) {
				bad(l.row, c, "%q differs from %q on row %d of the same order", v, cell(first, c), first.row)
			}
		}
	}

	in := &o.Input
	sheet := r.format == XLSX
	in.Merchant = cell(first, colMerchant)
	in.Customer = cell(first, colCustomer)
	cur, err := parseCurrency(cell(first, colCurrency))
	if err != nil {
		bad(first.row, colCurrency, "%v", err)
	}
	in.Currency = string(cur)
	if in.PaymentMethod, err = parsePaymentMethod(cell(first, colPaymentMethod)); err != nil {
		bad(first.row, colPaymentMethod, "%v", err)
	}
	if cur != "" {
		if v := cell(first, colShippingFee); v != "" {
			fee, err := parseMoney(v, cur, sheet)
			if err != nil {
				bad(first.row, colShippingFee, "%v", err)
			}
			in.ShippingFee = fee.Minor
		}
	}
	if in.FreightInsurance, err = parseBool(cell(first, colFreightInsurance)); err != nil {
		bad(first.row, colFreightInsurance, "%v", err)
	}
	times := []struct {
		c   column
		dst **time.Time
	}{{colShippedAt, &in.ShippedAt}, {colDeliveredAt, &in.DeliveredAt}, {colCompletedAt, &in.CompletedAt}}
	if v := cell(first, colPaidAt); v == "" {
		bad(first.row, colPaidAt, "is empty")
	} else if t, err := parseTime(v, r.loc, sheet, r.date1904); err != nil {
		bad(first.row, colPaidAt, "%v", err)
	} else {
		in.PaidAt = t
	}
	for _, tc := range times {
		v := cell(first, tc.c)
		if v == "" {
			continue
		}
		if t, err := parseTime(v, r.loc, sheet, r.date1904); err != nil {
			bad(first.row, tc.c, "%v", err)
		} else {
			*tc.dst = &t
		}
	}
	for _, f := range []column{colMerchant, colCustomer} {
		if cell(first, f) == "" {
			bad(first.row, f, "is empty")
		}
	}

	for _, l := range lines {
		if l.err != "" {
			continue
		}
		it := app.OrderItemInput{SKU: cell(l, colSKU), Title: cell(l, colTitle), Category: cell(l, colCategory), Tags: parseTags(cell(l, colTags))}
		if it.SKU == "" {
			bad(l.row, colSKU, "is empty")
		}
		if it.Quantity, err = parseQuantity(cell(l, colQuantity), sheet); err != nil {
			bad(l.row, colQuantity, "%v", err)
		}
		for _, m := range []struct {
			c   column
			dst *int64
		}{{colUnitPrice, &it.UnitPrice}, {colPaidAmount, &it.PaidAmount}} {
			v := cell(l, m.c)
			if v == "" {
				bad(l.row, m.c, "is empty")
				continue
			}
			if cur == "" {
				continue
			}
			a, err := parseMoney(v, cur, sheet)
			if err != nil {
				bad(l.row, m.c, "%v", err)
			}
			*m.dst = a.Minor
		}
		in.Items = append(in.Items, it)
	}
	if len(o.Problems) > 0 {
		return o
	}
	// What the application would refuse is found here already, on the right row.
	if _, err := in.Order(); err != nil {
		o.Problems = append(o.Problems, problemsOf(err, o.Rows)...)
	}
	return o
}

var itemField = regexp.MustCompile(`^items\[(\d+)\]\.(\w+)$`)

// problemsOf turns an application error about an order into problems on the rows of the
// fields it names: items[i].x is the row of line i, anything else the order's first row.
func problemsOf(err error, rows []int) []Problem { return fieldProblems(err, rows, itemField) }

// fieldProblems turns an application error about a request made of rows into problems on
// the rows of the fields it names: a field matching indexed (list[i].x) is column x of
// rows[i], anything else is on the first row.
func fieldProblems(err error, rows []int, indexed *regexp.Regexp) []Problem {
	var ae *app.Error
	if !errors.As(err, &ae) {
		return []Problem{{Row: rows[0], Message: err.Error()}}
	}
	if len(ae.Fields) == 0 {
		return []Problem{{Row: rows[0], Message: ae.Message.EN}}
	}
	var ps []Problem
	for _, f := range ae.Fields {
		p := Problem{Row: rows[0], Column: f.Field, Message: f.Message.EN}
		if m := indexed.FindStringSubmatch(f.Field); m != nil {
			if i, err := strconv.Atoi(m[1]); err == nil && i < len(rows) {
				p.Row, p.Column = rows[i], m[2]
			}
		}
		ps = append(ps, p)
	}
	return ps
}
