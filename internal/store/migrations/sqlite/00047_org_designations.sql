-- +goose Up
-- Operators' legal designations (issue 18.4): whether an organization is a
-- designated operator (特別社会基盤事業者), its business type and designating
-- ministry, each a key of the maintained lists (internal/designation).
ALTER TABLE orgs ADD COLUMN designated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN business_type TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN ministry TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE orgs DROP COLUMN ministry;
ALTER TABLE orgs DROP COLUMN business_type;
ALTER TABLE orgs DROP COLUMN designated;
