package db

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Lead lists filtered by nothing but status and assignee take their totals
// from lead_counts (migration 20261125000010): the live leads per (status,
// assignee) pair, plus the changes writers appended since the last
// compaction. Such a total is exact at any size and costs a read of a few
// hundred small rows, not a scan of the matching leads.

// KeptLeadCountSQL sums the kept counts matching a status list ($1, NULL for
// every status) and an assignee ($2 and $4, each NULL for anyone; both set
// and different match nothing), or only unassigned leads ($3). One
// statement serves every combination, so it is prepared once per
// connection.
const KeptLeadCountSQL = `SELECT coalesce(sum(c.leads), 0) FROM (
	SELECT leads, status, assigned_to FROM lead_counts
	UNION ALL
	SELECT leads, status, assigned_to FROM lead_count_changes
) AS c
WHERE ($1::text[] IS NULL OR c.status = ANY($1))
	AND ($2::uuid IS NULL OR c.assigned_to = $2)
	AND (NOT $3 OR c.assigned_to IS NULL)
	AND ($4::uuid IS NULL OR c.assigned_to = $4)`

// keptCount is the total of the live leads matching f from the kept
// counts, and false when f filters by more than status and assignee.
func keptCount(ctx context.Context, idb bun.IDB, f LeadCriteria) (int, bool, error) {
	if f.OnlyDeleted || len(f.Sources) > 0 || len(f.Priorities) > 0 || f.Tag != nil || f.Search != nil ||
		f.CreatedFrom != nil || f.CreatedTo != nil || f.FollowUpDue != nil {
		return 0, false, nil
	}
	var statuses []string
	if len(f.Statuses) > 0 {
		statuses = make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = string(s)
		}
	}
	var assignee *uuid.UUID
	if !f.Unassigned {
		assignee = f.AssignedTo
	}
	var n int64
	rows, err := queryCached(ctx, idb, KeptLeadCountSQL, statuses, assignee, f.Unassigned, f.Scope.AssignedTo)
	if err == nil {
		err = scanOne(ctx, idb, rows, &n)
	}
	if err != nil {
		return 0, false, formatError(err, "Lead")
	}
	return int(n), true, nil
}

// CompactLeadCounts folds the changes lead writes appended into
// lead_counts, and returns how many change rows it moved. Totals are exact
// without it; it keeps them reading few rows.
func CompactLeadCounts(ctx context.Context, idb bun.IDB) (int, error) {
	var n int
	err := idb.NewRaw("SELECT compact_lead_counts()").Scan(ctx, &n)
	return n, formatError(err, "Lead")
}

// RefreshLeadCounts rebuilds lead_counts from the leads, for data loaded
// without the triggers (bulk loads).
func RefreshLeadCounts(ctx context.Context, idb bun.IDB) error {
	_, err := idb.ExecContext(ctx, "SELECT refresh_lead_counts()")
	return formatError(err, "Lead")
}
