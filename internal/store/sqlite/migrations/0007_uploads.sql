-- Upload quotas count what an owner uploaded in the last day (store.Tx.UploadUsage): the
-- index holds the size too, so that the count and the sum are read from the index alone.
CREATE INDEX attachments_owner ON attachments (owner_role, owner_id, created_at, size);
-- The sweeper deletes uploads that no case claimed once they are old enough
-- (store.Tx.DeleteUnlinkedAttachments): only those rows are in this index.
CREATE INDEX attachments_unlinked ON attachments (created_at) WHERE case_id IS NULL;
