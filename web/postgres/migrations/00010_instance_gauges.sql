-- instance_gauges holds each planner instance's live gauges per retailer
-- (web/retailermetrics' Cluster): what is open on that instance now, written
-- by it every few seconds (its heartbeat) and summed by the others for the
-- metrics topic. A row counts only while its heartbeat is fresh (a few
-- seconds); a clean shutdown deletes the instance's rows, and those of
-- instances that died are purged after an hour. Counts only: no row names a
-- visitor, a load or a socket.
--
-- UNLOGGED: the rows are worth seconds and rewritten that often, so they are
-- kept out of the WAL; after a crash or a failover the table is empty and the
-- next heartbeats fill it again.

-- +goose Up
CREATE UNLOGGED TABLE instance_gauges (
    instance      TEXT COLLATE "C" NOT NULL,
    retailer_id   TEXT COLLATE "C" NOT NULL,
    planners_open INTEGER          NOT NULL,
    signed_in     INTEGER          NOT NULL,
    sockets       INTEGER          NOT NULL,
    at            TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (instance, retailer_id)
);
CREATE INDEX instance_gauges_at ON instance_gauges (at);

-- +goose Down
DROP TABLE instance_gauges;
