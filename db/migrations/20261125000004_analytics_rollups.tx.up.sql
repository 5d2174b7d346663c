-- Telecaller performance from rollups maintained in the writing transaction.
--
-- telecaller_activity holds, per telecaller, the additive counters of the
-- interactions they logged on live (not deleted) leads, twice: per UTC day
-- and per 15-minute UTC slot. Every IANA offset in use is a multiple of 15
-- minutes, so any range on 15-minute marks and any local day is a union of
-- slots; whole UTC days inside a range are read from the day rows.
-- The first and last call of each row let the report find the first and
-- last call of a local day without reading interactions.

-- When the next non-note interaction on the lead after this one happened:
-- set on interactions that booked a follow-up, when that contact is logged.
ALTER TABLE interactions ADD COLUMN followed_up_at timestamptz;

CREATE TABLE telecaller_activity (
    is_day                 boolean     NOT NULL,
    bucket                 timestamptz NOT NULL,
    telecaller_id          uuid        NOT NULL,
    interactions           integer     NOT NULL DEFAULT 0,
    calls_made             integer     NOT NULL DEFAULT 0,
    connected_calls        integer     NOT NULL DEFAULT 0,
    talk_seconds           bigint      NOT NULL DEFAULT 0,
    follow_ups_scheduled   integer     NOT NULL DEFAULT 0,
    follow_ups_on_time     integer     NOT NULL DEFAULT 0,
    leads_contacted        integer     NOT NULL DEFAULT 0,
    conversions            integer     NOT NULL DEFAULT 0,
    o_connected            integer     NOT NULL DEFAULT 0,
    o_no_answer            integer     NOT NULL DEFAULT 0,
    o_busy                 integer     NOT NULL DEFAULT 0,
    o_voicemail            integer     NOT NULL DEFAULT 0,
    o_wrong_number         integer     NOT NULL DEFAULT 0,
    o_callback_requested   integer     NOT NULL DEFAULT 0,
    o_interested           integer     NOT NULL DEFAULT 0,
    o_not_interested       integer     NOT NULL DEFAULT 0,
    o_converted            integer     NOT NULL DEFAULT 0,
    o_do_not_call          integer     NOT NULL DEFAULT 0,
    first_call_at          timestamptz,
    last_call_at           timestamptz,
    -- Booked follow-ups with no contact since (followed_up_at unset).
    open_follow_ups        integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (is_day, bucket, telecaller_id)
);
-- What a bulk load took away and must put back (db.DeferBulkLoadDDL).
CREATE TABLE bulk_load_deferred (
    name        text PRIMARY KEY,
    step        smallint NOT NULL,
    restore_sql text NOT NULL
);

-- Finding the first or last call of part of a day reads slot rows by telecaller.
CREATE INDEX telecaller_activity_calls_idx ON telecaller_activity (telecaller_id, bucket)
    INCLUDE (first_call_at, last_call_at) WHERE NOT is_day AND first_call_at IS NOT NULL;

-- The first non-note contact and the first conversion of each lead by each
-- telecaller: leadsContacted and conversions count these, so they add up.
CREATE TABLE lead_telecaller_firsts (
    lead_id            uuid NOT NULL,
    telecaller_id      uuid NOT NULL,
    first_contact_at   timestamptz,
    first_converted_at timestamptz,
    PRIMARY KEY (lead_id, telecaller_id)
);

-- Open leads (not converted, lost, not interested or do-not-call) assigned
-- to each user now.
CREATE TABLE telecaller_open_leads (
    telecaller_id uuid PRIMARY KEY,
    open_leads    integer NOT NULL DEFAULT 0
);

-- Overdue = open bookings (a rollup counter) minus the open bookings not
-- due yet, which this index finds (few: they are due after now).
CREATE INDEX interactions_open_follow_up_idx ON interactions (follow_up_at)
    INCLUDE (telecaller_id, lead_id, occurred_at) WHERE follow_up_at IS NOT NULL AND followed_up_at IS NULL;
-- ... leaving out deleted leads (about 1%) by an anti-join on this one.
CREATE INDEX leads_deleted_idx ON leads (id) WHERE deleted_at IS NOT NULL;

