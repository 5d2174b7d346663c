DROP TRIGGER IF EXISTS leads_record_event ON leads;
DROP FUNCTION IF EXISTS leads_record_event();
DROP FUNCTION IF EXISTS lead_event_fields();
DROP TABLE IF EXISTS lead_events;
