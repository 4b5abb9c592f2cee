-- The service desk (store.Desk): the assignment rules and their round robin, canned
-- replies, the knowledge base and its search index, satisfaction surveys, quality reviews
-- and the inbound email taken in; who owns a case or a complaint, beside its JSON; and the
-- staff account an API token acts as. Times are INTEGER Unix microseconds (UTC); NULL
-- where a time may be absent.

-- The assignment rules (desk.Rules as JSON, kept byte for byte): one row, replaced whole,
-- each version once.
CREATE TABLE desk_rules (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Each group's round robin: the member it gave work to last.
CREATE TABLE desk_cursors (
    desk_group TEXT PRIMARY KEY,
    member     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Canned replies (话术): the platform's (merchant '') and each merchant's, listed by their
-- Chinese title.
CREATE TABLE canned_replies (
    id         TEXT PRIMARY KEY,
    scope      TEXT NOT NULL,           -- platform | merchant
    merchant   TEXT NOT NULL,           -- for scope merchant
    title_zh   TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    body_zh    TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    shortcut   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_replies_owner ON canned_replies (scope, merchant, title_zh, id);

-- Knowledge-base articles, most recently updated first, of all or in a status; length is
-- the article's length in terms, set with its terms (SetArticleTerms).
CREATE TABLE kb_articles (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    language   TEXT NOT NULL,
    status     TEXT NOT NULL,
    category   TEXT NOT NULL,
    tags       TEXT NOT NULL,           -- JSON list
    length     INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL,
    author     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX kb_articles_updated ON kb_articles (updated_at DESC, id DESC);
CREATE INDEX kb_articles_status_updated ON kb_articles (status, updated_at DESC, id DESC);

-- The search index: each term's weighted count in each article, found by term (the
-- primary key); an article's terms go with it.
CREATE TABLE kb_terms (
    term       TEXT NOT NULL,
    article_id TEXT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    count      INTEGER NOT NULL,
    PRIMARY KEY (term, article_id)
);
CREATE INDEX kb_terms_article ON kb_terms (article_id);

-- Satisfaction surveys (满意度): one per case, newest first, of all, of a merchant, of an
-- agent.
CREATE TABLE surveys (
    case_id  TEXT PRIMARY KEY REFERENCES cases (id),
    number   TEXT NOT NULL,
    merchant TEXT NOT NULL,
    customer TEXT NOT NULL,
    category TEXT NOT NULL,
    agent    TEXT NOT NULL,             -- '' none
    attitude INTEGER NOT NULL,
    speed    INTEGER NOT NULL,
    result   INTEGER NOT NULL,
    comment  TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX surveys_at ON surveys (at DESC, case_id DESC);
CREATE INDEX surveys_merchant_at ON surveys (merchant, at DESC, case_id DESC);
CREATE INDEX surveys_agent_at ON surveys (agent, at DESC, case_id DESC);

-- Quality reviews (质检): one per case, newest first, of all, of an agent, in a state.
CREATE TABLE quality_reviews (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL UNIQUE REFERENCES cases (id),
    case_number TEXT NOT NULL,
    merchant    TEXT NOT NULL,
    agent       TEXT NOT NULL,
    rule        TEXT NOT NULL,
    state       TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    scores      TEXT NOT NULL,          -- JSON object: criterion code → score
    total       REAL NOT NULL,
    comment     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    done_at     INTEGER                 -- NULL while pending
);
CREATE INDEX quality_reviews_created ON quality_reviews (created_at DESC, id DESC);
CREATE INDEX quality_reviews_agent_created ON quality_reviews (agent, created_at DESC, id DESC);
CREATE INDEX quality_reviews_state_created ON quality_reviews (state, created_at DESC, id DESC);

-- Inbound email already taken in, by Message-ID: the same email is never taken in twice.
CREATE TABLE inbound_emails (
    message_id TEXT PRIMARY KEY,
    sender     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    case_id    TEXT NOT NULL,           -- '' none
    complaint  TEXT NOT NULL,           -- '' none
    at         INTEGER NOT NULL
);

-- Who owns a case (aftersale.Case.Assignee) and the desk group whose queue it sits in
-- (Group) live in its JSON; the queue and the open load filter on them, so the row keeps
-- them beside it, written with the case. Existing rows are filled from their JSON (only
-- those that name either are written again).
ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN desk_group TEXT NOT NULL DEFAULT '';
UPDATE cases SET
    assignee = coalesce(json_extract(data, '$.assignee'), ''),
    desk_group = coalesce(json_extract(data, '$.group'), '')
WHERE json_extract(data, '$.assignee') IS NOT NULL OR json_extract(data, '$.group') IS NOT NULL;
-- An agent's cases (OpenLoad; the queue by state and deadline, or newest first), a group's
-- queue, and the closed cases with an owner that the quality review samples by update time
-- (ReviewCandidates). The deadline key is written as in cases_due_sort (0008).
CREATE INDEX cases_assignee_state_due ON cases (assignee, state, coalesce(due_at, 9223372036854775807), id);
CREATE INDEX cases_assignee_created ON cases (assignee, created_at DESC, id DESC);
CREATE INDEX cases_group_state_due ON cases (desk_group, state, coalesce(due_at, 9223372036854775807), id)
    WHERE desk_group <> '';
CREATE INDEX cases_assigned_state_updated ON cases (state, updated_at DESC, id DESC) WHERE assignee <> '';

-- A complaint's owner (complaint.Complaint.Owner) and desk group, likewise.
ALTER TABLE complaints ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN desk_group TEXT NOT NULL DEFAULT '';
UPDATE complaints SET
    owner = coalesce(json_extract(body, '$.owner'), ''),
    desk_group = coalesce(json_extract(body, '$.group'), '')
WHERE json_extract(body, '$.owner') IS NOT NULL OR json_extract(body, '$.group') IS NOT NULL;
CREATE INDEX complaints_owner_updated ON complaints (owner, updated_at DESC, id DESC);
CREATE INDEX complaints_group_updated ON complaints (desk_group, updated_at DESC, id DESC) WHERE desk_group <> '';

-- The staff account a token acts as ('' none).
ALTER TABLE api_tokens ADD COLUMN user_id TEXT NOT NULL DEFAULT '';

-- Inbound email: a customer is found by their address, case-insensitively (the earliest
-- made of several), and a message says whether it came or went by email ('' otherwise).
CREATE INDEX customers_email ON customers (lower(email), created_at, id) WHERE email <> '';
ALTER TABLE case_messages ADD COLUMN channel TEXT NOT NULL DEFAULT '';
