-- Back to the rollups of 20261125000004_analytics_rollups.
CREATE OR REPLACE FUNCTION interactions_after_write() RETURNS trigger
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

CREATE OR REPLACE FUNCTION lead_activity_add(lead uuid, sign integer) RETURNS void
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

-- Rebuilds every rollup from the base tables with the same definitions,
-- for the migration and for bulk loads that bypass the triggers.
-- follow_ups recomputes followed_up_at too (a loader may write it itself).
CREATE OR REPLACE FUNCTION refresh_telecaller_rollups(follow_ups boolean DEFAULT true) RETURNS void
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

DROP FUNCTION IF EXISTS refresh_follow_ups_due();
DROP FUNCTION IF EXISTS interaction_rollups_add(interactions, integer);
DROP FUNCTION IF EXISTS telecaller_follow_ups_due_add(telecaller_follow_ups_due, integer);
DROP FUNCTION IF EXISTS interaction_follow_up_due(interactions);
DROP TABLE IF EXISTS telecaller_follow_ups_due;
DROP INDEX IF EXISTS telecaller_activity_day_calls_idx;
