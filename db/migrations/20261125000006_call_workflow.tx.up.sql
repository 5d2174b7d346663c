-- Telecaller workflow: disposition rules, the do-not-call list, the retry
-- gap of the call queue, round-robin cursors and webhooks.

-- Managers' overrides of the built-in disposition rules (one per outcome).
CREATE TABLE disposition_rules (
    outcome                 text PRIMARY KEY
                            CHECK (outcome IN ('connected', 'no_answer', 'busy', 'voicemail',
                                               'wrong_number', 'callback_requested', 'interested',
                                               'not_interested', 'converted', 'do_not_call')),
    status_after            text CHECK (status_after IN ('new', 'contacted', 'interested', 'follow_up',
                                        'qualified', 'converted', 'not_interested', 'lost', 'do_not_call')),
    retry_after_minutes     integer CHECK (retry_after_minutes BETWEEN 0 AND 43200),
    max_attempts            integer CHECK (max_attempts BETWEEN 1 AND 1000),
    status_at_max_attempts  text CHECK (status_at_max_attempts IN ('new', 'contacted', 'interested', 'follow_up',
                                        'qualified', 'converted', 'not_interested', 'lost', 'do_not_call')),
    requires_follow_up      boolean NOT NULL DEFAULT false,
    add_to_do_not_call      boolean NOT NULL DEFAULT false,
    updated_by              uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((max_attempts IS NULL) = (status_at_max_attempts IS NULL))
);

-- Phone numbers that must never be called or imported again.
CREATE TABLE do_not_call_numbers (
    phone_e164 text PRIMARY KEY CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    lead_id    uuid REFERENCES leads (id) ON DELETE SET NULL,
    added_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    reason     text CHECK (char_length(reason) <= 500),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The call queue does not offer a lead again before retry_at (set by the
-- disposition rule of the last outcome, e.g. two hours after no answer).
ALTER TABLE leads ADD COLUMN retry_at timestamptz;
-- One index per queue tier, in the tier's order, for one caller or for the
-- unassigned leads (the nil uuid, so that both are an equality and the
-- index order serves the ORDER BY): due follow-ups, new leads by priority
-- rank then age, other open leads least recently contacted first.
CREATE INDEX leads_queue_due_idx ON leads (
    coalesce(assigned_to, '00000000-0000-0000-0000-000000000000'::uuid), next_follow_up_at, created_at, id)
    WHERE deleted_at IS NULL AND phone_e164 IS NOT NULL AND next_follow_up_at IS NOT NULL
      AND status IN ('new', 'contacted', 'interested', 'follow_up', 'qualified');
CREATE INDEX leads_queue_new_idx ON leads (
    coalesce(assigned_to, '00000000-0000-0000-0000-000000000000'::uuid),
    array_position(ARRAY['low','medium','high','urgent']::text[], priority) DESC, created_at, id)
    WHERE deleted_at IS NULL AND phone_e164 IS NOT NULL AND next_follow_up_at IS NULL AND status = 'new';
CREATE INDEX leads_queue_open_idx ON leads (
    coalesce(assigned_to, '00000000-0000-0000-0000-000000000000'::uuid), last_contacted_at ASC NULLS FIRST, created_at, id)
    WHERE deleted_at IS NULL AND phone_e164 IS NOT NULL AND next_follow_up_at IS NULL
      AND status IN ('contacted', 'interested', 'follow_up', 'qualified');

-- Where round-robin assignment over a set of assignees stopped last time.
CREATE TABLE assignment_cursors (
    assignee_set  text PRIMARY KEY,
    last_assignee uuid NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_subscriptions (
    id          uuid PRIMARY KEY,
    url         text NOT NULL CHECK (char_length(url) <= 2000),
    events      text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 5
                    AND events <@ ARRAY['lead.created', 'lead.updated', 'lead.assigned',
                                        'interaction.created', 'lead.converted']),
    secret      text NOT NULL,
    description text CHECK (char_length(description) <= 500),
    active      boolean NOT NULL DEFAULT true,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The transactional outbox: one row per event and subscription, written by
-- the triggers below in the transaction of the change itself, and worked off
-- by the dispatchers (claimed with FOR UPDATE SKIP LOCKED; next_attempt_at
-- doubles as the lease of a claimed row).
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subscription_id  uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         uuid NOT NULL,
    event            text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, created_at DESC);

-- The API's JSON of a lead and of an interaction (camelCase, as REST shows them).
CREATE FUNCTION webhook_lead_json(l leads) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', l.id, 'name', l.name, 'email', l.email, 'phone', l.phone, 'phoneE164', l.phone_e164,
        'company', l.company, 'source', l.source, 'status', l.status, 'priority', l.priority,
        'assignedToId', l.assigned_to, 'createdById', l.created_by, 'notes', l.notes, 'tags', l.tags,
        'customFields', l.custom_fields, 'nextFollowUpAt', l.next_follow_up_at,
        'lastContactedAt', l.last_contacted_at, 'attemptCount', l.attempt_count, 'version', l.version,
        'createdAt', l.created_at, 'updatedAt', l.updated_at, 'deletedAt', l.deleted_at)
