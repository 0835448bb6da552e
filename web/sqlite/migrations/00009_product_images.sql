-- image_origins are the origins a retailer's product images may come from
-- (a JSON array of web.NormalizeImageOrigin strings, sorted): the planner
-- page's CSP img-src lists them. products.image is a product's picture URL,
-- '' for none; the catalog importer checks it and its origin.

-- +goose Up
ALTER TABLE retailers ADD COLUMN image_origins TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(image_origins) AND json_type(image_origins) = 'array');
ALTER TABLE products ADD COLUMN image TEXT NOT NULL DEFAULT '' CHECK (length(image) <= 2048);

-- +goose Down
ALTER TABLE products DROP COLUMN image;
ALTER TABLE retailers DROP COLUMN image_origins;
