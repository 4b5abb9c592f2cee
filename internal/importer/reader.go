// Package importer reads orders, and carrier events, from CSV and XLSX files exported by a
// shop's or a carrier's system and imports them through the application's commands, the
// same ones the API runs (DESIGN.md principle 2): UpsertOrder for orders,
// RecordShipmentEvents for carrier events (see shipments.go for that kind of file).
//
// An order file has one row per order line and a header row that names the columns, in
// English or Chinese and in any order:
//
//	order_no 订单号            merchant 商家          customer 买家
//	currency 币种              payment_method 支付方式  shipping_fee 运费
//	freight_insurance 运费险   paid_at 付款时间        shipped_at 发货时间
//	delivered_at 签收时间      completed_at 完成时间   sku 商品编码
//	title 商品名称             category 类目          quantity 数量
//	unit_price 单价            paid_amount 实付金额    tags 标签
//
// Required: order_no, merchant, customer, payment_method, paid_at, sku, quantity,
// unit_price, paid_amount. Consecutive rows with the same order_no are one order; its
// order columns may be repeated on every row (they must then agree) or left empty after the
// first. Money is written in yuan (major units) with at most the currency's decimals —
// "12.34" is ¥12.34, "1234" is ¥1234.00, never fen. Times are RFC 3339, or wall-clock
// "2006-01-02 15:04:05" in Asia/Shanghai (also with "/" and without seconds), or a date
// cell in a spreadsheet. payment_method is online/cod (在线支付/货到付款); freight_insurance is
// true/false, 1/0 or 是/否; tags are separated by semicolons. Currency is CNY when empty.
//
// A row that is wrong is reported with its row number (the file's line for CSV, the
// sheet's row for XLSX; the header is row 1) and every reason, and its whole order is
// skipped; the other orders are kept. CSV is read as a stream, one order at a time; what
// the reader keeps besides is the number and first row of every order seen (a few dozen
// bytes each), to catch an order whose lines are not on consecutive rows.
package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without a zoneinfo database.

	"github.com/aftersales/aftersales/internal/app"
)

// maxLines is the most lines an order may have (order.Validate's limit); the reader keeps
// no more than this of one order in memory.
const maxLines = 500

// Format is the kind of an import file.
type Format string

// Formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Options adjust a Reader.
type Options struct {
	// Location reads wall-clock times; Asia/Shanghai when nil.
	Location *time.Location
	// Sheet is the XLSX sheet to read; the first sheet when empty.
	Sheet string
	// Size is the CSV file's size in bytes, for Progress; 0 when unknown.
	Size int64
}

// Problem is something wrong with one row.
type Problem struct {
	Row     int
	Column  string // the column's English name; "" for the row as a whole
	Message string
}

func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	}
	return fmt.Sprintf("row %d: %s: %s", p.Row, p.Column, p.Message)
}

// Order is an order read from the file with the rows it came from. An order with
// problems must not be imported.
type Order struct {
	Input    app.OrderInput
	Rows     []int // the rows of its lines, in file order
	Problems []Problem
}

// OK reports whether the order has no problems.
func (o *Order) OK() bool { return len(o.Problems) == 0 }

// source yields the rows of a file. A row it cannot split into cells comes with a
// *rowError and the cells it could read (possibly none).
type source interface {
	next() (row int, cells []string, err error)
	progress() float64
	close() error
}

// table is a file read row by row under its header row, whatever kind of import it
// holds: the source, the header's layout of the kind's columns, and the count of rows.
type table struct {
	src      source
	format   Format
	loc      *time.Location
	layout   *layout
	date1904 bool
	rows     int
	closer   io.Closer
}

// Reader reads orders from a file, one order per Next.
type Reader struct {
	table

	pending *rawRow        // a row read ahead: the first of the next order
	seen    map[string]int // order number → first row, to catch an order split apart
	done    bool
}

// rawRow is a row as read, kept until its order is complete.
type rawRow struct {
	row     int
	orderNo string // orders only
	cells   []string
	err     string // the source could not read the row
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err) // time/tzdata is linked in
	}
	return loc
}()

// NewCSV returns a Reader of a CSV file (UTF-8, with or without a byte order mark, or
// GB18030 as Excel writes it on Chinese Windows). It reads the header row at once.
func NewCSV(r io.Reader, opts Options) (*Reader, error) {
	src, err := newCSVSource(r, opts.Size)
	if err != nil {
		return nil, err
	}
	return newReader(src, CSV, opts)
}

// NewXLSX returns a Reader of an XLSX workbook's sheet. The workbook is unpacked in
// memory (large sheets spill to temporary files) and the sheet's rows are streamed.
func NewXLSX(r io.Reader, opts Options) (*Reader, error) {
	src, err := newXLSXSource(r, opts.Sheet)
	if err != nil {
		return nil, err
	}
	return newReader(src, XLSX, opts)
}

