-- room_shape holds the version 2 part of a project's room (polygon, wall
-- thickness, openings) as JSON; NULL is a version 1 rectangle of room_width ×
-- room_depth. For version 2 rooms those two columns keep the polygon's
-- bounding box, so project lists read no JSON.

-- +goose Up
ALTER TABLE projects ADD COLUMN room_shape JSONB;

-- +goose Down
ALTER TABLE projects DROP COLUMN room_shape;
