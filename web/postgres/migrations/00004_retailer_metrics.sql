-- retailer_metrics holds each retailer's business metrics as per-minute
-- aggregates (web/retailermetrics): one row per retailer, minute and metric
-- name. Names are a closed set, so a retailer has at most a few dozen rows a
-- minute; rows older than 90 days are purged. No row names a visitor.
-- minute is Unix time in minutes. Names starting with "max." are gauges,
-- merged by maximum; the others are counters, merged by sum. Instances add
-- their counts to the same rows.

-- +goose Up
CREATE TABLE retailer_metrics (
    retailer_id TEXT COLLATE "C" NOT NULL,
    minute      BIGINT           NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    value       BIGINT           NOT NULL,
    PRIMARY KEY (retailer_id, minute, name)
);
CREATE INDEX retailer_metrics_minute ON retailer_metrics (minute);

-- +goose Down
DROP TABLE retailer_metrics;
