-- The abuse risk score (package risk): the watch list, the devices customers applied
-- from, each case's score at application, and indexes on the normalised address and
-- phone so that accounts sharing them are found without a scan.
CREATE TABLE risk_watchlist (
    customer_id TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    by_id       TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX risk_watchlist_at ON risk_watchlist (at DESC, customer_id);

CREATE TABLE customer_devices (
    customer_id TEXT NOT NULL,
    device      TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, device)
);
CREATE INDEX customer_devices_device ON customer_devices (device, customer_id);

CREATE TABLE case_risk (
    case_id TEXT PRIMARY KEY,
    score   INTEGER NOT NULL CHECK (score >= 0 AND score <= 100),
    reasons TEXT NOT NULL,
    at      INTEGER NOT NULL
);

CREATE INDEX customers_address_norm ON customers (lower(replace(address, ' ', ''))) WHERE address <> '';
CREATE INDEX customers_phone_norm ON customers (replace(replace(phone, ' ', ''), '-', '')) WHERE phone <> '';
