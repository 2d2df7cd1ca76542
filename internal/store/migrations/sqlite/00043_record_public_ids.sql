-- +goose Up
-- The public id of an incident, an incident report, a report attachment, a
-- case, an advisory (or correction or supplier request) and a consultation:
-- 128 random bits in hex, the only id of each that leaves the hub (API,
-- console routes and forms, the command line, audit entries, alerts). Their
-- row ids are sequences over every organization's records: two of one
-- member would tell it how many the others made in between, as token and
-- user row ids did (00035). Existing rows get theirs here.
ALTER TABLE incidents ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE incidents SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX incidents_public_id ON incidents(public_id);
ALTER TABLE incident_reports ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE incident_reports SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX incident_reports_public_id ON incident_reports(public_id);
ALTER TABLE report_attachments ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE report_attachments SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX report_attachments_public_id ON report_attachments(public_id);
ALTER TABLE cases ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE cases SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX cases_public_id ON cases(public_id);
ALTER TABLE advisories ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE advisories SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX advisories_public_id ON advisories(public_id);
ALTER TABLE consultations ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE consultations SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX consultations_public_id ON consultations(public_id);
-- A case's source and its links named incidents and consultations by row
-- id; they name them by public id now.
UPDATE cases SET source = COALESCE('report:' || (SELECT i.public_id FROM incidents i WHERE i.id = CAST(substr(cases.source, 8) AS INTEGER)), source)
  WHERE source GLOB 'report:[0-9]*' AND substr(source, 8) NOT GLOB '*[^0-9]*';
UPDATE cases SET source = COALESCE('consult:' || (SELECT c.public_id FROM consultations c WHERE c.id = CAST(substr(cases.source, 9) AS INTEGER)), source)
  WHERE source GLOB 'consult:[0-9]*' AND substr(source, 9) NOT GLOB '*[^0-9]*';
UPDATE case_links SET ref = COALESCE((SELECT i.public_id FROM incidents i WHERE i.id = CAST(case_links.ref AS INTEGER)), ref)
  WHERE kind = 'report' AND ref <> '' AND ref NOT GLOB '*[^0-9]*';
UPDATE case_links SET ref = COALESCE((SELECT c.public_id FROM consultations c WHERE c.id = CAST(case_links.ref AS INTEGER)), ref)
  WHERE kind = 'consult' AND ref <> '' AND ref NOT GLOB '*[^0-9]*';

-- +goose Down
DROP INDEX consultations_public_id;
ALTER TABLE consultations DROP COLUMN public_id;
DROP INDEX advisories_public_id;
ALTER TABLE advisories DROP COLUMN public_id;
DROP INDEX cases_public_id;
ALTER TABLE cases DROP COLUMN public_id;
DROP INDEX report_attachments_public_id;
ALTER TABLE report_attachments DROP COLUMN public_id;
DROP INDEX incident_reports_public_id;
ALTER TABLE incident_reports DROP COLUMN public_id;
DROP INDEX incidents_public_id;
ALTER TABLE incidents DROP COLUMN public_id;
