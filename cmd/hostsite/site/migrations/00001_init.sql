-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,  -- sha256 of the cookie value; the value itself is never stored
    user_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE basket_items (
    session_id TEXT NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
    product_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    PRIMARY KEY (session_id, product_id)
);

-- +goose Down
DROP TABLE basket_items;
DROP TABLE sessions;
DROP TABLE users;
