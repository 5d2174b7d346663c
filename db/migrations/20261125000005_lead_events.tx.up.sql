-- The audit trail of leads: one row per change, written by a trigger in the
-- transaction that made the change. Changes are recorded only when the
-- transaction names its actor (set_config('crm.actor_id', …, true), see
-- db.AsActor): every API write does; bulk loads that bypass the API
-- (COPY-based seeding) don't pay for events.
CREATE TABLE lead_events (
    id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lead_id  uuid        NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    actor_id uuid        REFERENCES users (id) ON DELETE SET NULL,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind     text        NOT NULL CHECK (kind IN ('created', 'updated', 'assigned', 'status_changed',
        'deleted', 'restored', 'interaction_logged', 'bulk_created', 'bulk_updated', 'bulk_assigned')),
    -- API field name → {"old": …, "new": …}
    changes  jsonb       NOT NULL DEFAULT '{}'
);

CREATE INDEX lead_events_lead_at_idx ON lead_events (lead_id, at DESC, id DESC);
CREATE INDEX lead_events_actor_idx ON lead_events (actor_id);

-- The changed fields of a lead, by API name: {"status": {"old": …, "new": …}}.
-- For a created lead o is null and empty fields are left out. version and
-- updated_at change on every write and are not listed.
CREATE FUNCTION lead_event_changes(o leads, n leads, created boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(v.field, jsonb_build_object('old', v.ov, 'new', v.nv)), '{}'::jsonb)
    FROM (VALUES
            ('name', to_jsonb(o.name), to_jsonb(n.name)),
            ('email', to_jsonb(o.email), to_jsonb(n.email)),
            ('phone', to_jsonb(o.phone), to_jsonb(n.phone)),
            ('phoneE164', to_jsonb(o.phone_e164), to_jsonb(n.phone_e164)),
            ('company', to_jsonb(o.company), to_jsonb(n.company)),
            ('source', to_jsonb(o.source), to_jsonb(n.source)),
            ('status', to_jsonb(o.status), to_jsonb(n.status)),
            ('priority', to_jsonb(o.priority), to_jsonb(n.priority)),
            ('assignedToId', to_jsonb(o.assigned_to), to_jsonb(n.assigned_to)),
            ('notes', to_jsonb(o.notes), to_jsonb(n.notes)),
            ('tags', to_jsonb(o.tags), to_jsonb(n.tags)),
            ('customFields', to_jsonb(o.custom_fields), to_jsonb(n.custom_fields)),
            ('nextFollowUpAt', to_jsonb(o.next_follow_up_at), to_jsonb(n.next_follow_up_at)),
            ('lastContactedAt', to_jsonb(o.last_contacted_at), to_jsonb(n.last_contacted_at)),
            ('attemptCount', to_jsonb(o.attempt_count), to_jsonb(n.attempt_count)),
            ('deletedAt', to_jsonb(o.deleted_at), to_jsonb(n.deleted_at))
        ) AS v(field, ov, nv)
    WHERE v.ov IS DISTINCT FROM v.nv
        AND (NOT created OR v.nv NOT IN ('null', '[]', '{}', '0'))
$$;

-- The kind of an update, from what changed and crm.event_source, which says
-- what kind of write this is when the diff alone cannot: 'interaction',
-- 'bulk' (bulk create/upsert) or 'bulk_assign'.
CREATE FUNCTION lead_event_kind(changes jsonb, deleted boolean, source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN changes ? 'deletedAt' AND deleted THEN 'deleted'
        WHEN changes ? 'deletedAt' THEN 'restored'
        WHEN source = 'interaction' THEN 'interaction_logged'
        WHEN source = 'bulk' THEN 'bulk_updated'
        WHEN source = 'bulk_assign' THEN 'bulk_assigned'
        WHEN changes ? 'status' THEN 'status_changed'
        WHEN changes ? 'assignedToId' AND changes - 'assignedToId' = '{}'::jsonb THEN 'assigned'
        ELSE 'updated' END
$$;

-- Statement-level triggers write one INSERT … SELECT of events per
-- statement, so a 1000-row bulk write costs one more statement, not 1000
-- function calls.
CREATE FUNCTION leads_record_inserts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lead_events (lead_id, actor_id, kind, changes)
    SELECT n.id, current_setting('crm.actor_id')::uuid,
        CASE WHEN current_setting('crm.event_source', true) = 'bulk' THEN 'bulk_created' ELSE 'created' END,
        lead_event_changes(NULL, n, true)
    FROM new_rows AS n;
    RETURN NULL;
END
$$;

CREATE FUNCTION leads_record_updates() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lead_events (lead_id, actor_id, kind, changes)
    SELECT n.id, current_setting('crm.actor_id')::uuid,
        lead_event_kind(c.changes, n.deleted_at IS NOT NULL, coalesce(current_setting('crm.event_source', true), '')),
        c.changes
    FROM new_rows AS n
    JOIN old_rows AS o ON o.id = n.id
    CROSS JOIN LATERAL (SELECT lead_event_changes(o, n, false) AS changes) AS c
    WHERE c.changes <> '{}'::jsonb;
    RETURN NULL;
END
$$;

-- The WHEN clauses skip writes without an actor (a COPY of a million seeded
-- leads pays almost nothing).
CREATE TRIGGER leads_record_inserts AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (coalesce(current_setting('crm.actor_id', true), '') <> '')
    EXECUTE FUNCTION leads_record_inserts();

CREATE TRIGGER leads_record_updates AFTER UPDATE ON leads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (coalesce(current_setting('crm.actor_id', true), '') <> '')
    EXECUTE FUNCTION leads_record_updates();
