-- +goose Up
-- What an alert is about, as an opaque key (store.AlertGroupKey: a hash of
-- the organization, the kind and the subject): alerts with one key are
-- duplicates of one event, shown as one row of the inbox with their count.
-- Alerts raised before are each their own group (their public id).
ALTER TABLE alerts ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
UPDATE alerts SET group_key = public_id;
CREATE INDEX alerts_group ON alerts(group_key, id);

-- The time zone a user reads times in (an IANA name); empty is Japan
-- Standard Time, the console's default.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone;
DROP INDEX alerts_group;
ALTER TABLE alerts DROP COLUMN group_key;
