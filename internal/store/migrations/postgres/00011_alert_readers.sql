-- +goose Up
-- The objects an alert names (a sighting alert: the sighting and what was
-- sighted), so that the inbox shows an alert only to who may read all of
-- them, and whether the organization as a whole may read them all, which
-- decides whether webhooks and e-mail carry it. Alerts raised before this
-- migration that name an object by its id are tied to every stored version
-- of it (a sighting alert also to what was sighted), and leave webhooks and
-- e-mail only when all of them are TLP:CLEAR.
CREATE TABLE alert_objects (
  alert_id  BIGINT NOT NULL,
  object_pk BIGINT NOT NULL,
  PRIMARY KEY (alert_id, object_pk)
);
ALTER TABLE alerts ADD COLUMN org_wide INTEGER NOT NULL DEFAULT 1;
INSERT INTO alert_objects(alert_id, object_pk)
  SELECT a.id, o.pk FROM alerts a JOIN objects o ON o.stix_id = a.object_ref WHERE a.object_ref <> ''
  UNION
  SELECT a.id, t.pk FROM alerts a JOIN objects s ON s.stix_id = a.object_ref JOIN objects t ON t.stix_id = s.ref
    WHERE a.kind = 'sighting' AND s.type = 'sighting' AND a.object_ref <> '';
UPDATE alerts SET org_wide = 0 WHERE EXISTS (SELECT 1 FROM alert_objects ao JOIN objects o ON o.pk = ao.object_pk
  WHERE ao.alert_id = alerts.id AND o.tlp <> 0);
DELETE FROM deliveries WHERE state <> 'delivered' AND alert_id IN (SELECT id FROM alerts WHERE org_wide = 0);

-- +goose Down
ALTER TABLE alerts DROP COLUMN org_wide;
DROP TABLE alert_objects;
