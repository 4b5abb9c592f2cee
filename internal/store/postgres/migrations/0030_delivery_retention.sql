-- Webhook deliveries that ended (delivered, or failed for good) are deleted some weeks after
-- they ended (store PruneDeliveries, serve --webhook-retention): a merchant reads a webhook's
-- recent deliveries, and redelivers a failed one, while they are fresh. The pruning reads
-- this index from its oldest entry and stops at the first too young; a delivery's updated_at
-- is when it ended. Only webhook subscribers' events write here.
CREATE INDEX webhook_deliveries_ended ON webhook_deliveries (updated_at) WHERE state <> 'pending';
