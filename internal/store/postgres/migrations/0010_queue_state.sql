-- The queue filtered by one state, by deadline: the walk starts at the state's first case
-- instead of reading a merchant's cases in deadline order until the rare state turns up
-- (as in SQLite's 0010; docs/PERFORMANCE.md, "Pages at 100,000 cases").
CREATE INDEX cases_merchant_state_due ON cases (merchant_code, state, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX cases_state_due ON cases (state, (coalesce(due_at, 'infinity'::timestamptz)), id);
