-- catalog_changes is the catalog change log: one row per product that an
-- import really changed (created or modified) or removed, written in the
-- import's transaction. Running servers tail it to publish live catalog events
-- for imports made by another process (the admin CLI). seq is AUTOINCREMENT so
-- it is never reused, even after a purge emptied the table: a reader's
-- position stays valid. SQLite runs one write transaction at a time, so rows
-- become visible in seq order and a reader that has seen seq N never later
-- finds a smaller one.

-- +goose Up
CREATE TABLE catalog_changes (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    retailer_id TEXT    NOT NULL,
    product_id  TEXT    NOT NULL,
    change      TEXT    NOT NULL CHECK (change IN ('updated', 'removed')),
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX catalog_changes_at ON catalog_changes (at);

-- +goose Down
DROP TABLE catalog_changes;
