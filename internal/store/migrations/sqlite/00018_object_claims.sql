-- +goose Up
-- Who owns each object id: the organization that first presented it. Only that
-- organization writes versions of the object (policy.MayWriteVersion). The
-- primary key makes the first claim the only one, so that two organizations
-- posting the same new id at once cannot both become its author; a claim stays
-- when the object's versions are deleted, so that no one else can take the id.
CREATE TABLE object_claims (
  stix_id    TEXT PRIMARY KEY,
  author_org TEXT NOT NULL
);
INSERT INTO object_claims(stix_id, author_org)
  SELECT o.stix_id, o.author_org FROM objects o WHERE o.pk IN (SELECT MIN(m.pk) FROM objects m GROUP BY m.stix_id);

-- +goose Down
DROP TABLE object_claims;
