-- Per-lead progress kept on the lead itself, so analytics read one table:
-- when it was first contacted, when it converted, and the furthest funnel
-- stage it reached (0 new, 1 contacted, 2 interested, 3 qualified, 4 converted).
ALTER TABLE leads
    ADD COLUMN first_contacted_at timestamptz,
    ADD COLUMN converted_at       timestamptz,
    ADD COLUMN stage              smallint NOT NULL DEFAULT 0 CHECK (stage BETWEEN 0 AND 4);

CREATE FUNCTION lead_stage_rank(status text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE status
        WHEN 'contacted' THEN 1 WHEN 'follow_up' THEN 1 WHEN 'interested' THEN 2
        WHEN 'qualified' THEN 3 WHEN 'converted' THEN 4 ELSE 0 END::smallint
$$;

-- Keeps stage monotonic and stamps conversions made without an interaction.
CREATE FUNCTION leads_track_progress() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'converted' AND NEW.converted_at IS NULL THEN
        NEW.converted_at := now();
    END IF;
    NEW.stage := greatest(
        NEW.stage,
        CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage ELSE 0 END,
        lead_stage_rank(NEW.status),
        CASE WHEN NEW.first_contacted_at IS NULL THEN 0 ELSE 1 END);
    RETURN NEW;
END
$$;

CREATE TRIGGER leads_track_progress BEFORE INSERT OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_track_progress();

-- Recomputes the progress columns from the interactions (for migrations
-- and bulk loads that bypass the application).
CREATE FUNCTION refresh_lead_progress() RETURNS void
LANGUAGE sql AS $$
    UPDATE leads AS l SET
        first_contacted_at = p.first_at,
        converted_at = coalesce(p.converted_at, CASE WHEN l.status = 'converted' THEN l.updated_at END),
        stage = greatest(lead_stage_rank(l.status), coalesce(p.max_rank, 0), CASE WHEN p.first_at IS NULL THEN 0 ELSE 1 END)
    FROM leads AS l2
    LEFT JOIN (
        SELECT i.lead_id,
            min(i.occurred_at) FILTER (WHERE i.type <> 'note') AS first_at,
            min(i.occurred_at) FILTER (WHERE i.status_after = 'converted') AS converted_at,
            max(lead_stage_rank(i.status_after)) AS max_rank
        FROM interactions AS i GROUP BY i.lead_id
    ) AS p ON p.lead_id = l2.id
    WHERE l2.id = l.id
$$;

SELECT refresh_lead_progress();

-- Analytics scans: the cohort by creation time, and first contacts and
-- conversions by their time, all index-only.
CREATE INDEX leads_cohort_idx ON leads (created_at)
    INCLUDE (status, source, priority, assigned_to, stage, first_contacted_at) WHERE deleted_at IS NULL;
CREATE INDEX leads_first_contact_idx ON leads (first_contacted_at)
    INCLUDE (assigned_to, source) WHERE deleted_at IS NULL AND first_contacted_at IS NOT NULL;
CREATE INDEX leads_converted_idx ON leads (converted_at)
    INCLUDE (assigned_to, source) WHERE deleted_at IS NULL AND converted_at IS NOT NULL;
-- Telecaller performance scans interactions by time.
CREATE INDEX interactions_activity_idx ON interactions (occurred_at)
    INCLUDE (telecaller_id, lead_id, type, direction, outcome, duration_seconds, status_after, follow_up_at);
