DROP TRIGGER IF EXISTS leads_record_updates ON leads;
DROP TRIGGER IF EXISTS leads_record_inserts ON leads;
DROP FUNCTION IF EXISTS leads_record_updates();
DROP FUNCTION IF EXISTS leads_record_inserts();
DROP FUNCTION IF EXISTS lead_event_kind(jsonb, boolean, text);
DROP FUNCTION IF EXISTS lead_event_changes(leads, leads, boolean);
DROP TABLE IF EXISTS lead_events;
