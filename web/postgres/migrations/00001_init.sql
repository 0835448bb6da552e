-- The planner service's schema, the PostgreSQL twin of web/sqlite's
-- 00001_init.sql. Times are BIGINT milliseconds since the Unix epoch, UTC, as
-- in SQLite, so both backends store, compare and purge times identically.
-- Secrets are BYTEA sealed with AES-256-GCM (web/secretbox) whose additional
-- data binds each to its row, so they cannot be moved between rows.
--
-- Text columns use the "C" collation: ids are ordered and paged (id > cursor)
-- byte by byte, as SQLite's BINARY collation does, whatever the database's
-- locale.

-- +goose Up
CREATE TABLE retailers (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name            TEXT COLLATE "C" NOT NULL,
    plan            TEXT COLLATE "C" NOT NULL CHECK (plan IN ('free', 'premium')),
    distribution_id TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at      BIGINT           NOT NULL
);

CREATE TABLE retailer_origins (
    retailer_id TEXT COLLATE "C" NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    origin      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (retailer_id, origin)
);

CREATE TABLE api_credentials (
    api_key       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    retailer_id   TEXT COLLATE "C" NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    secret_sealed BYTEA            NOT NULL,
    created_at    BIGINT           NOT NULL
);
CREATE INDEX api_credentials_retailer ON api_credentials (retailer_id);

CREATE TABLE signing_keys (
    kid            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    private_sealed BYTEA            NOT NULL,
    created_at     BIGINT           NOT NULL,
    retired_at     BIGINT -- NULL while current
);

CREATE TABLE categories (
    retailer_id TEXT COLLATE "C" NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    position    INTEGER          NOT NULL DEFAULT 0,
    PRIMARY KEY (retailer_id, id)
);

CREATE TABLE products (
    retailer_id TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    category    TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    width       INTEGER          NOT NULL CHECK (width >= 0),
    depth       INTEGER          NOT NULL CHECK (depth >= 0),
    height      INTEGER          NOT NULL CHECK (height >= 0),
    price       BIGINT           NOT NULL CHECK (price >= 0),
    currency    TEXT COLLATE "C" NOT NULL,
    color       TEXT COLLATE "C" NOT NULL DEFAULT '',
    -- search is lower(name || '\n' || description) with Unicode case folding
    -- done in Go, exactly as SQLite stores it.
    search      TEXT COLLATE "C" NOT NULL,
    updated_at  BIGINT           NOT NULL,
    PRIMARY KEY (retailer_id, id),
    FOREIGN KEY (retailer_id, category) REFERENCES categories (retailer_id, id)
);
CREATE INDEX products_category ON products (retailer_id, category, id);

CREATE TABLE projects (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    retailer_id TEXT COLLATE "C" NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    owner_uid   TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    room_width  INTEGER          NOT NULL,
    room_depth  INTEGER          NOT NULL,
    items       JSONB            NOT NULL, -- JSON array of web.Item
    version     BIGINT           NOT NULL CHECK (version >= 1),
    created_at  BIGINT           NOT NULL,
    updated_at  BIGINT           NOT NULL
);
CREATE INDEX projects_owner ON projects (retailer_id, owner_uid, updated_at);

-- idempotency remembers POST /v1/projects calls by Idempotency-Key. project_id
-- is deliberately not a foreign key: the record outlives a deleted project, so
-- a replay answers not_found instead of creating the project again.
CREATE TABLE idempotency (
    retailer_id  TEXT COLLATE "C" NOT NULL,
    owner_uid    TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    request_hash TEXT COLLATE "C" NOT NULL,
    project_id   TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT           NOT NULL,
    PRIMARY KEY (retailer_id, owner_uid, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);

-- +goose Down
DROP TABLE idempotency;
DROP TABLE projects;
DROP TABLE products;
DROP TABLE categories;
DROP TABLE signing_keys;
DROP TABLE api_credentials;
DROP TABLE retailer_origins;
DROP TABLE retailers;
