CREATE OR REPLACE FUNCTION lead_event_changes(o leads, n leads, created boolean) RETURNS jsonb
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

CREATE OR REPLACE FUNCTION lead_event_kind(changes jsonb, deleted boolean, source text) RETURNS text
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

CREATE OR REPLACE FUNCTION lead_is_live(lead uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM leads WHERE id = lead AND deleted_at IS NULL)
$$;

ALTER FUNCTION lead_rollups_apply(leads[], leads[]) RESET plan_cache_mode;
