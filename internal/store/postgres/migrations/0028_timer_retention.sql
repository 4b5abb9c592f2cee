-- Ended timers (fired or cancelled) are deleted some days after they ended (store
-- PruneTimers, serve --timer-retention): nothing reads them — the scheduler, a case's
-- timers and the stats read pending ones — and a life cycle ends about seven
-- (docs/SCALING.md, "What grows without end"). Their ids are random, so the pruning reads
-- this index from its oldest entry and stops at the first too young; a timer's updated_at is
-- when it ended.
CREATE INDEX timers_ended ON timers (updated_at) WHERE state <> 'pending';
