-- +goose Up
-- A matched flow record is one record however many indicators it matched
-- (issue 13.5): its matches are rows of their own. The record's effect key
-- no longer names an indicator (telemetry.EffectKey); a match is kept once
-- per record and indicator, so a batch handed out again adds nothing.
-- Records kept before keep their one match each (and the key they had).
CREATE TABLE telemetry_record_matches (
  record_id BIGINT NOT NULL,
  indicator TEXT NOT NULL,
  PRIMARY KEY (record_id, indicator)
);
INSERT INTO telemetry_record_matches(record_id, indicator) SELECT id, indicator FROM telemetry_records WHERE indicator <> '';
ALTER TABLE telemetry_records DROP COLUMN indicator;

-- +goose Down
ALTER TABLE telemetry_records ADD COLUMN indicator TEXT NOT NULL DEFAULT '';
UPDATE telemetry_records SET indicator = COALESCE((SELECT MIN(m.indicator) FROM telemetry_record_matches m WHERE m.record_id = telemetry_records.id), '');
DROP TABLE telemetry_record_matches;
