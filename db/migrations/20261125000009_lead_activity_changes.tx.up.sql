-- Lead writes no longer wait on each other for the lead report's rollup.
--
-- Before, every lead write upserted the lead_activity rows of its source's
-- current slot, hour, day and week, so concurrent writes of one source queued
-- on the same rows until each committed. Now a write appends its
-- contribution (slot rows, aggregated per statement) to lead_activity_changes,
-- which no other writer locks, and compact_lead_activity() moves the appended
-- rows into lead_activity in one transaction (crm serve runs it every
-- ROLLUP_COMPACT_INTERVAL). A report adds up both tables in one snapshot: a
-- change is counted before compaction (in lead_activity_changes) or after it
-- (in lead_activity), never both and never neither.

CREATE TABLE lead_activity_changes (LIKE lead_activity INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
CREATE INDEX lead_activity_changes_bucket_idx ON lead_activity_changes (bucket);

CREATE OR REPLACE FUNCTION lead_rollups_apply(olds leads[], news leads[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    WITH o AS (SELECT f.* FROM unnest(olds) AS l CROSS JOIN LATERAL lead_activity_of(l) AS f),
    n AS (SELECT f.* FROM unnest(news) AS l CROSS JOIN LATERAL lead_activity_of(l) AS f),
    c AS (
        SELECT -1 AS s, x.* FROM (TABLE o EXCEPT ALL TABLE n) AS x
        UNION ALL
        SELECT 1, y.* FROM (TABLE n EXCEPT ALL TABLE o) AS y
    )
    INSERT INTO lead_activity_changes
    SELECT 15, f.bucket, f.source,
        sum(s * f.created), sum(s * f.contacted), sum(s * f.converted), sum(s * f.follow_ups_due),
        sum(s * f.s_new), sum(s * f.s_contacted), sum(s * f.s_interested), sum(s * f.s_follow_up), sum(s * f.s_qualified),
        sum(s * f.s_converted), sum(s * f.s_not_interested), sum(s * f.s_lost), sum(s * f.s_do_not_call),
        sum(s * f.p_low), sum(s * f.p_medium), sum(s * f.p_high), sum(s * f.p_urgent),
        sum(s * f.reached_contacted), sum(s * f.reached_interested), sum(s * f.reached_qualified), sum(s * f.reached_converted)
    FROM c AS f
    GROUP BY 2, 3;

    WITH o AS (SELECT * FROM lead_contact_delays_of(olds)),
    n AS (SELECT * FROM lead_contact_delays_of(news)),
    c AS (
        SELECT -1 AS s, x.* FROM (TABLE o EXCEPT ALL TABLE n) AS x
        UNION ALL
        SELECT 1, y.* FROM (TABLE n EXCEPT ALL TABLE o) AS y
    )
    INSERT INTO lead_contact_delays AS h
    SELECT c.minutes, c.bucket, c.delay_bucket, sum(c.s) FROM c
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (minutes, bucket, delay_bucket) DO UPDATE SET leads = h.leads + excluded.leads;
END
$$;

-- Moves the appended changes into lead_activity's slot, hour, day and week
-- rows, in key order. Concurrent calls are safe: a change deleted by one is
-- skipped by the other. Returns how many change rows it moved.
CREATE FUNCTION compact_lead_activity() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    moved integer;
BEGIN
    WITH m AS (DELETE FROM lead_activity_changes RETURNING *),
    counted AS (SELECT count(*) AS n FROM m),
    up AS (
        INSERT INTO lead_activity AS a
        SELECT d.minutes, d.bucket, f.source,
            sum(f.created), sum(f.contacted), sum(f.converted), sum(f.follow_ups_due),
            sum(f.s_new), sum(f.s_contacted), sum(f.s_interested), sum(f.s_follow_up), sum(f.s_qualified),
            sum(f.s_converted), sum(f.s_not_interested), sum(f.s_lost), sum(f.s_do_not_call),
            sum(f.p_low), sum(f.p_medium), sum(f.p_high), sum(f.p_urgent),
            sum(f.reached_contacted), sum(f.reached_interested), sum(f.reached_qualified), sum(f.reached_converted)
        FROM m AS f
        CROSS JOIN LATERAL (VALUES (15, f.bucket), (60, date_trunc('hour', f.bucket, 'UTC')),
            (1440, date_trunc('day', f.bucket, 'UTC')), (10080, date_trunc('week', f.bucket, 'UTC'))) AS d(minutes, bucket)
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (minutes, bucket, source) DO UPDATE SET
            created = a.created + excluded.created, contacted = a.contacted + excluded.contacted,
            converted = a.converted + excluded.converted, follow_ups_due = a.follow_ups_due + excluded.follow_ups_due,
            s_new = a.s_new + excluded.s_new, s_contacted = a.s_contacted + excluded.s_contacted,
            s_interested = a.s_interested + excluded.s_interested, s_follow_up = a.s_follow_up + excluded.s_follow_up,
            s_qualified = a.s_qualified + excluded.s_qualified, s_converted = a.s_converted + excluded.s_converted,
            s_not_interested = a.s_not_interested + excluded.s_not_interested, s_lost = a.s_lost + excluded.s_lost,
            s_do_not_call = a.s_do_not_call + excluded.s_do_not_call,
            p_low = a.p_low + excluded.p_low, p_medium = a.p_medium + excluded.p_medium,
            p_high = a.p_high + excluded.p_high, p_urgent = a.p_urgent + excluded.p_urgent,
            reached_contacted = a.reached_contacted + excluded.reached_contacted,
            reached_interested = a.reached_interested + excluded.reached_interested,
            reached_qualified = a.reached_qualified + excluded.reached_qualified,
            reached_converted = a.reached_converted + excluded.reached_converted
    )
    SELECT n INTO moved FROM counted;
    RETURN moved;
END
$$;

-- A rebuild starts with no pending changes.
CREATE OR REPLACE FUNCTION refresh_lead_rollups() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('work_mem', '256MB', true);
    TRUNCATE lead_activity, lead_contact_delays, lead_activity_changes;

    INSERT INTO lead_activity
    SELECT 15, f.bucket, f.source,
        sum(f.created), sum(f.contacted), sum(f.converted), sum(f.follow_ups_due),
        sum(f.s_new), sum(f.s_contacted), sum(f.s_interested), sum(f.s_follow_up), sum(f.s_qualified),
        sum(f.s_converted), sum(f.s_not_interested), sum(f.s_lost), sum(f.s_do_not_call),
        sum(f.p_low), sum(f.p_medium), sum(f.p_high), sum(f.p_urgent),
        sum(f.reached_contacted), sum(f.reached_interested), sum(f.reached_qualified), sum(f.reached_converted)
    FROM leads AS l CROSS JOIN LATERAL lead_activity_of(l) AS f
    WHERE l.deleted_at IS NULL
    GROUP BY 2, 3
    ORDER BY 2, 3;

    INSERT INTO lead_activity
    SELECT g.minutes, date_trunc(g.unit, f.bucket, 'UTC'), f.source,
        sum(f.created), sum(f.contacted), sum(f.converted), sum(f.follow_ups_due),
        sum(f.s_new), sum(f.s_contacted), sum(f.s_interested), sum(f.s_follow_up), sum(f.s_qualified),
        sum(f.s_converted), sum(f.s_not_interested), sum(f.s_lost), sum(f.s_do_not_call),
        sum(f.p_low), sum(f.p_medium), sum(f.p_high), sum(f.p_urgent),
        sum(f.reached_contacted), sum(f.reached_interested), sum(f.reached_qualified), sum(f.reached_converted)
    FROM lead_activity AS f CROSS JOIN (VALUES (60, 'hour'), (1440, 'day'), (10080, 'week')) AS g(minutes, unit)
    WHERE f.minutes = 15
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;

    INSERT INTO lead_contact_delays
    SELECT 60, date_trunc('hour', l.created_at, 'UTC'), contact_delay_bucket(l.first_contacted_at, l.created_at), count(*)
    FROM leads AS l WHERE l.deleted_at IS NULL AND l.first_contacted_at IS NOT NULL
    GROUP BY 2, 3
    ORDER BY 2, 3;

    INSERT INTO lead_contact_delays
    SELECT g.minutes, date_trunc(g.unit, h.bucket, 'UTC'), h.delay_bucket, sum(h.leads)
    FROM lead_contact_delays AS h CROSS JOIN (VALUES (1440, 'day'), (10080, 'week')) AS g(minutes, unit)
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;
END
$$;
