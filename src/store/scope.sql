-- One account's view of the store, for one connection (the window's reader). Temp objects
-- take precedence over the main tables of the same name, so every query of `stats` and
-- `browse` reads only that account's mail without a word changed.
--
-- The roll-ups are the same sums the triggers of 0001_initial.sql keep, taken once from the
-- account's bounces; they are rebuilt each time the scope is set (after a sync they would be
-- stale). Recipients are those the account's mail names; their history stays whole.
CREATE TEMP VIEW bounces AS
    SELECT * FROM main.bounces WHERE message_id IN
        (SELECT message_id FROM main.message_sources
         WHERE account = (SELECT account FROM temp.scope));
CREATE TEMP VIEW recipients AS
    SELECT * FROM main.recipients WHERE recipient_key IN (SELECT recipient_key FROM temp.bounces);
CREATE TEMP TABLE agg_day AS
    SELECT day, class, reason, action = 'delayed' AS delayed, COUNT(*) AS n
    FROM temp.bounces GROUP BY day, class, reason, action = 'delayed';
CREATE TEMP TABLE agg_code AS
    SELECT day, COALESCE(status, '') AS status, COALESCE(reply_code, 0) AS reply_code, class,
           COUNT(*) AS n
    FROM temp.bounces GROUP BY day, COALESCE(status, ''), COALESCE(reply_code, 0), class;
CREATE TEMP TABLE agg_domain_day AS
    SELECT day, domain, class, COUNT(*) AS n FROM temp.bounces
    WHERE action <> 'delayed' AND class NOT IN ('not_bounce', 'auto_reply')
    GROUP BY day, domain, class;
CREATE TEMP TABLE agg_domain AS
    SELECT domain, class, SUM(n) AS n FROM temp.agg_domain_day GROUP BY domain, class;
