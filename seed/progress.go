package seed

import "github.com/telecaller-crm/api/db"

// stageRank is a status's funnel stage, as the lead_stage_rank SQL function
// of migration 3 ranks it: 0 new (or out of the funnel), 1 contacted, 2
// interested, 3 qualified, 4 converted.
var stageRank = map[db.LeadStatus]int{
	db.StatusContacted: 1, db.StatusFollowUp: 1, db.StatusInterested: 2,
	db.StatusQualified: 3, db.StatusConverted: 4,
}

// setProgress fills the analytics progress of l from its interactions,
// oldest first, as logging them through the API would have (and as
// refresh_lead_progress() recomputes it): the first touch that is not a
// note, the first move to converted, and the furthest stage reached.
func setProgress(l *db.Lead, its []db.Interaction) {
	l.FirstContactedAt, l.ConvertedAt = nil, nil
	stage := stageRank[l.Status]
	for i := range its {
		it := &its[i]
		if it.Type != db.TypeNote && l.FirstContactedAt == nil {
			l.FirstContactedAt = ptr(it.OccurredAt)
		}
		if it.StatusAfter == nil {
			continue
		}
		stage = max(stage, stageRank[*it.StatusAfter])
		if *it.StatusAfter == db.StatusConverted && l.ConvertedAt == nil {
			l.ConvertedAt = ptr(it.OccurredAt)
		}
	}
	if l.FirstContactedAt != nil {
		stage = max(stage, 1)
	}
	if l.Status == db.StatusConverted && l.ConvertedAt == nil {
		l.ConvertedAt = ptr(l.UpdatedAt)
	}
	l.Stage = stage
}
