-- +goose Up
-- The purposes an approval allows reading its source's records for (issue
-- 21, point 8): when an approval names any, a handler's stated purpose must
-- be one of them. An approval without rows here allows any purpose stated in full.
CREATE TABLE approval_purposes (
  approval_id BIGINT NOT NULL,
  position    INTEGER NOT NULL,
  purpose     TEXT NOT NULL,
  PRIMARY KEY (approval_id, position)
);

-- +goose Down
DROP TABLE approval_purposes;
