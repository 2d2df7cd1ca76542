-- +goose Up
-- Prefix-preserving pseudonyms are granted by a field of the approval, set
-- when it is requested and shown to the committee when it decides (issue
-- 21), no longer by the word "prefix-preserving" in its text. Existing
-- approvals grant none: a source that needs prefixes kept asks again.
ALTER TABLE approvals ADD COLUMN prefix_preserving INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE approvals DROP COLUMN prefix_preserving;
