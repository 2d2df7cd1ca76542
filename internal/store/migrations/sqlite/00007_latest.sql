-- +goose Up
-- Which version of each object is the latest in its collection, kept up to
-- date as versions arrive and leave, so that listings test a column instead of
-- probing for a newer version on every row.
ALTER TABLE objects ADD COLUMN latest INTEGER NOT NULL DEFAULT 1;
UPDATE objects SET latest = 0 WHERE EXISTS (SELECT 1 FROM objects n WHERE n.collection_id = objects.collection_id
  AND n.stix_id = objects.stix_id AND n.modified > objects.modified);

-- +goose Down
ALTER TABLE objects DROP COLUMN latest;
