-- A case's revision counts every write of its row: its transitions (version) and the writes
-- that change no version — a public message moves the case's SLA trail (issue 18). A write
-- is refused unless the row is still the revision it was made from, so that a transition
-- and a message written at once cannot lose each other's trail. Existing rows start at 0,
-- as their documents (which have no rev) read.
ALTER TABLE cases ADD COLUMN rev bigint NOT NULL DEFAULT 0;
