-- Lead analytics from rollups maintained in the writing transaction.
--
-- lead_activity holds, per lead source, what live leads add to the lead
-- report four times: per UTC week (from Monday), day, hour and 15-minute
-- slot (minutes = 10080, 1440, 60 or 15). Every IANA offset in use is a
-- multiple of 15 minutes, so any local day is a union of slots; a report
-- reads whole weeks, days and hours where it can, so a local day costs at
-- most about 30 rows per source and a quarter a few hundred.
-- A lead counts in the bucket of its creation (the cohort columns: current
-- status, priority, furthest stage reached), of its first contact, of its
-- conversion, and, while it is open, of its next follow-up.
-- lead_contact_delays is the cohort's time to first contact as a histogram
-- per UTC week, day and hour of creation, over all sources, so the report
-- finds which histogram bucket holds the median or p90 and reads only that
-- bucket's leads for the exact value.

CREATE TABLE lead_activity (
    minutes           smallint    NOT NULL CHECK (minutes IN (15, 60, 1440, 10080)),
    bucket            timestamptz NOT NULL,
    source            text        NOT NULL,
    created           integer     NOT NULL DEFAULT 0,
    contacted         integer     NOT NULL DEFAULT 0,
    converted         integer     NOT NULL DEFAULT 0,
    follow_ups_due    integer     NOT NULL DEFAULT 0,
    -- The cohort (leads created in the bucket) by current status.
    s_new             integer     NOT NULL DEFAULT 0,
    s_contacted       integer     NOT NULL DEFAULT 0,
    s_interested      integer     NOT NULL DEFAULT 0,
    s_follow_up       integer     NOT NULL DEFAULT 0,
    s_qualified       integer     NOT NULL DEFAULT 0,
    s_converted       integer     NOT NULL DEFAULT 0,
    s_not_interested  integer     NOT NULL DEFAULT 0,
    s_lost            integer     NOT NULL DEFAULT 0,
    s_do_not_call     integer     NOT NULL DEFAULT 0,
    -- The cohort by priority.
    p_low             integer     NOT NULL DEFAULT 0,
    p_medium          integer     NOT NULL DEFAULT 0,
    p_high            integer     NOT NULL DEFAULT 0,
    p_urgent          integer     NOT NULL DEFAULT 0,
    -- The cohort by the furthest funnel stage reached (at least).
    reached_contacted  integer    NOT NULL DEFAULT 0,
    reached_interested integer    NOT NULL DEFAULT 0,
    reached_qualified  integer    NOT NULL DEFAULT 0,
    reached_converted  integer    NOT NULL DEFAULT 0,
    PRIMARY KEY (minutes, bucket, source)
);

-- Which bucket of the time-to-first-contact histogram a delay falls in:
-- buckets grow by 5%, so the one holding a percentile is a small share of
-- the cohort (delays over about 8 years share the last). Monotonic in the
-- delay, so ordering by (bucket, delay) is ordering by delay.
CREATE FUNCTION contact_delay_bucket(first_contact timestamptz, created timestamptz) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(399, floor(ln(greatest(extract(epoch FROM first_contact - created), 1)) / ln(1.05)))::smallint
$$;

CREATE TABLE lead_contact_delays (
    minutes      smallint    NOT NULL CHECK (minutes IN (60, 1440, 10080)),
    bucket       timestamptz NOT NULL,
    delay_bucket smallint    NOT NULL,
    leads        integer     NOT NULL,
    PRIMARY KEY (minutes, bucket, delay_bucket)
);

-- A report on one assignee's leads reads them from the leads: their
-- cohort, contacts, conversions and follow-ups, index-only.
CREATE INDEX leads_assignee_cohort_idx ON leads (assigned_to, created_at)
    INCLUDE (status, source, priority, stage, first_contacted_at, converted_at, next_follow_up_at) WHERE deleted_at IS NULL;

-- The exact percentile reads one histogram bucket of the cohort.
CREATE INDEX leads_contact_delay_idx ON leads (contact_delay_bucket(first_contacted_at, created_at), created_at)
    INCLUDE (first_contacted_at, source) WHERE deleted_at IS NULL AND first_contacted_at IS NOT NULL;

-- What one lead adds to lead_activity, as slot rows: the one definition the
-- triggers, refresh_lead_rollups() and the report share.
CREATE FUNCTION lead_activity_of(l leads) RETURNS SETOF lead_activity
LANGUAGE sql STABLE AS $$
    SELECT 15::smallint, date_bin('15 minutes', e.at, timestamptz '2000-01-01 00:00:00+00'), l.source,
        (e.kind = 'created')::int, (e.kind = 'contacted')::int, (e.kind = 'converted')::int, (e.kind = 'due')::int,
        (c AND l.status = 'new')::int, (c AND l.status = 'contacted')::int, (c AND l.status = 'interested')::int,
        (c AND l.status = 'follow_up')::int, (c AND l.status = 'qualified')::int, (c AND l.status = 'converted')::int,
        (c AND l.status = 'not_interested')::int, (c AND l.status = 'lost')::int, (c AND l.status = 'do_not_call')::int,
        (c AND l.priority = 'low')::int, (c AND l.priority = 'medium')::int, (c AND l.priority = 'high')::int,
        (c AND l.priority = 'urgent')::int,
        (c AND l.stage >= 1)::int, (c AND l.stage >= 2)::int, (c AND l.stage >= 3)::int, (c AND l.stage >= 4)::int
    FROM (VALUES ('created', l.created_at), ('contacted', l.first_contacted_at), ('converted', l.converted_at),
            ('due', CASE WHEN l.status NOT IN ('converted', 'lost', 'do_not_call', 'not_interested') THEN l.next_follow_up_at END)
        ) AS e(kind, at)
    CROSS JOIN LATERAL (SELECT e.kind = 'created') AS k(c)
    WHERE l.deleted_at IS NULL AND e.at IS NOT NULL
