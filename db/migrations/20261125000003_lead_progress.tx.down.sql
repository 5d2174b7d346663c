DROP INDEX IF EXISTS interactions_activity_idx;
DROP TRIGGER IF EXISTS leads_track_progress ON leads;
DROP FUNCTION IF EXISTS leads_track_progress();
DROP FUNCTION IF EXISTS refresh_lead_progress();
ALTER TABLE leads DROP COLUMN IF EXISTS first_contacted_at, DROP COLUMN IF EXISTS converted_at, DROP COLUMN IF EXISTS stage;
DROP FUNCTION IF EXISTS lead_stage_rank(text);
