-- Product recalls (a recall plan, 应急预案): the order lines holding a recalled SKU are read
-- by SKU (order_items' key starts with the order number), and a recall plan marks each line
-- it takes up, once — the key is what keeps a plan from opening two cases for one line,
-- however often it is started and however many replicas run it.
CREATE INDEX order_items_sku_order ON order_items (sku, order_no);

CREATE TABLE plan_recall_lines (
    plan_id  TEXT NOT NULL REFERENCES plans (id),
    sku      TEXT NOT NULL,
    order_no TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (plan_id, sku, order_no)
) WITHOUT ROWID;
