package importer

import (
	"fmt"
	"strings"
)

// column is a field of the order file (an index into columns and orderColumns).
type column int

const (
	colOrderNo column = iota
	colMerchant
	colCustomer
	colCurrency
	colPaymentMethod
	colShippingFee
	colFreightInsurance
	colPaidAt
	colShippedAt
	colDeliveredAt
	colCompletedAt
	colSKU
	colTitle
	colCategory
	colQuantity
	colUnitPrice
	colPaidAmount
	colTags
	numColumns
)

// columnInfo names a column in English (the canonical name) and Chinese, and says whether
// the header must have it and whether it belongs to the order (repeated on each of its
// lines) or to the line.
type columnInfo struct {
	name     string
	zh       string
	required bool
	order    bool
}

var columns = [numColumns]columnInfo{
	colOrderNo:          {"order_no", "订单号", true, true},
	colMerchant:         {"merchant", "商家", true, true},
	colCustomer:         {"customer", "买家", true, true},
	colCurrency:         {"currency", "币种", false, true},
	colPaymentMethod:    {"payment_method", "支付方式", true, true},
	colShippingFee:      {"shipping_fee", "运费", false, true},
	colFreightInsurance: {"freight_insurance", "运费险", false, true},
	colPaidAt:           {"paid_at", "付款时间", true, true},
	colShippedAt:        {"shipped_at", "发货时间", false, true},
	colDeliveredAt:      {"delivered_at", "签收时间", false, true},
	colCompletedAt:      {"completed_at", "完成时间", false, true},
	colSKU:              {"sku", "商品编码", true, false},
	colTitle:            {"title", "商品名称", false, false},
	colCategory:         {"category", "类目", false, false},
	colQuantity:         {"quantity", "数量", true, false},
	colUnitPrice:        {"unit_price", "单价", true, false},
	colPaidAmount:       {"paid_amount", "实付金额", true, false},
	colTags:             {"tags", "标签", false, false},
}

func (c column) String() string { return columns[c].name }

// orderColumns are the columns of an order file.
var orderColumns = newColumnSet(columns[:])

// columnSet is the columns of one kind of file (orders, carrier events): each kind numbers
// its columns from 0 with its own constants, which index cols and a layout's cells.
type columnSet struct {
	cols   []columnInfo
	byName map[string]int // normalized English or Chinese name → column
}

func newColumnSet(cols []columnInfo) *columnSet {
	s := &columnSet{cols: cols, byName: make(map[string]int, 2*len(cols))}
	for c, info := range cols {
		s.byName[info.name] = c
		s.byName[info.zh] = c
	}
	return s
}

// normalizeHeader folds the spellings of a header cell that people and spreadsheets
// produce: surrounding spaces, a byte order mark, case, spaces or hyphens for
// underscores, and a unit in brackets ("单价（元）", "Unit Price (yuan)").
func normalizeHeader(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	for _, open := range []string{"(", "（", "["} {
		if i := strings.Index(s, open); i > 0 {
			s = s[:i]
		}
	}
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// layout maps the columns of a file to fields.
type layout struct {
	index   []int    // cell index of each column of its set, -1 if absent
	ignored []string // header cells that name no column
}

// HeaderError is a header row the importer cannot use: nothing can be read from the file.
type HeaderError struct {
	Row     int
	Message string
}

func (e *HeaderError) Error() string { return fmt.Sprintf("row %d (header): %s", e.Row, e.Message) }

func parseHeader(set *columnSet, row int, cells []string) (*layout, error) {
	l := &layout{index: make([]int, len(set.cols))}
	for i := range l.index {
		l.index[i] = -1
	}
	for i, cell := range cells {
		name := normalizeHeader(cell)
		if name == "" {
			continue
		}
		c, ok := set.byName[name]
		if !ok {
			l.ignored = append(l.ignored, strings.TrimSpace(cell))
			continue
		}
		if prev := l.index[c]; prev >= 0 {
			return nil, &HeaderError{Row: row, Message: fmt.Sprintf("column %s appears twice (%q and %q)", set.cols[c].name, cells[prev], cell)}
		}
		l.index[c] = i
	}
	var missing []string
	for c, info := range set.cols {
		if info.required && l.index[c] < 0 {
			missing = append(missing, info.name+" ("+info.zh+")")
		}
	}
	if len(missing) > 0 {
		return nil, &HeaderError{Row: row, Message: "missing required columns: " + strings.Join(missing, ", ") +
			"; the first row must name the columns, in English or Chinese, in any order"}
	}
	return l, nil
}

// cell returns the trimmed value of order column c in a row, "" when the row is shorter.
func (l *layout) cell(cells []string, c column) string { return l.at(cells, int(c)) }

// at returns the trimmed value of column c of the layout's set in a row, "" when the
// column is absent or the row is shorter.
func (l *layout) at(cells []string, c int) string {
	i := l.index[c]
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}
