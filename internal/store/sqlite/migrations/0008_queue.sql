-- The service desk's queue (store.Tx.ListCases) and the customer portal's orders
-- (store.Tx.ListOrders).

-- The case's priority and the gravest SLA notice recorded on it (aftersale.Case.SLAFlag:
-- 'breached', 'at_risk' or '') live in its JSON; the queue filters on them, so the row
-- keeps them beside it, written with the case. Existing rows are filled from their JSON.
ALTER TABLE cases ADD COLUMN priority TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN sla TEXT NOT NULL DEFAULT '';
UPDATE cases SET
    priority = coalesce(json_extract(data, '$.priority'), ''),
    sla = CASE
        WHEN EXISTS (SELECT 1 FROM json_each(cases.data, '$.sla_notices') WHERE value GLOB '*:breach') THEN 'breached'
        WHEN EXISTS (SELECT 1 FROM json_each(cases.data, '$.sla_notices') WHERE value GLOB '*:warning') THEN 'at_risk'
        ELSE ''
    END;
-- Few cases have a notice: only those are in the index (queries say sla <> '' to use it).
CREATE INDEX cases_sla_created ON cases (sla, created_at DESC, id DESC) WHERE sla <> '';
CREATE INDEX cases_merchant_sla_created ON cases (merchant_code, sla, created_at DESC, id DESC) WHERE sla <> '';

-- Sorted by deadline, soonest first, cases without one last: the sort key is due_at with
-- NULL as the largest integer (store/sqlite dueKey, which must be written exactly so).
CREATE INDEX cases_due_sort ON cases (coalesce(due_at, 9223372036854775807), id);
CREATE INDEX cases_merchant_due_sort ON cases (merchant_code, coalesce(due_at, 9223372036854775807), id);

-- A search of four digits matches the end of the customer's phone number: its last four
-- digits, other characters ignored (store.PhoneLast4), kept by UpdateCustomer. Existing
-- phones are reduced to their digits here, one character at a time.
ALTER TABLE customers ADD COLUMN phone_last4 TEXT NOT NULL DEFAULT '';
CREATE TEMP TABLE phone_digits AS
WITH RECURSIVE d (id, rest, digits) AS (
    SELECT id, phone, '' FROM customers WHERE phone <> ''
    UNION ALL
    SELECT id, substr(rest, 2),
           digits || CASE WHEN substr(rest, 1, 1) BETWEEN '0' AND '9' THEN substr(rest, 1, 1) ELSE '' END
    FROM d WHERE rest <> ''
)
SELECT id, digits FROM d WHERE rest = '';
UPDATE customers SET phone_last4 = substr(p.digits, -4)
FROM temp.phone_digits AS p
WHERE p.id = customers.id AND length(p.digits) >= 4;
DROP TABLE temp.phone_digits;
CREATE INDEX customers_phone_last4 ON customers (phone_last4) WHERE phone_last4 <> '';

-- Orders newest first (store.Tx.ListOrders), of a customer, of a merchant, of everyone (an
-- admin, an agent of every shop): the order number, which breaks ties of paid_at, is in
-- the index too, so that a page is read in order rather than sorted.
DROP INDEX orders_customer_paid;
CREATE INDEX orders_customer_paid ON orders (customer_id, paid_at DESC, order_no DESC);
DROP INDEX orders_merchant_paid;
CREATE INDEX orders_merchant_paid ON orders (merchant_code, paid_at DESC, order_no DESC);
CREATE INDEX orders_paid ON orders (paid_at DESC, order_no DESC);
