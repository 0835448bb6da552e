-- console_users are retailers' staff who sign in to the console (/console),
-- each bound to one retailer. password_hash is bcrypt; must_change is set
-- for the one-time password "planner console user add" prints.

-- +goose Up
CREATE TABLE console_users (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    retailer_id   TEXT COLLATE "C" NOT NULL REFERENCES retailers (id),
    email         TEXT COLLATE "C" NOT NULL UNIQUE,
    password_hash BYTEA            NOT NULL,
    must_change   BOOLEAN          NOT NULL,
    created_at    BIGINT           NOT NULL
);
CREATE INDEX console_users_retailer ON console_users (retailer_id);

-- +goose Down
DROP TABLE console_users;
