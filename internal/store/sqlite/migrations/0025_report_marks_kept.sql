-- A record's mark is kept once folded: folded_seq is the seq its last fold covered, and
-- the record waits to be folded while seq > folded_seq. Its seq therefore only grows, so
-- a folder that read a mark outside its writing transaction can claim it later by seq
-- alone (store ClaimDirty): a mark cleared and made again is never the same mark. The
-- table holds a row per record ever changed, as report_contributions does.
ALTER TABLE report_dirty ADD COLUMN folded_seq INTEGER NOT NULL DEFAULT 0;
DROP INDEX report_dirty_marked;
CREATE INDEX report_dirty_waiting ON report_dirty (marked_at, kind, id) WHERE seq > folded_seq;
