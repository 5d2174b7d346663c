-- Exact totals for lead lists filtered by status, assignee, both or neither
-- (the lists a calling floor opens most), without counting leads.
--
-- lead_counts holds how many live leads each (status, assignee) pair has; a
-- NULL assignee is the unassigned leads. A lead write appends its net change
-- per statement to lead_count_changes, which no other writer locks, as the
-- lead report's rollup does (20261125000009), and compact_lead_counts()
-- folds the changes in (crm serve runs it with compact_lead_activity()). A
-- total adds up both tables in one snapshot, so it is exact before
-- compaction too.

CREATE TABLE lead_counts (
    status text NOT NULL,
    assigned_to uuid,
    leads bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (status, assigned_to)
);

CREATE TABLE lead_count_changes (
    status text NOT NULL,
    assigned_to uuid,
    leads bigint NOT NULL
);

-- One function for the three statement-level triggers: each names the
-- transition tables its event has, and only that event's branch runs.
CREATE FUNCTION lead_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF rollups_paused() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO lead_count_changes
        SELECT n.status, n.assigned_to, count(*) FROM new_rows AS n
        WHERE n.deleted_at IS NULL GROUP BY 1, 2;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO lead_count_changes
        SELECT o.status, o.assigned_to, -count(*) FROM old_rows AS o
        WHERE o.deleted_at IS NULL GROUP BY 1, 2;
    ELSE
        -- An update that moves no lead between pairs appends nothing.
        INSERT INTO lead_count_changes
        SELECT c.status, c.assigned_to, sum(c.d) FROM (
            SELECT o.status, o.assigned_to, -1 AS d FROM old_rows AS o WHERE o.deleted_at IS NULL
            UNION ALL
            SELECT n.status, n.assigned_to, 1 FROM new_rows AS n WHERE n.deleted_at IS NULL
        ) AS c
        GROUP BY 1, 2 HAVING sum(c.d) <> 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER leads_counts_inserted AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_counts_apply();
CREATE TRIGGER leads_counts_updated AFTER UPDATE ON leads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_counts_apply();
CREATE TRIGGER leads_counts_deleted AFTER DELETE ON leads
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_counts_apply();

-- Moves the appended changes into lead_counts. Concurrent calls are safe: a
-- change deleted by one is skipped by the other. Returns how many change
-- rows it moved.
CREATE FUNCTION compact_lead_counts() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    moved integer;
BEGIN
    WITH m AS (DELETE FROM lead_count_changes RETURNING *),
    counted AS (SELECT count(*) AS n FROM m),
    up AS (
        INSERT INTO lead_counts AS c
        SELECT m.status, m.assigned_to, sum(m.leads) FROM m
        GROUP BY 1, 2
        ORDER BY 1, 2
        ON CONFLICT (status, assigned_to) DO UPDATE SET leads = c.leads + excluded.leads
    )
    SELECT n INTO moved FROM counted;
    RETURN moved;
END
$$;

-- Rebuilds the counts from the leads, for the migration and for bulk loads
-- that bypass the triggers.
CREATE FUNCTION refresh_lead_counts() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE lead_counts, lead_count_changes;
    INSERT INTO lead_counts
    SELECT l.status, l.assigned_to, count(*) FROM leads AS l
    WHERE l.deleted_at IS NULL
    GROUP BY 1, 2
    ORDER BY 1, 2;
END
$$;

SELECT refresh_lead_counts();
