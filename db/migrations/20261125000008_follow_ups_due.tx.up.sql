-- Open follow-up bookings by the UTC day they are due, so that
-- telecallerPerformance counts the overdue ones without reading interactions.
--
-- followUpsOverdue = open bookings of the range (telecaller_activity's
-- open_follow_ups) minus those not due yet (due at or after now). The second
-- term needs both when a booking was made (the range) and when it is due
-- (now): telecaller_follow_ups_due counts open bookings on live leads per
-- telecaller, per booking slot or booking UTC day (is_day, as in
-- telecaller_activity) and per UTC day of the due time. The report sums the
-- cells due after today (UTC) and reads the bookings due during the rest of
-- today from interactions_open_follow_up_idx. Cells that fall to zero are
-- deleted, so the table holds only open bookings.
CREATE TABLE telecaller_follow_ups_due (
    is_day          boolean     NOT NULL,
    bucket          timestamptz NOT NULL,
    due_day         timestamptz NOT NULL,
    telecaller_id   uuid        NOT NULL,
    open_follow_ups integer     NOT NULL,
    -- The report reads, per booking bucket of the range, the cells due
    -- after a day, from the index alone.
    PRIMARY KEY (is_day, bucket, due_day, telecaller_id) INCLUDE (open_follow_ups)
);

-- The first and last call of the day rows a report's range meets, read from
-- the index alone (the columns are already indexed by
-- telecaller_activity_calls_idx, so updates stay as HOT as before).
CREATE INDEX telecaller_activity_day_calls_idx ON telecaller_activity (bucket, telecaller_id)
    INCLUDE (first_call_at, last_call_at) WHERE is_day AND first_call_at IS NOT NULL;

-- What an interaction adds: its open booking (interaction_activity's
-- open_follow_ups, in the same slot) under the UTC day it is due. Inlined
-- by the planner like interaction_activity.
CREATE FUNCTION interaction_follow_up_due(i interactions) RETURNS telecaller_follow_ups_due
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW(false, (interaction_activity(i)).bucket, date_trunc('day', i.follow_up_at, 'UTC'),
        i.telecaller_id, (interaction_activity(i)).open_follow_ups)::telecaller_follow_ups_due
$$;

