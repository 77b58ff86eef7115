-- Bounce Desk store, version 4: a decision by hand is a "keep" (the address stays on the list
-- whatever it bounces) or a "suppress" (it leaves the list whatever the policy says), each with
-- the operator's note; releasing either hands the address back to the policy.
ALTER TABLE kept_recipients ADD COLUMN suppress INTEGER NOT NULL DEFAULT 0;
