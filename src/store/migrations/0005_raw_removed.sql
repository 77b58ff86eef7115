-- Bounce Desk store, version 5: a message's raw bytes can be removed while its verdicts stay
-- (the retention setting, or an address forgotten on request); this says which and why, so
-- that the detail and a re-classification can tell the operator.
ALTER TABLE messages ADD COLUMN raw_removed TEXT;   -- NULL: kept | retention | forgotten