// Open opens an order file, telling CSV from XLSX by its content (an XLSX file is a zip
// archive) and, for an empty or ambiguous file, by its extension. The Reader closes the file.
func Open(path string, opts Options) (*Reader, error) {
	r := &Reader{seen: map[string]int{}}
	if err := r.open(path, orderColumns, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// open opens a file of the kind set describes, as Open tells: the table closes the file.
func (t *table) open(path string, set *columnSet, opts Options) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	head := make([]byte, 8)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fail(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	format, err := Detect(path, head[:n])
	if err != nil {
		return fail(err)
	}
	var src source
	switch format {
	case XLSX:
		src, err = newXLSXSource(f, opts.Sheet)
	default:
		if st, serr := f.Stat(); serr == nil && opts.Size == 0 {
			opts.Size = st.Size()
		}
		src, err = newCSVSource(f, opts.Size)
	}
	if err == nil {
		err = t.init(src, format, set, opts)
	}
	if err != nil {
		return fail(err)
	}
	t.closer = f
	return nil
}

// Detect tells the format of a file from its first bytes and its name.
func Detect(name string, head []byte) (Format, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return XLSX, nil
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0")):
		return "", errors.New("this is a legacy .xls workbook (or an encrypted one): save it as .xlsx or CSV UTF-8")
	case ext == ".xlsx" || ext == ".xlsm":
		return "", errors.New("the name says XLSX but the content is not an XLSX workbook")
	}
	return CSV, nil
}

func newReader(src source, format Format, opts Options) (*Reader, error) {
	r := &Reader{seen: map[string]int{}}
	if err := r.init(src, format, orderColumns, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// init reads the header row of src, which must name the columns of set; on failure it
// closes src.
func (t *table) init(src source, format Format, set *columnSet, opts Options) error {
	t.src, t.format, t.loc = src, format, opts.Location
	if t.loc == nil {
		t.loc = shanghai
	}
	if xs, ok := src.(*xlsxSource); ok {
		t.date1904 = xs.date1904
	}
	for {
		row, cells, err := src.next()
		var re *rowError
		switch {
		case errors.Is(err, io.EOF):
			src.close()
			return &HeaderError{Row: 1, Message: "the file is empty: the first row must name the columns"}
		case errors.As(err, &re):
			src.close()
			return &HeaderError{Row: row, Message: re.msg}
		case err != nil:
			src.close()
			return err
		}
		if blank(cells) {
			continue
		}
		l, err := parseHeader(set, row, cells)
		if err != nil {
			src.close()
			return err
		}
		t.layout = l
		return nil
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Format is the file's format.
func (t *table) Format() Format { return t.format }

// Ignored lists the header cells that name no known column; their values are not read.
func (t *table) Ignored() []string { return t.layout.ignored }

// Rows is the number of data rows read so far (blank rows not counted).
func (t *table) Rows() int { return t.rows }

// Progress is the part of the file read so far, from 0 to 1, or -1 when unknown.
func (t *table) Progress() float64 { return t.src.progress() }

// Close releases the file.
func (t *table) Close() error {
	err := t.src.close()
	if t.closer != nil {
		err = errors.Join(err, t.closer.Close())
	}
	return err
}

// next returns the next non-blank row, or io.EOF.
func (t *table) next() (*rawRow, error) {
	for {
		row, cells, err := t.src.next()
		var re *rowError
		if err != nil && !errors.As(err, &re) {
			return nil, err
		}
		if re == nil && blank(cells) {
			continue
		}
		t.rows++
		raw := &rawRow{row: row, cells: slices.Clone(cells)}
		if re != nil {
			raw.err = re.msg
		}
		return raw, nil
	}
}

// read returns the next non-blank row with its order number, or io.EOF.
func (r *Reader) read() (*rawRow, error) {
	if p := r.pending; p != nil {
		r.pending = nil
		return p, nil
	}
	raw, err := r.next()
	if err != nil {
		return nil, err
	}
	raw.orderNo = r.layout.cell(raw.cells, colOrderNo)
	return raw, nil
}

// Next returns the next order with the rows it came from, or io.EOF after the last. An
// order with Problems must be skipped; any other error means the file cannot be read on.
func (r *Reader) Next() (*Order, error) {
	if r.done {
		return nil, io.EOF
	}
	first, err := r.read()
	if errors.Is(err, io.EOF) {
		r.done = true
		return nil, io.EOF
	} else if err != nil {
		return nil, err
	}
	lines := []*rawRow{first}
	extra := 0 // lines beyond maxLines, counted but not kept
	for {
		next, err := r.read()
		if errors.Is(err, io.EOF) {
			r.done = true
			break
		} else if err != nil {
			return nil, err
		}
		// An unreadable row without an order number is taken to belong to the order above
		// it, so that the order is skipped rather than imported without that line.
		if next.orderNo != first.orderNo && (next.err == "" || next.orderNo != "") {
			r.pending = next
			break
		}
		if len(lines) > maxLines {
			extra++
			continue
		}
		lines = append(lines, next)
	}
	return r.build(lines, extra), nil
}
