package db

// DeriveForTest fills in the outcome list, rates and averages of a row
// read by a test, as FindTelecallerPerformance does.
func DeriveForTest(s *TelecallerStats) *TelecallerStats {
	s.outcomesByName = map[Outcome]int{}
	for i, o := range Outcomes {
		s.outcomesByName[o] = int(s.OutcomeCounts[i])
	}
	s.derive()
	return s
}

// NewMigratorFS lets the external tests run migrations from a file system
// of their own.
var NewMigratorFS = newMigrator

// FindLeadAnalyticsFrom computes the lead report from the rollups or,
// with rollups false, from the leads themselves.
var FindLeadAnalyticsFrom = findLeadAnalytics
