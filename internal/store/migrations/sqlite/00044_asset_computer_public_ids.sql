-- +goose Up
-- The public id of a connection point, a registered SBOM, a product–supplier
-- register entry, a critical computer and a hunting run: 128 random bits in
-- hex, the only id of each that leaves the hub (API, console, CLI, audit
-- entries, alerts). Their row ids are sequences over every organization's
-- rows: two of one member would tell it how many the others made in
-- between, as alert, webhook, token and user row ids did (00025, 00027,
-- 00035). Existing rows get theirs here.
ALTER TABLE vuln_connection_points ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE vuln_connection_points SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX vuln_connection_points_public_id ON vuln_connection_points(public_id);
ALTER TABLE vuln_sboms ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE vuln_sboms SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX vuln_sboms_public_id ON vuln_sboms(public_id);
ALTER TABLE vuln_suppliers ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE vuln_suppliers SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX vuln_suppliers_public_id ON vuln_suppliers(public_id);
ALTER TABLE critical_computers ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE critical_computers SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX critical_computers_public_id ON critical_computers(public_id);
ALTER TABLE hunt_runs ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE hunt_runs SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX hunt_runs_public_id ON hunt_runs(public_id);

-- The engine names an asset by its public id ("cp-<public id>",
-- "sbom-<public id>"), which findings and alerts carry: the claims of
-- alerts already sent are renamed with it, so that none goes out again.
UPDATE vuln_alerts_sent SET asset = 'cp-' || (SELECT c.public_id FROM vuln_connection_points c WHERE 'cp-' || c.id = vuln_alerts_sent.asset)
  WHERE asset IN (SELECT 'cp-' || c.id FROM vuln_connection_points c);
UPDATE vuln_alerts_sent SET asset = 'sbom-' || (SELECT b.public_id FROM vuln_sboms b WHERE 'sbom-' || b.id = vuln_alerts_sent.asset)
  WHERE asset IN (SELECT 'sbom-' || b.id FROM vuln_sboms b);
UPDATE vuln_suppression_alerts_sent SET asset = 'cp-' || (SELECT c.public_id FROM vuln_connection_points c WHERE 'cp-' || c.id = vuln_suppression_alerts_sent.asset)
  WHERE asset IN (SELECT 'cp-' || c.id FROM vuln_connection_points c);
UPDATE vuln_suppression_alerts_sent SET asset = 'sbom-' || (SELECT b.public_id FROM vuln_sboms b WHERE 'sbom-' || b.id = vuln_suppression_alerts_sent.asset)
  WHERE asset IN (SELECT 'sbom-' || b.id FROM vuln_sboms b);

-- +goose Down
DROP INDEX hunt_runs_public_id;
ALTER TABLE hunt_runs DROP COLUMN public_id;
DROP INDEX critical_computers_public_id;
ALTER TABLE critical_computers DROP COLUMN public_id;
DROP INDEX vuln_suppliers_public_id;
ALTER TABLE vuln_suppliers DROP COLUMN public_id;
DROP INDEX vuln_sboms_public_id;
ALTER TABLE vuln_sboms DROP COLUMN public_id;
DROP INDEX vuln_connection_points_public_id;
ALTER TABLE vuln_connection_points DROP COLUMN public_id;
