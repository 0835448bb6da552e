-- catalog_changes is the catalog change log: one row per product that an
-- import really changed (created or modified) or removed, written in the
-- import's transaction. Running servers tail it to publish live catalog events
-- for imports made by another process. seq is an identity column, so it is
-- never reused, even after a purge emptied the table: a reader's position
-- stays valid.
--
-- Unlike SQLite, PostgreSQL runs write transactions side by side, and a
-- sequence hands out numbers when rows are inserted, not when they commit. So
-- that a reader that has seen seq N never later finds a smaller one, every
-- transaction that inserts here first takes a transaction-scoped advisory lock
-- (see web/postgres/catalog.go): seqs are then handed out and made visible in
-- commit order.

-- +goose Up
CREATE TABLE catalog_changes (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    retailer_id TEXT COLLATE "C" NOT NULL,
    product_id  TEXT COLLATE "C" NOT NULL,
    change      TEXT COLLATE "C" NOT NULL CHECK (change IN ('updated', 'removed')),
    at          BIGINT           NOT NULL
);
CREATE INDEX catalog_changes_at ON catalog_changes (at);

-- +goose Down
DROP TABLE catalog_changes;
