-- Fewer index entries a case write makes (issue 18; docs/PERFORMANCE.md, seventh session).
-- A case row not updated in place (HOT) writes an entry into every index whose predicate
-- holds, so each index is paid for at the case's opening and at every transition.
--
-- cases_due: the overdue filter is on the deadline sort key now (ListCases), which the
-- deadline indexes already hold; nothing else read it.
DROP INDEX cases_due;
-- An agent's cases: most cases are nobody's (assignee ''), and every query that reads these
-- names an agent (the queue's assignee filter, OpenLoad), so only owned cases are indexed.
DROP INDEX cases_assignee_state_due;
CREATE INDEX cases_assignee_state_due ON cases (assignee, state, (coalesce(due_at, 'infinity'::timestamptz)), id)
    WHERE assignee <> '';
DROP INDEX cases_assignee_created;
CREATE INDEX cases_assignee_created ON cases (assignee, created_at DESC, id DESC) WHERE assignee <> '';
-- The quality review samples closed cases with an owner (ReviewCandidates): an open case's
-- updates no longer write here.
DROP INDEX cases_assigned_state_updated;
CREATE INDEX cases_closed_assigned_updated ON cases (state, updated_at DESC, id DESC)
    WHERE assignee <> '' AND state IN ('completed', 'closed');