-- Adds (sign 1) or removes (sign -1) a slot cell's count to its slot cell
-- and its UTC day cell; a cell that reaches zero is deleted.
CREATE FUNCTION telecaller_follow_ups_due_add(f telecaller_follow_ups_due, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    day boolean;
    b timestamptz;
    n integer;
BEGIN
    IF f.open_follow_ups = 0 THEN
        RETURN;
    END IF;
    FOREACH day IN ARRAY ARRAY[false, true] LOOP
        b := CASE WHEN day THEN date_trunc('day', f.bucket, 'UTC') ELSE f.bucket END;
        INSERT INTO telecaller_follow_ups_due AS t VALUES (day, b, f.due_day, f.telecaller_id, sign * f.open_follow_ups)
        ON CONFLICT (is_day, bucket, due_day, telecaller_id) DO UPDATE
            SET open_follow_ups = t.open_follow_ups + excluded.open_follow_ups
        RETURNING t.open_follow_ups INTO n;
        IF n = 0 THEN
            DELETE FROM telecaller_follow_ups_due
            WHERE is_day = day AND bucket = b AND due_day = f.due_day AND telecaller_id = f.telecaller_id;
        END IF;
    END LOOP;
END
$$;

-- Everything one interaction contributes to the rollups.
CREATE FUNCTION interaction_rollups_add(i interactions, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM telecaller_activity_add(interaction_activity(i), sign);
    PERFORM telecaller_follow_ups_due_add(interaction_follow_up_due(i), sign);
END
$$;

-- Rebuilds telecaller_follow_ups_due from interactions (part of
-- refresh_telecaller_rollups; the migration backfills with it).
CREATE FUNCTION refresh_follow_ups_due() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE telecaller_follow_ups_due;
    INSERT INTO telecaller_follow_ups_due
    SELECT false, f.bucket, f.due_day, f.telecaller_id, sum(f.open_follow_ups)
    FROM (
        SELECT (interaction_follow_up_due(i)).* FROM interactions AS i
        WHERE i.follow_up_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM leads AS l WHERE l.id = i.lead_id AND l.deleted_at IS NULL)
    ) AS f
    GROUP BY 2, 3, 4 HAVING sum(f.open_follow_ups) <> 0
    ORDER BY 2, 3, 4;

    INSERT INTO telecaller_follow_ups_due
    SELECT true, date_trunc('day', f.bucket, 'UTC'), f.due_day, f.telecaller_id, sum(f.open_follow_ups)
    FROM telecaller_follow_ups_due AS f WHERE NOT f.is_day
    GROUP BY 2, 3, 4
    ORDER BY 2, 3, 4;
END
$$;

CREATE OR REPLACE FUNCTION lead_activity_add(lead uuid, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    i interactions;
    p lead_telecaller_firsts;
BEGIN
    FOR i IN SELECT * FROM interactions WHERE lead_id = lead LOOP
        PERFORM interaction_rollups_add(i, sign);
    END LOOP;
    FOR p IN SELECT * FROM lead_telecaller_firsts WHERE lead_id = lead LOOP
        PERFORM telecaller_activity_add(first_activity(p, false), sign);
        PERFORM telecaller_activity_add(first_activity(p, true), sign);
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION interactions_after_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF rollups_paused() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND lead_is_live(OLD.lead_id) THEN
        PERFORM interaction_rollups_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF lead_is_live(NEW.lead_id) THEN
            PERFORM interaction_rollups_add(NEW, 1);
        END IF;
        IF TG_OP = 'INSERT' AND (NEW.type <> 'note' OR NEW.status_after = 'converted') THEN
            INSERT INTO lead_telecaller_firsts AS p VALUES (NEW.lead_id, NEW.telecaller_id,
                CASE WHEN NEW.type <> 'note' THEN NEW.occurred_at END,
                CASE WHEN NEW.status_after = 'converted' THEN NEW.occurred_at END)
            ON CONFLICT (lead_id, telecaller_id) DO UPDATE SET
                first_contact_at = least(p.first_contact_at, excluded.first_contact_at),
                first_converted_at = least(p.first_converted_at, excluded.first_converted_at)
            WHERE coalesce(excluded.first_contact_at < p.first_contact_at,
                    excluded.first_contact_at IS NOT NULL AND p.first_contact_at IS NULL)
                OR coalesce(excluded.first_converted_at < p.first_converted_at,
                    excluded.first_converted_at IS NOT NULL AND p.first_converted_at IS NULL);
        END IF;
        -- This contact completes the earlier bookings it is the next contact after.
        IF TG_OP = 'INSERT' AND NEW.type <> 'note' THEN
            UPDATE interactions SET followed_up_at = NEW.occurred_at
            WHERE lead_id = NEW.lead_id AND follow_up_at IS NOT NULL
                AND (occurred_at, id) < (NEW.occurred_at, NEW.id)
                AND (followed_up_at IS NULL OR followed_up_at > NEW.occurred_at);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- Rebuilds every rollup from the base tables with the same definitions,
-- for the migrations and for bulk loads that bypass the triggers.
-- follow_ups recomputes followed_up_at too (a loader may write it itself).
-- The rebuild's statements run once over millions of rows: JIT compiling
-- them cost more than it saved (seconds to minutes on a busy machine), and
-- the trigger on lead_telecaller_firsts, idle while paused, was still fired
-- (and queued) once per rebuilt row, so it is off for the transaction.
-- Rows are written in key order: the primary keys grow at their right edge
-- instead of at random pages, and the activity rows lie in time order, as
-- the triggers would have appended them, so a report reads a range's rows
-- from a few pages instead of one page each. The slot grouping (~900k groups
-- of 24 sums for 5M interactions) spilled to disk in five batches at 256MB.
CREATE OR REPLACE FUNCTION refresh_telecaller_rollups(follow_ups boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('crm.rollups_paused', 'on', true);
    -- Room to hash millions of (lead, telecaller) and (slot, telecaller) groups in memory.
    PERFORM set_config('work_mem', '512MB', true);
    PERFORM set_config('jit', 'off', true);
    IF follow_ups THEN
        UPDATE interactions AS i SET followed_up_at = nx.at
        FROM interactions AS b
        CROSS JOIN LATERAL (
            SELECT min(j.occurred_at) AS at FROM interactions AS j
            WHERE j.lead_id = b.lead_id AND j.type <> 'note' AND (j.occurred_at, j.id) > (b.occurred_at, b.id)
        ) AS nx
        WHERE b.follow_up_at IS NOT NULL AND i.id = b.id AND i.followed_up_at IS DISTINCT FROM nx.at;
    END IF;

    TRUNCATE lead_telecaller_firsts, telecaller_activity, telecaller_open_leads;

    ALTER TABLE lead_telecaller_firsts DISABLE TRIGGER lead_telecaller_firsts_after_write;
    INSERT INTO lead_telecaller_firsts
    SELECT lead_id, telecaller_id, min(occurred_at) FILTER (WHERE type <> 'note'),
        min(occurred_at) FILTER (WHERE status_after = 'converted')
    FROM interactions WHERE type <> 'note' OR status_after = 'converted'
    GROUP BY 1, 2
    ORDER BY 1, 2;
    ALTER TABLE lead_telecaller_firsts ENABLE TRIGGER lead_telecaller_firsts_after_write;

    -- Slot rows first, then the day rows from the slot rows. The two
    -- functions are STABLE one-expression SQL, so the planner inlines them.
    INSERT INTO telecaller_activity
    SELECT false, f.bucket, f.telecaller_id,
        sum(f.interactions), sum(f.calls_made), sum(f.connected_calls), sum(f.talk_seconds), sum(f.follow_ups_scheduled),
        sum(f.follow_ups_on_time), sum(f.leads_contacted), sum(f.conversions),
        sum(f.o_connected), sum(f.o_no_answer), sum(f.o_busy), sum(f.o_voicemail), sum(f.o_wrong_number),
        sum(f.o_callback_requested), sum(f.o_interested), sum(f.o_not_interested), sum(f.o_converted),
        sum(f.o_do_not_call), min(f.first_call_at), max(f.last_call_at), sum(f.open_follow_ups)
    FROM (
        SELECT (interaction_activity(i)).* FROM interactions AS i
        WHERE EXISTS (SELECT 1 FROM leads AS l WHERE l.id = i.lead_id AND l.deleted_at IS NULL)
        UNION ALL
        SELECT (first_activity(p, false)).* FROM lead_telecaller_firsts AS p
        WHERE p.first_contact_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM leads AS l WHERE l.id = p.lead_id AND l.deleted_at IS NULL)
        UNION ALL
        SELECT (first_activity(p, true)).* FROM lead_telecaller_firsts AS p
        WHERE p.first_converted_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM leads AS l WHERE l.id = p.lead_id AND l.deleted_at IS NULL)
    ) AS f
    GROUP BY 2, 3
    ORDER BY 2, 3;

    INSERT INTO telecaller_activity
    SELECT true, date_trunc('day', f.bucket, 'UTC'), f.telecaller_id,
        sum(f.interactions), sum(f.calls_made), sum(f.connected_calls), sum(f.talk_seconds), sum(f.follow_ups_scheduled),
        sum(f.follow_ups_on_time), sum(f.leads_contacted), sum(f.conversions),
        sum(f.o_connected), sum(f.o_no_answer), sum(f.o_busy), sum(f.o_voicemail), sum(f.o_wrong_number),
        sum(f.o_callback_requested), sum(f.o_interested), sum(f.o_not_interested), sum(f.o_converted),
        sum(f.o_do_not_call), min(f.first_call_at), max(f.last_call_at), sum(f.open_follow_ups)
    FROM telecaller_activity AS f WHERE NOT f.is_day
    GROUP BY 2, 3
    ORDER BY 2, 3;

    PERFORM refresh_follow_ups_due();

    INSERT INTO telecaller_open_leads
    SELECT l.assigned_to, count(*) FROM leads AS l WHERE lead_is_open(l) GROUP BY 1;
    PERFORM set_config('crm.rollups_paused', 'off', true);
END
$$;

-- Existing bookings (the other rollups are unchanged).
SELECT refresh_follow_ups_due();
