-- +goose Up
-- An alert's body as messages of the catalog (package i18n): a JSON array of
-- {"key", "params"}, one a paragraph, rendered in each reader's language.
-- Alerts raised before keep body_msgs empty and are shown by their stored
-- body, as they always were.
ALTER TABLE alerts ADD COLUMN body_msgs TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE alerts DROP COLUMN body_msgs;
