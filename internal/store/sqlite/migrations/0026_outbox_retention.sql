-- Sent messages are deleted some days after they were created (store PruneOutbox, serve
-- --outbox-retention): nothing reads them, and they were a third of the rows a case's life
-- cycle writes (docs/SCALING.md, "What grows without end"). The pruning reads this index
-- from its oldest entry and stops at the first too young.
CREATE INDEX outbox_sent ON outbox (created_at) WHERE state = 'sent';
