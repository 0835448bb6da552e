-- mount says where a product goes: '' on the floor, 'wall' on a wall,
-- mount_height cm above the floor (its underside). The catalog importer
-- checks the values; the column defaults keep existing products on the floor.

-- +goose Up
ALTER TABLE products ADD COLUMN mount TEXT NOT NULL DEFAULT '' CHECK (mount IN ('', 'wall'));
ALTER TABLE products ADD COLUMN mount_height INTEGER NOT NULL DEFAULT 0 CHECK (mount_height BETWEEN 0 AND 400);

-- +goose Down
ALTER TABLE products DROP COLUMN mount_height;
ALTER TABLE products DROP COLUMN mount;
