-- The planner service's schema. Times are INTEGER milliseconds since the Unix
-- epoch, UTC. Secrets are BLOBs sealed with AES-256-GCM (web/secretbox) whose
-- additional data binds each to its row, so they cannot be moved between rows.

-- +goose Up
CREATE TABLE retailers (
    id              TEXT    NOT NULL PRIMARY KEY,
    name            TEXT    NOT NULL,
    plan            TEXT    NOT NULL CHECK (plan IN ('free', 'premium')),
    distribution_id TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE retailer_origins (
    retailer_id TEXT NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    origin      TEXT NOT NULL,
    PRIMARY KEY (retailer_id, origin)
) STRICT;

CREATE TABLE api_credentials (
    api_key       TEXT    NOT NULL PRIMARY KEY,
    retailer_id   TEXT    NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX api_credentials_retailer ON api_credentials (retailer_id);

CREATE TABLE signing_keys (
    kid            TEXT    NOT NULL PRIMARY KEY,
    private_sealed BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    retired_at     INTEGER -- NULL while current
) STRICT;

CREATE TABLE categories (
    retailer_id TEXT    NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (retailer_id, id)
) STRICT;

CREATE TABLE products (
    retailer_id TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    width       INTEGER NOT NULL CHECK (width >= 0),
    depth       INTEGER NOT NULL CHECK (depth >= 0),
    height      INTEGER NOT NULL CHECK (height >= 0),
    price       INTEGER NOT NULL CHECK (price >= 0),
    currency    TEXT    NOT NULL,
    color       TEXT    NOT NULL DEFAULT '',
    -- search is lower(name || '\n' || description) with Unicode case folding
    -- done in Go: SQLite's own lower() and LIKE fold ASCII only.
    search      TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (retailer_id, id),
    FOREIGN KEY (retailer_id, category) REFERENCES categories (retailer_id, id)
) STRICT;
CREATE INDEX products_category ON products (retailer_id, category, id);

CREATE TABLE projects (
    id          TEXT    NOT NULL PRIMARY KEY,
    retailer_id TEXT    NOT NULL REFERENCES retailers (id) ON DELETE CASCADE,
    owner_uid   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    room_width  INTEGER NOT NULL,
    room_depth  INTEGER NOT NULL,
    items       TEXT    NOT NULL CHECK (json_valid(items)), -- JSON array of web.Item
    version     INTEGER NOT NULL CHECK (version >= 1),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX projects_owner ON projects (retailer_id, owner_uid, updated_at);

-- idempotency remembers POST /v1/projects calls by Idempotency-Key. project_id
-- is deliberately not a foreign key: the record outlives a deleted project, so
-- a replay answers not_found instead of creating the project again.
CREATE TABLE idempotency (
    retailer_id  TEXT    NOT NULL,
    owner_uid    TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    project_id   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (retailer_id, owner_uid, key)
) STRICT;
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
