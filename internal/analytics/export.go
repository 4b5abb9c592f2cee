package analytics

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// MarshalJSON writes the result as {"report", "from", "to", "group_by", "rows": [{…}],
// "totals": {…}} and, when compared, "compare": {"from", "to", "rows", "totals",
// "change"}: each total's relative change against the previous period (null when the
// previous one is 0 or not a number). Row fields keep the columns' order.
func (r *Result) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	r.writeJSON(&b, true)
	return b.Bytes(), nil
}

func (r *Result) writeJSON(b *bytes.Buffer, top bool) {
	str := func(s string) { v, _ := json.Marshal(s); b.Write(v) }
	b.WriteByte('{')
	if top {
		b.WriteString(`"report":`)
		str(r.Report)
		b.WriteString(`,"group_by":`)
		str(r.GroupBy)
		b.WriteByte(',')
	}
	b.WriteString(`"from":`)
	str(r.From)
	b.WriteString(`,"to":`)
	str(r.To)
	b.WriteString(`,"rows":[`)
	for i, row := range r.Rows {
		if i > 0 {
			b.WriteByte(',')
		}
		writeObject(b, r.Columns, row)
	}
	b.WriteString(`],"totals":`)
	writeObject(b, r.Columns[1:], r.Totals)
	if top && r.Previous != nil {
		b.WriteString(`,"compare":`)
		p := *r.Previous
		var inner bytes.Buffer
		p.writeJSON(&inner, false)
		// Splice "change" into the previous period's object.
		inner.Truncate(inner.Len() - 1)
		b.Write(inner.Bytes())
		b.WriteString(`,"change":`)
		writeObject(b, r.Columns[1:], r.Change())
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func writeObject(b *bytes.Buffer, cols []Column, vals []any) {
	b.WriteByte('{')
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c.Name)
		b.Write(k)
		b.WriteByte(':')
		var v any
		if i < len(vals) {
			v = vals[i]
		}
		x, err := json.Marshal(v)
		if err != nil {
			x = []byte("null")
		}
		b.Write(x)
	}
	b.WriteByte('}')
}

// Change returns each total's relative change against the previous period: (now −
// before) / before, rounded to 4 places; nil when there is no previous period, before
// is 0, or the value is not a number.
func (r *Result) Change() []any {
	out := make([]any, len(r.Totals))
	if r.Previous == nil {
		return out
	}
	for i, v := range r.Totals {
		now, ok1 := number(v)
		before, ok2 := number(r.Previous.Totals[i])
		if ok1 && ok2 && before != 0 {
			out[i] = round((now-before)/before, 4)
		}
	}
	return out
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// WriteCSV writes the rows as CSV for machines: a header of the JSON field names, then
// one line per row; empty fields where the JSON has null.
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Name
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(r.Columns))
	for i, row := range r.Rows {
		for j := range rec {
			rec[j] = cell(row[j])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		if i%256 == 255 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the rows as a workbook for people: headings in the reader's language,
// reasons and themes by their names, numbers as numbers, a totals line, and the period
// compared with on a second sheet when there is one.
func (r *Result) WriteXLSX(w io.Writer, lang string, themes Themes) error {
	f := excelize.NewFile()
	defer f.Close()
	title := Text{"报表", "Report"}
	if d, ok := Find(r.Report); ok {
		title = d.Title
	}
	sheet := sheetName(title.In(lang))
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if err := r.writeSheet(f, sheet, lang, themes); err != nil {
		return err
	}
	if r.Previous != nil {
		prev := sheetName(Text{"上一周期", "Previous period"}.In(lang))
		if _, err := f.NewSheet(prev); err != nil {
			return err
		}
		if err := r.Previous.writeSheet(f, prev, lang, themes); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func sheetName(s string) string {
	rs := []rune(s)
	if len(rs) > 31 {
		rs = rs[:31]
	}
	return string(rs)
}

func (r *Result) writeSheet(f *excelize.File, sheet, lang string, themes Themes) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head := make([]any, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = excelize.Cell{Value: c.Title.In(lang), StyleID: bold}
	}
	if err := sw.SetColWidth(1, len(r.Columns), 14); err != nil {
		return err
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
		return err
	}
	line := 2
	vals := make([]any, len(r.Columns))
	for _, row := range r.Rows {
		for j, v := range row {
			vals[j] = xlsxValue(v)
		}
		vals[0] = Label(r.GroupBy, cell(row[0]), lang, themes)
		axis, _ := excelize.CoordinatesToCellName(1, line)
		if err := sw.SetRow(axis, vals); err != nil {
			return err
		}
		line++
	}
	tot := make([]any, len(r.Columns))
	tot[0] = excelize.Cell{Value: Text{"合计", "Total"}.In(lang), StyleID: bold}
	for j, v := range r.Totals {
		tot[j+1] = xlsxValue(v)
	}
	axis, _ := excelize.CoordinatesToCellName(1, line)
	if err := sw.SetRow(axis, tot); err != nil {
		return err
	}
	return sw.Flush()
}

func xlsxValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return f // money as a number the sheet can add up
		}
		return x
	}
	return v
}
