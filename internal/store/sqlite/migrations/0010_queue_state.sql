-- The queue filtered by one state, by deadline: a rare state (disputed cases have no
-- deadline and sort last) was found by walking all of a merchant's cases in deadline
-- order — 85 ms at 100,000 cases. With the state beside the merchant, the walk starts at
-- the state's first case (docs/PERFORMANCE.md, "Pages at 100,000 cases").
CREATE INDEX cases_merchant_state_due ON cases (merchant_code, state, coalesce(due_at, 9223372036854775807), id);
CREATE INDEX cases_state_due ON cases (state, coalesce(due_at, 9223372036854775807), id);
