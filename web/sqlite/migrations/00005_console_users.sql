-- console_users are retailers' staff who sign in to the console (/console),
-- each bound to one retailer. password_hash is bcrypt; must_change is set
-- for the one-time password "planner console user add" prints.

-- +goose Up
CREATE TABLE console_users (
    id            TEXT    NOT NULL PRIMARY KEY,
    retailer_id   TEXT    NOT NULL REFERENCES retailers (id),
    email         TEXT    NOT NULL UNIQUE,
    password_hash BLOB    NOT NULL,
    must_change   INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX console_users_retailer ON console_users (retailer_id);

-- +goose Down
DROP TABLE console_users;
