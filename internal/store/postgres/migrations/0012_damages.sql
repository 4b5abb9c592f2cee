-- Damages (赔偿金): what a dispute's ruling awards beyond the price under a compensation
-- standard (a refund plus three times the price for counterfeit goods). They pay back no
-- item, so no item's paid amount caps them.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind CHECK (kind IN ('refund', 'compensation', 'shipping_reimbursement',
        'price_difference', 'charge', 'advance', 'recovery', 'damages'));