-- The one definition of what an interaction adds to its telecaller's
-- counters: a telecaller_activity row for the interaction's slot. STABLE
-- (timestamptz + interval is), so that the planner can inline it.
CREATE FUNCTION interaction_activity(i interactions) RETURNS telecaller_activity
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW(
        false,
        date_bin('15 minutes', i.occurred_at, timestamptz '2000-01-01 00:00:00+00'),
        i.telecaller_id,
        1,
        (i.type = 'call' AND i.direction = 'outbound')::int,
        (i.type = 'call' AND coalesce(i.outcome IN ('connected', 'callback_requested', 'interested',
            'not_interested', 'converted', 'do_not_call'), false))::int,
        CASE WHEN i.type = 'call' THEN i.duration_seconds ELSE 0 END,
        (i.follow_up_at IS NOT NULL)::int,
        coalesce(i.followed_up_at <= i.follow_up_at + interval '1 hour', false)::int,
        0, 0,
        (i.outcome IS NOT DISTINCT FROM 'connected')::int,
        (i.outcome IS NOT DISTINCT FROM 'no_answer')::int,
        (i.outcome IS NOT DISTINCT FROM 'busy')::int,
        (i.outcome IS NOT DISTINCT FROM 'voicemail')::int,
        (i.outcome IS NOT DISTINCT FROM 'wrong_number')::int,
        (i.outcome IS NOT DISTINCT FROM 'callback_requested')::int,
        (i.outcome IS NOT DISTINCT FROM 'interested')::int,
        (i.outcome IS NOT DISTINCT FROM 'not_interested')::int,
        (i.outcome IS NOT DISTINCT FROM 'converted')::int,
        (i.outcome IS NOT DISTINCT FROM 'do_not_call')::int,
        CASE WHEN i.type = 'call' THEN i.occurred_at END,
        CASE WHEN i.type = 'call' THEN i.occurred_at END,
        (i.follow_up_at IS NOT NULL AND i.followed_up_at IS NULL)::int
    )::telecaller_activity
$$;

-- What a lead/telecaller pair adds: one contacted lead in the slot of the
-- first contact, one conversion in the slot of the first conversion.
CREATE FUNCTION first_activity(p lead_telecaller_firsts, conversion boolean) RETURNS telecaller_activity
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW(false,
        date_bin('15 minutes', CASE WHEN conversion THEN p.first_converted_at ELSE p.first_contact_at END,
            timestamptz '2000-01-01 00:00:00+00'),
        p.telecaller_id, 0, 0, 0, 0, 0, 0, (NOT conversion)::int, conversion::int,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0)::telecaller_activity
$$;

-- Recomputes the first and last call of one row from the live calls,
-- after a call stopped counting.
CREATE FUNCTION telecaller_activity_recall(day boolean, b timestamptz, who uuid) RETURNS void
LANGUAGE sql AS $$
    UPDATE telecaller_activity AS t SET first_call_at = c.lo, last_call_at = c.hi
    FROM (
        SELECT min(i.occurred_at) AS lo, max(i.occurred_at) AS hi
        FROM interactions AS i JOIN leads AS l ON l.id = i.lead_id AND l.deleted_at IS NULL
        WHERE i.telecaller_id = who AND i.type = 'call' AND i.occurred_at >= b
            AND i.occurred_at < b + CASE WHEN day THEN interval '1 day' ELSE interval '15 minutes' END
    ) AS c
    WHERE t.is_day = day AND t.bucket = b AND t.telecaller_id = who
$$;

