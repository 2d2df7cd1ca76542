-- +goose Up
-- An alert's title as a message of the catalog (package i18n): its key and
-- its parameters (a JSON array of strings), rendered in each reader's
-- language. Alerts raised before keep title_key empty and are shown by their
-- stored title, as they always were.
ALTER TABLE alerts ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN title_params TEXT NOT NULL DEFAULT '[]';
-- The language alert e-mail to an organization's addresses is written in:
-- ja or en, empty for both (Japanese first), as before.
ALTER TABLE notify_prefs ADD COLUMN lang TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notify_prefs DROP COLUMN lang;
ALTER TABLE alerts DROP COLUMN title_params;
ALTER TABLE alerts DROP COLUMN title_key;
