-- Bounce Desk store, version 2: the bounce table's default order (newest first) read straight
-- from an index that also holds the tie-break and what the usual filters test (action, class),
-- so listing a
-- million bounces newest first never touches the wide rows nor sorts them.
CREATE INDEX bounces_by_time ON bounces(occurred_at, id, action, class);
