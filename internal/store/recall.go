package store

import "context"

// RecallLine is an order line holding a recalled SKU, as a recall plan reads it: what it
// needs to open a case for the line, or to say why it does not.
type RecallLine struct {
	OrderNo  string
	SKU      string
	Title    string
	Merchant string
	Customer string
	Quantity int
	Claimed  int // units already in cases that return or refund them (order.Item.Claimed)
	// Shipped and Delivered are whether the order has left the merchant and been signed for.
	Shipped   bool
	Delivered bool
	// OpenCase is the number of a case on the line that has not ended (neither completed
	// nor closed), "" when none; the earliest-numbered when several.
	OpenCase string
}

// RecallLineQuery selects the lines a recall plan has still to take up.
type RecallLineQuery struct {
	Plan string   // the plan: lines it marked (MarkRecallLine) are left out
	SKUs []string // the recalled SKUs; none selects nothing
	// AfterSKU and AfterOrder continue after this line (SKU, then order number): the last
	// line of the previous batch; both "" from the start.
	AfterSKU   string
	AfterOrder string
	Limit      int // 1–1000; 0 means 100
}

// Recalls is the part of a transaction that finds the order lines of a product recall and
// remembers which of them a recall plan has taken up, so that a plan opens at most one case
// per order line however often it is started and however many replicas run it.
type Recalls interface {
	// RecallLines returns up to q.Limit order lines holding one of q.SKUs that plan q.Plan
	// has not marked, by SKU then order number (byte-wise), after (AfterSKU, AfterOrder).
	// It reads the lines through an index on the SKU (order_items_sku_order), never the
	// whole order table, and the marks through their key.
	RecallLines(ctx context.Context, q RecallLineQuery) ([]RecallLine, error)
	// MarkRecallLine records that plan took up the order line (orderNo, sku), at Now; false
	// when the plan had marked it already (the key plan, SKU, order number; ON CONFLICT DO
	// NOTHING), and nothing changes. The statement is sent at once, so a concurrent
	// transaction that marked the same line first is waited for and then answers false.
	MarkRecallLine(ctx context.Context, plan, sku, orderNo string) (bool, error)
	// RecallMarks counts the lines plan has marked.
	RecallMarks(ctx context.Context, plan string) (int, error)
}