$$;

-- What leads add to lead_contact_delays: each first-contacted live lead,
-- in the UTC hour, day and week of its creation.
CREATE FUNCTION lead_contact_delays_of(ls leads[]) RETURNS TABLE (minutes smallint, bucket timestamptz, delay_bucket smallint)
LANGUAGE sql STABLE AS $$
    SELECT g.minutes, date_trunc(g.unit, l.created_at, 'UTC'), contact_delay_bucket(l.first_contacted_at, l.created_at)
    FROM unnest(ls) AS l
    CROSS JOIN (VALUES (60::smallint, 'hour'), (1440::smallint, 'day'), (10080::smallint, 'week')) AS g(minutes, unit)
    WHERE l.deleted_at IS NULL AND l.first_contacted_at IS NOT NULL
$$;

-- Adds the difference between the leads as they were (olds) and as they
-- are (news) to both rollups. Contributions that did not change cancel out
-- (EXCEPT ALL) and touch no row; the rest lock their rows in key order, so
-- concurrent writers cannot deadlock on them. PL/pgSQL, not SQL, so its
-- two statements are planned once per connection, not on every call.
CREATE FUNCTION lead_rollups_apply(olds leads[], news leads[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    WITH o AS (SELECT f.* FROM unnest(olds) AS l CROSS JOIN LATERAL lead_activity_of(l) AS f),
    n AS (SELECT f.* FROM unnest(news) AS l CROSS JOIN LATERAL lead_activity_of(l) AS f),
    c AS (
        SELECT -1 AS s, x.* FROM (TABLE o EXCEPT ALL TABLE n) AS x
        UNION ALL
        SELECT 1, y.* FROM (TABLE n EXCEPT ALL TABLE o) AS y
    )
    INSERT INTO lead_activity AS a
    SELECT d.minutes, d.bucket, f.source,
        sum(s * f.created), sum(s * f.contacted), sum(s * f.converted), sum(s * f.follow_ups_due),
        sum(s * f.s_new), sum(s * f.s_contacted), sum(s * f.s_interested), sum(s * f.s_follow_up), sum(s * f.s_qualified),
        sum(s * f.s_converted), sum(s * f.s_not_interested), sum(s * f.s_lost), sum(s * f.s_do_not_call),
        sum(s * f.p_low), sum(s * f.p_medium), sum(s * f.p_high), sum(s * f.p_urgent),
        sum(s * f.reached_contacted), sum(s * f.reached_interested), sum(s * f.reached_qualified), sum(s * f.reached_converted)
    FROM c AS f
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
        reached_converted = a.reached_converted + excluded.reached_converted;

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

-- Statement-level triggers: a bulk insert or update of a thousand leads
-- touches each rollup row once.
CREATE FUNCTION leads_rollups_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT rollups_paused() THEN
        PERFORM lead_rollups_apply('{}'::leads[], ARRAY(SELECT n::leads FROM new_rows AS n));
    END IF;
    RETURN NULL;
END
$$;

-- Only leads whose analytics columns changed are applied.
CREATE FUNCTION leads_rollups_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    olds leads[];
    news leads[];
BEGIN
    IF rollups_paused() THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(o::leads), array_agg(n::leads) INTO olds, news
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE (o.deleted_at IS NULL, o.source, o.status, o.priority, o.stage, o.created_at,
            o.first_contacted_at, o.converted_at, o.next_follow_up_at)
        IS DISTINCT FROM (n.deleted_at IS NULL, n.source, n.status, n.priority, n.stage, n.created_at,
            n.first_contacted_at, n.converted_at, n.next_follow_up_at);
    IF olds IS NOT NULL THEN
        PERFORM lead_rollups_apply(olds, news);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION leads_rollups_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT rollups_paused() THEN
        PERFORM lead_rollups_apply(ARRAY(SELECT o::leads FROM old_rows AS o), '{}'::leads[]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER leads_rollups_inserted AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leads_rollups_inserted();
CREATE TRIGGER leads_rollups_updated AFTER UPDATE ON leads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leads_rollups_updated();
CREATE TRIGGER leads_rollups_deleted AFTER DELETE ON leads
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION leads_rollups_deleted();

-- Rebuilds both rollups from the leads with the same definitions, for the
-- migration and for bulk loads that bypass the triggers. Rows are written in
-- key order, so a range of buckets is a few adjacent pages.
CREATE FUNCTION refresh_lead_rollups() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('work_mem', '256MB', true);
    TRUNCATE lead_activity, lead_contact_delays;

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

SELECT refresh_lead_rollups();
