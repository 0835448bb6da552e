-- theme holds a retailer's look for its planner page as JSON (web.Theme,
-- checked before it is written and again when read); NULL is the planner's
-- own look.

-- +goose Up
ALTER TABLE retailers ADD COLUMN theme JSONB;

-- +goose Down
ALTER TABLE retailers DROP COLUMN theme;
