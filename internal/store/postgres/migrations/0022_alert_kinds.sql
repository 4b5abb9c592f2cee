-- The early warning watches a shop's complaint rate too (kind merchant_complaints).
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check
    CHECK (kind IN ('sku', 'category', 'merchant', 'merchant_complaints'));
