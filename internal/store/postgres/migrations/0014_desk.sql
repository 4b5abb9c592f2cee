-- The service desk (store.Desk): the assignment rules and their round robin, canned
-- replies, the knowledge base and its search index, satisfaction surveys, quality reviews
-- and the inbound email taken in; who owns a case or a complaint, beside its JSON; and the
-- staff account an API token acts as. Keys compare byte-wise (COLLATE "C"), as in SQLite.

-- The assignment rules (desk.Rules as JSON, kept byte for byte): one row, replaced whole,
-- each version once.
CREATE TABLE desk_rules (
    id         integer PRIMARY KEY CHECK (id = 1),
    version    bigint NOT NULL,
    body       json NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Each group's round robin: the member it gave work to last.
CREATE TABLE desk_cursors (
    desk_group text COLLATE "C" PRIMARY KEY,
    member     text COLLATE "C" NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Canned replies (话术): the platform's (merchant '') and each merchant's, listed by their
-- Chinese title, byte-wise as in SQLite. The other texts keep the database's collation, so
-- that ILIKE folds the case of more than ASCII.
CREATE TABLE canned_replies (
    id         text COLLATE "C" PRIMARY KEY,
    scope      text COLLATE "C" NOT NULL, -- platform | merchant
    merchant   text COLLATE "C" NOT NULL, -- for scope merchant
    title_zh   text COLLATE "C" NOT NULL,
    title_en   text NOT NULL,
    body_zh    text NOT NULL,
    body_en    text NOT NULL,
    shortcut   text NOT NULL,
    version    bigint NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX canned_replies_owner ON canned_replies (scope, merchant, title_zh, id);

-- Knowledge-base articles, most recently updated first, of all or in a status; length is
-- the article's length in terms, set with its terms (SetArticleTerms).
CREATE TABLE kb_articles (
    id         text COLLATE "C" PRIMARY KEY,
    title      text NOT NULL,
    body       text NOT NULL,
    language   text COLLATE "C" NOT NULL,
    status     text COLLATE "C" NOT NULL,
    category   text COLLATE "C" NOT NULL,
    tags       text NOT NULL,              -- JSON list
    length     integer NOT NULL DEFAULT 0,
    version    bigint NOT NULL,
    author     text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX kb_articles_updated ON kb_articles (updated_at DESC, id DESC);
CREATE INDEX kb_articles_status_updated ON kb_articles (status, updated_at DESC, id DESC);

-- The search index: each term's weighted count in each article, found by term (the
-- primary key); an article's terms go with it.
CREATE TABLE kb_terms (
    term       text COLLATE "C" NOT NULL,
    article_id text COLLATE "C" NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    count      integer NOT NULL,
    PRIMARY KEY (term, article_id)
);
CREATE INDEX kb_terms_article ON kb_terms (article_id);

-- Satisfaction surveys (满意度): one per case, newest first, of all, of a merchant, of an
-- agent.
CREATE TABLE surveys (
    case_id  text COLLATE "C" PRIMARY KEY REFERENCES cases (id),
    number   text NOT NULL,
    merchant text COLLATE "C" NOT NULL,
    customer text COLLATE "C" NOT NULL,
    category text NOT NULL,
    agent    text COLLATE "C" NOT NULL,    -- '' none
    attitude integer NOT NULL,
    speed    integer NOT NULL,
    result   integer NOT NULL,
    comment  text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX surveys_at ON surveys (at DESC, case_id DESC);
CREATE INDEX surveys_merchant_at ON surveys (merchant, at DESC, case_id DESC);
CREATE INDEX surveys_agent_at ON surveys (agent, at DESC, case_id DESC);

-- Quality reviews (质检): one per case, newest first, of all, of an agent, in a state.
CREATE TABLE quality_reviews (
    id          text COLLATE "C" PRIMARY KEY,
    case_id     text COLLATE "C" NOT NULL UNIQUE REFERENCES cases (id),
    case_number text NOT NULL,
    merchant    text COLLATE "C" NOT NULL,
    agent       text COLLATE "C" NOT NULL,
    rule        text COLLATE "C" NOT NULL,
    state       text COLLATE "C" NOT NULL,
    reviewer    text NOT NULL,
    scores      jsonb NOT NULL,            -- criterion code → score
    total       double precision NOT NULL,
    comment     text NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    done_at     timestamptz                -- NULL while pending
);
CREATE INDEX quality_reviews_created ON quality_reviews (created_at DESC, id DESC);
CREATE INDEX quality_reviews_agent_created ON quality_reviews (agent, created_at DESC, id DESC);
CREATE INDEX quality_reviews_state_created ON quality_reviews (state, created_at DESC, id DESC);

-- Inbound email already taken in, by Message-ID: the same email is never taken in twice.
CREATE TABLE inbound_emails (
    message_id text COLLATE "C" PRIMARY KEY,
    sender     text NOT NULL,
    subject    text NOT NULL,
    case_id    text NOT NULL,              -- '' none
    complaint  text NOT NULL,              -- '' none
    at         timestamptz NOT NULL
);

-- Who owns a case (aftersale.Case.Assignee) and the desk group whose queue it sits in
-- (Group) live in its JSON; the queue and the open load filter on them, so the row keeps
-- them beside it, written with the case. Existing rows are filled from their JSON (only
-- those that name either are written again).
ALTER TABLE cases ADD COLUMN assignee text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN desk_group text COLLATE "C" NOT NULL DEFAULT '';
UPDATE cases SET
    assignee = coalesce(data->>'assignee', ''),
    desk_group = coalesce(data->>'group', '')
WHERE data->>'assignee' IS NOT NULL OR data->>'group' IS NOT NULL;
-- An agent's cases (OpenLoad; the queue by state and deadline, or newest first), a group's
-- queue, and the closed cases with an owner that the quality review samples by update time
-- (ReviewCandidates). The deadline key is written as in cases_due_sort (0008).
CREATE INDEX cases_assignee_state_due ON cases (assignee, state, (coalesce(due_at, 'infinity'::timestamptz)), id);
CREATE INDEX cases_assignee_created ON cases (assignee, created_at DESC, id DESC);
CREATE INDEX cases_group_state_due ON cases (desk_group, state, (coalesce(due_at, 'infinity'::timestamptz)), id)
    WHERE desk_group <> '';
CREATE INDEX cases_assigned_state_updated ON cases (state, updated_at DESC, id DESC) WHERE assignee <> '';

-- A complaint's owner (complaint.Complaint.Owner) and desk group, likewise.
ALTER TABLE complaints ADD COLUMN owner text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN desk_group text COLLATE "C" NOT NULL DEFAULT '';
UPDATE complaints SET
    owner = coalesce(body->>'owner', ''),
    desk_group = coalesce(body->>'group', '')
WHERE body ? 'owner' OR body ? 'group';
CREATE INDEX complaints_owner_updated ON complaints (owner, updated_at DESC, id DESC);
CREATE INDEX complaints_group_updated ON complaints (desk_group, updated_at DESC, id DESC) WHERE desk_group <> '';

-- The staff account a token acts as ('' none).
ALTER TABLE api_tokens ADD COLUMN user_id text NOT NULL DEFAULT '';

-- Inbound email: a customer is found by their address, case-insensitively (the earliest
-- made of several), and a message says whether it came or went by email ('' otherwise).
CREATE INDEX customers_email ON customers (lower(email), created_at, id) WHERE email <> '';
ALTER TABLE case_messages ADD COLUMN channel text NOT NULL DEFAULT '';