$$;

CREATE FUNCTION webhook_interaction_json(i interactions) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', i.id, 'leadId', i.lead_id, 'telecallerId', i.telecaller_id, 'type', i.type,
        'direction', i.direction, 'outcome', i.outcome, 'durationSeconds', i.duration_seconds,
        'notes', i.notes, 'followUpAt', i.follow_up_at, 'statusAfter', i.status_after,
        'occurredAt', i.occurred_at, 'createdAt', i.created_at)
$$;

-- webhook_enqueue fans events out to the active subscriptions that want them.
-- events holds (event, data) pairs of one statement.
CREATE FUNCTION webhook_enqueue(evs jsonb) RETURNS void
LANGUAGE sql AS $$
    WITH ev AS MATERIALIZED (
        SELECT gen_random_uuid() AS event_id, e->>'event' AS event, e->'data' AS data
        FROM jsonb_array_elements(evs) AS e
    )
    INSERT INTO webhook_deliveries (subscription_id, event_id, event, payload)
    SELECT s.id, ev.event_id, ev.event,
           jsonb_build_object('id', ev.event_id, 'type', ev.event, 'occurredAt', now(), 'data', ev.data)
    FROM ev JOIN webhook_subscriptions AS s ON s.active AND ev.event = ANY (s.events)
$$;

CREATE FUNCTION webhook_leads_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active) THEN
        PERFORM webhook_enqueue(coalesce(jsonb_agg(x.e), '[]'))
        FROM (
            SELECT jsonb_build_object('event', 'lead.created', 'data', webhook_lead_json(n)) AS e FROM new_rows AS n
            UNION ALL
            SELECT jsonb_build_object('event', 'lead.assigned', 'data', webhook_lead_json(n) || jsonb_build_object('previousAssignedToId', NULL))
            FROM new_rows AS n WHERE n.assigned_to IS NOT NULL
            UNION ALL
            SELECT jsonb_build_object('event', 'lead.converted', 'data', webhook_lead_json(n))
            FROM new_rows AS n WHERE n.status = 'converted'
        ) AS x;
    END IF;
    RETURN NULL;
END
$$;

-- Updates count when they bump the version (every change the API makes);
-- maintenance updates that leave the version alone send nothing.
CREATE FUNCTION webhook_leads_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active) THEN
        PERFORM webhook_enqueue(coalesce(jsonb_agg(x.e), '[]'))
        FROM (
            SELECT jsonb_build_object('event', 'lead.updated', 'data', webhook_lead_json(n)) AS e
            FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id WHERE n.version <> o.version
            UNION ALL
            SELECT jsonb_build_object('event', 'lead.assigned', 'data', webhook_lead_json(n) || jsonb_build_object('previousAssignedToId', o.assigned_to))
            FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
            WHERE n.assigned_to IS NOT NULL AND n.assigned_to IS DISTINCT FROM o.assigned_to
            UNION ALL
            SELECT jsonb_build_object('event', 'lead.converted', 'data', webhook_lead_json(n))
            FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
            WHERE n.status = 'converted' AND o.status <> 'converted'
        ) AS x;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION webhook_interactions_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active) THEN
        PERFORM webhook_enqueue(coalesce(jsonb_agg(jsonb_build_object('event', 'interaction.created', 'data', webhook_interaction_json(n))), '[]'))
        FROM new_rows AS n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER leads_webhook_insert AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_leads_inserted();
CREATE TRIGGER leads_webhook_update AFTER UPDATE ON leads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_leads_updated();
CREATE TRIGGER interactions_webhook_insert AFTER INSERT ON interactions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_interactions_inserted();
