-- credential_rotations logs each API secret rotation, written in the
-- rotation's transaction. Running servers tail it (as they tail
-- catalog_changes) to stop, within their refresh interval, what they still
-- trust from the old secret: cached partner-token verifications and live
-- sockets authenticated with such a token. seq is AUTOINCREMENT so it is never
-- reused, even after a purge.

-- +goose Up
CREATE TABLE credential_rotations (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    retailer_id TEXT    NOT NULL,
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX credential_rotations_at ON credential_rotations (at);

-- +goose Down
DROP TABLE credential_rotations;