-- Adds (sign 1) or removes (sign -1) one slot row's worth of counters to
-- its slot row and its UTC day row. Upserts lock the row, so concurrent
-- writers of the same telecaller and slot wait for each other.
CREATE FUNCTION telecaller_activity_add(f telecaller_activity, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    day boolean;
    b timestamptz;
BEGIN
    IF f.bucket IS NULL THEN
        RETURN;
    END IF;
    FOREACH day IN ARRAY ARRAY[false, true] LOOP
        b := CASE WHEN day THEN date_trunc('day', f.bucket, 'UTC') ELSE f.bucket END;
        INSERT INTO telecaller_activity AS t VALUES (day, b, f.telecaller_id,
            sign * f.interactions, sign * f.calls_made, sign * f.connected_calls, sign * f.talk_seconds,
            sign * f.follow_ups_scheduled, sign * f.follow_ups_on_time, sign * f.leads_contacted, sign * f.conversions,
            sign * f.o_connected, sign * f.o_no_answer, sign * f.o_busy, sign * f.o_voicemail, sign * f.o_wrong_number,
            sign * f.o_callback_requested, sign * f.o_interested, sign * f.o_not_interested, sign * f.o_converted,
            sign * f.o_do_not_call,
            CASE WHEN sign > 0 THEN f.first_call_at END, CASE WHEN sign > 0 THEN f.last_call_at END,
            sign * f.open_follow_ups)
        ON CONFLICT (is_day, bucket, telecaller_id) DO UPDATE SET
            interactions = t.interactions + excluded.interactions,
            calls_made = t.calls_made + excluded.calls_made,
            connected_calls = t.connected_calls + excluded.connected_calls,
            talk_seconds = t.talk_seconds + excluded.talk_seconds,
            follow_ups_scheduled = t.follow_ups_scheduled + excluded.follow_ups_scheduled,
            follow_ups_on_time = t.follow_ups_on_time + excluded.follow_ups_on_time,
            leads_contacted = t.leads_contacted + excluded.leads_contacted,
            conversions = t.conversions + excluded.conversions,
            o_connected = t.o_connected + excluded.o_connected,
            o_no_answer = t.o_no_answer + excluded.o_no_answer,
            o_busy = t.o_busy + excluded.o_busy,
            o_voicemail = t.o_voicemail + excluded.o_voicemail,
            o_wrong_number = t.o_wrong_number + excluded.o_wrong_number,
            o_callback_requested = t.o_callback_requested + excluded.o_callback_requested,
            o_interested = t.o_interested + excluded.o_interested,
            o_not_interested = t.o_not_interested + excluded.o_not_interested,
            o_converted = t.o_converted + excluded.o_converted,
            o_do_not_call = t.o_do_not_call + excluded.o_do_not_call,
            first_call_at = least(t.first_call_at, excluded.first_call_at),
            last_call_at = greatest(t.last_call_at, excluded.last_call_at),
            open_follow_ups = t.open_follow_ups + excluded.open_follow_ups;
        -- A removed call may have been the row's first or last: the row is
        -- locked now, so this statement's snapshot sees every committed call.
        IF sign < 0 AND f.first_call_at IS NOT NULL THEN
            PERFORM telecaller_activity_recall(day, b, f.telecaller_id);
        END IF;
    END LOOP;
END
$$;

-- Adds or removes everything a lead contributes: its interactions and its
-- first contacts/conversions (on soft delete and restore).
CREATE FUNCTION lead_activity_add(lead uuid, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    i interactions;
    p lead_telecaller_firsts;
BEGIN
    FOR i IN SELECT * FROM interactions WHERE lead_id = lead LOOP
        PERFORM telecaller_activity_add(interaction_activity(i), sign);
    END LOOP;
    FOR p IN SELECT * FROM lead_telecaller_firsts WHERE lead_id = lead LOOP
        PERFORM telecaller_activity_add(first_activity(p, false), sign);
        PERFORM telecaller_activity_add(first_activity(p, true), sign);
    END LOOP;
END
$$;

-- Bulk rebuilds pause the triggers for their transaction and recompute
-- everything at the end (refresh_telecaller_rollups).
CREATE FUNCTION rollups_paused() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('crm.rollups_paused', true), '') = 'on'
$$;

CREATE FUNCTION lead_is_live(lead uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM leads WHERE id = lead AND deleted_at IS NULL)
$$;

-- A booking knows, when stored, whether the lead was already contacted
-- after it (an interaction logged with an earlier time).
CREATE FUNCTION interactions_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF rollups_paused() THEN
        RETURN NEW;
    END IF;
    IF NEW.follow_up_at IS NOT NULL AND TG_OP = 'INSERT' THEN
        NEW.followed_up_at := (SELECT min(j.occurred_at) FROM interactions AS j
            WHERE j.lead_id = NEW.lead_id AND j.type <> 'note' AND (j.occurred_at, j.id) > (NEW.occurred_at, NEW.id));
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER interactions_before_write BEFORE INSERT ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_before_write();

-- Keeps the rollups in step with interactions, in the same transaction.
CREATE FUNCTION interactions_after_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF rollups_paused() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND lead_is_live(OLD.lead_id) THEN
        PERFORM telecaller_activity_add(interaction_activity(OLD), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF lead_is_live(NEW.lead_id) THEN
            PERFORM telecaller_activity_add(interaction_activity(NEW), 1);
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

CREATE TRIGGER interactions_after_write AFTER INSERT OR UPDATE OR DELETE ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_after_write();

CREATE FUNCTION lead_telecaller_firsts_after_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF rollups_paused() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND lead_is_live(OLD.lead_id) THEN
        PERFORM telecaller_activity_add(first_activity(OLD, false), -1);
        PERFORM telecaller_activity_add(first_activity(OLD, true), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND lead_is_live(NEW.lead_id) THEN
        PERFORM telecaller_activity_add(first_activity(NEW, false), 1);
        PERFORM telecaller_activity_add(first_activity(NEW, true), 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER lead_telecaller_firsts_after_write AFTER INSERT OR UPDATE OR DELETE ON lead_telecaller_firsts
    FOR EACH ROW EXECUTE FUNCTION lead_telecaller_firsts_after_write();

-- Whether a lead counts as an open lead of its assignee.
CREATE FUNCTION lead_is_open(l leads) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT l.deleted_at IS NULL AND l.assigned_to IS NOT NULL
        AND l.status NOT IN ('converted', 'lost', 'do_not_call', 'not_interested')
$$;

CREATE FUNCTION telecaller_open_leads_add(who uuid, n integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO telecaller_open_leads AS t VALUES (who, n)
    ON CONFLICT (telecaller_id) DO UPDATE SET open_leads = t.open_leads + excluded.open_leads
$$;

-- Soft delete and restore take a lead's activity out of or back into the
-- rollups; assignment and status changes move its open-lead count.
CREATE FUNCTION leads_after_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF rollups_paused() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) THEN
        PERFORM lead_activity_add(NEW.id, CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND lead_is_open(OLD) THEN
        PERFORM telecaller_open_leads_add(OLD.assigned_to, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND lead_is_open(NEW) THEN
        PERFORM telecaller_open_leads_add(NEW.assigned_to, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER leads_after_write AFTER INSERT OR DELETE ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_after_write();
CREATE TRIGGER leads_after_update AFTER UPDATE ON leads
    FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
        OR OLD.assigned_to IS DISTINCT FROM NEW.assigned_to OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION leads_after_write();

-- Rebuilds every rollup from the base tables with the same definitions,
-- for the migration and for bulk loads that bypass the triggers.
-- follow_ups recomputes followed_up_at too (a loader may write it itself).
CREATE FUNCTION refresh_telecaller_rollups(follow_ups boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('crm.rollups_paused', 'on', true);
    -- Room to hash millions of (lead, telecaller) and (slot, telecaller) groups in memory.
    PERFORM set_config('work_mem', '256MB', true);
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

    INSERT INTO lead_telecaller_firsts
    SELECT lead_id, telecaller_id, min(occurred_at) FILTER (WHERE type <> 'note'),
        min(occurred_at) FILTER (WHERE status_after = 'converted')
    FROM interactions WHERE type <> 'note' OR status_after = 'converted'
    GROUP BY 1, 2;

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
    GROUP BY 2, 3;

    INSERT INTO telecaller_activity
    SELECT true, date_trunc('day', f.bucket, 'UTC'), f.telecaller_id,
        sum(f.interactions), sum(f.calls_made), sum(f.connected_calls), sum(f.talk_seconds), sum(f.follow_ups_scheduled),
        sum(f.follow_ups_on_time), sum(f.leads_contacted), sum(f.conversions),
        sum(f.o_connected), sum(f.o_no_answer), sum(f.o_busy), sum(f.o_voicemail), sum(f.o_wrong_number),
        sum(f.o_callback_requested), sum(f.o_interested), sum(f.o_not_interested), sum(f.o_converted),
        sum(f.o_do_not_call), min(f.first_call_at), max(f.last_call_at), sum(f.open_follow_ups)
    FROM telecaller_activity AS f WHERE NOT f.is_day
    GROUP BY 2, 3;

    INSERT INTO telecaller_open_leads
    SELECT l.assigned_to, count(*) FROM leads AS l WHERE lead_is_open(l) GROUP BY 1;
    PERFORM set_config('crm.rollups_paused', 'off', true);
END
$$;

SELECT refresh_telecaller_rollups();
