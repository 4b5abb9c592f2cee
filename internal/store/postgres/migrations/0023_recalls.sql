-- Product recalls (a recall plan, 应急预案): the order lines holding a recalled SKU are read
-- by SKU (order_items' key starts with the order number), and a recall plan marks each line
-- it takes up, once — the key is what keeps a plan from opening two cases for one line,
-- however often it is started and however many replicas run it. SKUs and order numbers
-- compare byte-wise (COLLATE "C"), as the batches page by them.
CREATE INDEX order_items_sku_order ON order_items (sku, order_no COLLATE "C");

CREATE TABLE plan_recall_lines (
    plan_id  text NOT NULL REFERENCES plans (id),
    sku      text COLLATE "C" NOT NULL,
    order_no text COLLATE "C" NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (plan_id, sku, order_no)
);
