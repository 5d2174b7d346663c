DROP TRIGGER leads_rollups_inserted ON leads;
DROP TRIGGER leads_rollups_updated ON leads;
DROP TRIGGER leads_rollups_deleted ON leads;
DROP FUNCTION leads_rollups_inserted(), leads_rollups_updated(), leads_rollups_deleted(),
    refresh_lead_rollups(), lead_rollups_apply(leads[], leads[]), lead_contact_delays_of(leads[]),
    lead_activity_of(leads);
DROP INDEX leads_contact_delay_idx, leads_assignee_cohort_idx;
DROP TABLE lead_contact_delays, lead_activity;
DROP FUNCTION contact_delay_bucket(timestamptz, timestamptz);
