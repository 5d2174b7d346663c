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

-- The lead columns the trail follows, under their API names. version and
-- updated_at change on every write and are left out.
CREATE FUNCTION lead_event_fields() RETURNS TABLE (col text, field text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    VALUES ('name', 'name'), ('email', 'email'), ('phone', 'phone'), ('phone_e164', 'phoneE164'),
        ('company', 'company'), ('source', 'source'), ('status', 'status'), ('priority', 'priority'),
        ('assigned_to', 'assignedToId'), ('notes', 'notes'), ('tags', 'tags'),
        ('custom_fields', 'customFields'), ('next_follow_up_at', 'nextFollowUpAt'),
        ('last_contacted_at', 'lastContactedAt'), ('attempt_count', 'attemptCount'),
        ('deleted_at', 'deletedAt')
$$;

-- crm.event_source says what kind of write this is when a column diff alone
-- cannot: 'interaction', 'bulk' (bulk create/upsert), 'bulk_assign'.
CREATE FUNCTION leads_record_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    actor  text := nullif(current_setting('crm.actor_id', true), '');
    source text := coalesce(current_setting('crm.event_source', true), '');
    diff   jsonb;
    kind   text;
BEGIN
    IF actor IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT coalesce(jsonb_object_agg(f.field, jsonb_build_object('old', NULL, 'new', n.value)), '{}')
        INTO diff
        FROM lead_event_fields() AS f
        JOIN jsonb_each(to_jsonb(NEW)) AS n ON n.key = f.col
        WHERE n.value <> 'null'::jsonb AND n.value <> '[]'::jsonb AND n.value <> '{}'::jsonb;
        kind := CASE WHEN source = 'bulk' THEN 'bulk_created' ELSE 'created' END;
    ELSE
        SELECT coalesce(jsonb_object_agg(f.field, jsonb_build_object('old', o.value, 'new', n.value)), '{}')
        INTO diff
        FROM lead_event_fields() AS f
        JOIN jsonb_each(to_jsonb(OLD)) AS o ON o.key = f.col
        JOIN jsonb_each(to_jsonb(NEW)) AS n ON n.key = f.col
        WHERE o.value IS DISTINCT FROM n.value;
        IF diff = '{}'::jsonb THEN
            RETURN NULL;
        END IF;
        kind := CASE
            WHEN diff ? 'deletedAt' AND NEW.deleted_at IS NOT NULL THEN 'deleted'
            WHEN diff ? 'deletedAt' THEN 'restored'
            WHEN source = 'interaction' THEN 'interaction_logged'
            WHEN source = 'bulk' THEN 'bulk_updated'
            WHEN source = 'bulk_assign' THEN 'bulk_assigned'
            WHEN diff ? 'status' THEN 'status_changed'
            WHEN diff ? 'assignedToId' AND diff - 'assignedToId' = '{}'::jsonb THEN 'assigned'
            ELSE 'updated' END;
    END IF;
    INSERT INTO lead_events (lead_id, actor_id, kind, changes) VALUES (NEW.id, actor::uuid, kind, diff);
    RETURN NULL;
END
$$;

CREATE TRIGGER leads_record_event AFTER INSERT OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_record_event();
