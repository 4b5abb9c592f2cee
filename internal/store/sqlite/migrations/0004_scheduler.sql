-- The scheduler and the outbox relay (DESIGN.md "Time", §4, §6).
--
-- A timer keeps the error of its last failed firing, as an outbox message does.
ALTER TABLE timers ADD COLUMN last_error TEXT NOT NULL DEFAULT '';

-- When a pending row can next be claimed: its due (available) time, or the end of its
-- lease if later (max() of two values is SQLite's greatest()). A failed firing leaves the
-- due time as it was and hides the timer behind a lease until its retry time, so the next
-- claimable row is not the first by due time; without this index NextTimerDue and
-- NextOutboxAvailable would read every pending row.
CREATE INDEX timers_next ON timers (max(due_at, coalesce(lease_until, due_at))) WHERE state = 'pending';
CREATE INDEX outbox_next ON outbox (max(available_at, coalesce(lease_until, available_at))) WHERE state = 'pending';

-- The relay claims pending messages oldest (lowest id) first: it walks this index and skips
-- the few leased or waiting ones, instead of sorting every available message by id.
-- outbox_available served no query that outbox_next and outbox_pending do not serve better.
DROP INDEX outbox_available;
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';

-- Dead letters are few and listed newest first, without reading the sent messages.
CREATE INDEX outbox_dead ON outbox (id) WHERE state = 'dead';
