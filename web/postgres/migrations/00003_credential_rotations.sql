-- credential_rotations logs each API secret rotation, written in the
-- rotation's transaction. Running servers tail it (as they tail
-- catalog_changes) to stop, within their refresh interval, what they still
-- trust from the old secret. seq is an identity column, so it is never reused,
-- even after a purge; inserts take an advisory lock, as for catalog_changes,
-- so seqs become visible in commit order.

-- +goose Up
CREATE TABLE credential_rotations (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    retailer_id TEXT COLLATE "C" NOT NULL,
    at          BIGINT           NOT NULL
);
CREATE INDEX credential_rotations_at ON credential_rotations (at);

-- +goose Down
DROP TABLE credential_rotations;
