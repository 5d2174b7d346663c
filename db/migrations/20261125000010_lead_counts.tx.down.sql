DROP TRIGGER leads_counts_inserted ON leads;
DROP TRIGGER leads_counts_updated ON leads;
DROP TRIGGER leads_counts_deleted ON leads;
DROP FUNCTION refresh_lead_counts();
DROP FUNCTION compact_lead_counts();
DROP FUNCTION lead_counts_apply();
DROP TABLE lead_count_changes;
DROP TABLE lead_counts;
