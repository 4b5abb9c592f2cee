-- The service desk's queue (store.Tx.ListCases) and the customer portal's orders
-- (store.Tx.ListOrders).

-- The case's priority and the gravest SLA notice recorded on it (aftersale.Case.SLAFlag:
-- 'breached', 'at_risk' or '') live in its JSON; the queue filters on them, so the row
-- keeps them beside it, written with the case. Existing rows are filled from their JSON.
ALTER TABLE cases ADD COLUMN priority text NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN sla text NOT NULL DEFAULT '';
UPDATE cases SET
    priority = coalesce(data->>'priority', ''),
    sla = CASE
        WHEN EXISTS (SELECT 1 FROM json_array_elements_text(CASE WHEN json_typeof(data->'sla_notices') = 'array' THEN data->'sla_notices' ELSE '[]' END) AS n
                     WHERE n LIKE '%:breach') THEN 'breached'
        WHEN EXISTS (SELECT 1 FROM json_array_elements_text(CASE WHEN json_typeof(data->'sla_notices') = 'array' THEN data->'sla_notices' ELSE '[]' END) AS n
                     WHERE n LIKE '%:warning') THEN 'at_risk'
        ELSE ''
    END;
-- Few cases have a notice: only those are in the index (queries say sla <> '' to use it).
CREATE INDEX cases_sla_created ON cases (sla, created_at DESC, id DESC) WHERE sla <> '';
CREATE INDEX cases_merchant_sla_created ON cases (merchant_code, sla, created_at DESC, id DESC) WHERE sla <> '';

-- Sorted by deadline, soonest first, cases without one last: the sort key is due_at with
-- NULL as infinity (store/postgres dueKey, which must be written exactly so).
CREATE INDEX cases_due_sort ON cases ((coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX cases_merchant_due_sort ON cases (merchant_code, (coalesce(due_at, 'infinity'::timestamptz)), id);

-- A search of four digits matches the end of the customer's phone number: its last four
-- digits, other characters ignored (store.PhoneLast4), kept by UpdateCustomer.
ALTER TABLE customers ADD COLUMN phone_last4 text NOT NULL DEFAULT '';
UPDATE customers SET phone_last4 = right(regexp_replace(phone, '[^0-9]', '', 'g'), 4)
WHERE length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 4;
CREATE INDEX customers_phone_last4 ON customers (phone_last4) WHERE phone_last4 <> '';

-- Orders newest first (store.Tx.ListOrders), of a customer, of a merchant, of everyone (an
-- admin, an agent of every shop): the order number, which breaks ties of paid_at, is in
-- the index too, so that a page is read in order rather than sorted.
DROP INDEX orders_customer_paid;
CREATE INDEX orders_customer_paid ON orders (customer_id, paid_at DESC, order_no DESC);
DROP INDEX orders_merchant_paid;
CREATE INDEX orders_merchant_paid ON orders (merchant_code, paid_at DESC, order_no DESC);
CREATE INDEX orders_paid ON orders (paid_at DESC, order_no DESC);
