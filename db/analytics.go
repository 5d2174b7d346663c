package db

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// The analytics queries. Each metric is defined once here; the GraphQL
// schema documents the same definitions. Ranges are half-open [From, To),
// soft-deleted leads never count, and empty ranges give zeros.

// closedStatuses have no follow-ups due: the lead is finished.
const closedStatuses = "('converted', 'lost', 'do_not_call', 'not_interested')"

// connectedOutcomes mean a person was reached on the call.
const connectedOutcomes = "('connected', 'callback_requested', 'interested', 'not_interested', 'converted', 'do_not_call')"

// AnalyticsScope selects the leads analytics look at.
type AnalyticsScope struct {
	Scope      LeadScope
	AssignedTo *uuid.UUID
	Unassigned bool
	Source     *LeadSource
}

func (s AnalyticsScope) where() schema.QueryWithArgs {
	conds := []string{"l.deleted_at IS NULL"}
	var args []any // nil, not empty: bun warns about an empty list without placeholders
	for _, id := range []*uuid.UUID{s.Scope.AssignedTo, s.AssignedTo} {
		if id != nil {
			conds, args = append(conds, "l.assigned_to = ?"), append(args, *id)
		}
	}
	if s.Unassigned {
		conds = append(conds, "l.assigned_to IS NULL")
	}
	if s.Source != nil {
		conds, args = append(conds, "l.source = ?"), append(args, *s.Source)
	}
	return bun.SafeQuery(strings.Join(conds, " AND "), args...)
}

// AnalyticsRange is a half-open time range read in a time zone.
type AnalyticsRange struct {
	From, To time.Time
	TimeZone string // IANA name, checked by the caller
	Interval AnalyticsInterval
	Now      time.Time
}

// StatusCount, SourceCount, PriorityCount and OutcomeCount are breakdowns.
type (
	StatusCount struct {
		Status LeadStatus `json:"status"`
		Count  int        `json:"count"`
	}
	SourceCount struct {
		Source LeadSource `json:"source"`
		Count  int        `json:"count"`
	}
	PriorityCount struct {
		Priority LeadPriority `json:"priority"`
		Count    int          `json:"count"`
	}
	OutcomeCount struct {
		Outcome Outcome `json:"outcome"`
		Count   int     `json:"count"`
	}
)

// FunnelStage is how many leads of the cohort reached a stage.
type FunnelStage struct {
	Stage LeadStatus `json:"stage"`
	Count int        `json:"count"`
	Rate  float64    `json:"rate"`
}

// AnalyticsBucket is one time bucket of the series.
type AnalyticsBucket struct {
	Start     time.Time `bun:"start" json:"start"`
	Created   int       `bun:"created" json:"created"`
	Contacted int       `bun:"contacted" json:"contacted"`
	Converted int       `bun:"converted" json:"converted"`
}

// LeadAnalytics is the lead report for a range.
type LeadAnalytics struct {
	From                        time.Time         `json:"from"`
	To                          time.Time         `json:"to"`
	TimeZone                    string            `json:"timeZone"`
	Interval                    AnalyticsInterval `json:"interval"`
	TotalLeads                  int               `json:"totalLeads"`
	NewLeads                    int               `json:"newLeads"`
	ContactedLeads              int               `json:"contactedLeads"`
	ConvertedLeads              int               `json:"convertedLeads"`
	ConversionRate              float64           `json:"conversionRate"`
	ContactedConversionRate     float64           `json:"contactedConversionRate"`
	ByStatus                    []StatusCount     `json:"byStatus"`
	BySource                    []SourceCount     `json:"bySource"`
	ByPriority                  []PriorityCount   `json:"byPriority"`
	Funnel                      []FunnelStage     `json:"funnel"`
	Series                      []AnalyticsBucket `json:"series"`
	MedianSecondsToFirstContact *float64          `json:"medianSecondsToFirstContact"`
	P90SecondsToFirstContact    *float64          `json:"p90SecondsToFirstContact"`
	FollowUpsDueToday           int               `json:"followUpsDueToday"`
	FollowUpsOverdue            int               `json:"followUpsOverdue"`
}

// analyticsSession gives a report's transaction room to sort and hash in
// memory rather than on disk, and turns JIT off: the reports' plans look
// expensive to the planner (generate_series estimates), and compiling them
// costs seconds on a busy machine while running them costs milliseconds.
// No parallel workers either: the reports read a few thousand index
// entries, and starting workers costs more than it saves on a server that
// answers other requests at the same time.
func analyticsSession(ctx context.Context, tx bun.Tx) error {
	_, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0")
	return err
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// FindLeadAnalytics computes the lead report in one repeatable-read
// snapshot, so every number describes the same moment. The range is read
// at 15-minute resolution, like the performance report: both ends are
// rounded down to a quarter hour (UTC) and the report gives the range it
// used. A report over every assignee reads the rollups; one scoped to an
// assignee (or to unassigned leads) reads those leads.
func FindLeadAnalytics(ctx context.Context, bdb *bun.DB, s AnalyticsScope, r AnalyticsRange) (*LeadAnalytics, error) {
	return findLeadAnalytics(ctx, bdb, s, r, s.fromRollups())
}

func findLeadAnalytics(ctx context.Context, bdb *bun.DB, s AnalyticsScope, r AnalyticsRange, rollups bool) (*LeadAnalytics, error) {
	r.From, r.To = r.From.UTC().Truncate(slotResolution), r.To.UTC().Truncate(slotResolution)
	a := &LeadAnalytics{From: r.From, To: r.To, TimeZone: r.TimeZone, Interval: r.Interval, Series: []AnalyticsBucket{}}
	buckets, err := seriesBuckets(r)
	if err != nil {
		return nil, formatError(err, "Analytics")
	}
	for _, b := range buckets {
		a.Series = append(a.Series, AnalyticsBucket{Start: b.Start})
	}
	err = bdb.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		if err := analyticsSession(ctx, tx); err != nil {
			return err
		}
		if rollups {
			return leadReportFromRollups(ctx, tx, s, r, a, buckets)
		}
		for _, step := range []func(context.Context, bun.Tx, AnalyticsScope, AnalyticsRange, *LeadAnalytics, []seriesBucket) error{
			leadBreakdowns, leadFunnel, leadContactTimes, leadSeries, leadFollowUps,
		} {
			if err := step(ctx, tx, s, r, a, buckets); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, formatError(err, "Analytics")
	}
	a.ConversionRate = ratio(a.ConvertedLeads, a.NewLeads)
	a.ContactedConversionRate = ratio(a.ConvertedLeads, a.ContactedLeads)
	return a, nil
}

// setBreakdowns lists the cohort's counts in the enums' order, zeros included.
func (a *LeadAnalytics) setBreakdowns(byStatus map[LeadStatus]int, bySource map[LeadSource]int, byPriority map[LeadPriority]int) {
	for _, v := range LeadStatuses {
		a.ByStatus = append(a.ByStatus, StatusCount{v, byStatus[v]})
	}
	for _, v := range LeadSources {
		a.BySource = append(a.BySource, SourceCount{v, bySource[v]})
	}
	for _, v := range LeadPriorities {
		a.ByPriority = append(a.ByPriority, PriorityCount{v, byPriority[v]})
	}
}

// setFunnel sets the funnel from how many cohort leads reached each stage
// after new; each rate is the share of the stage before.
func (a *LeadAnalytics) setFunnel(contacted, interested, qualified, converted int) {
	a.ContactedLeads = contacted
	counts := []int{a.NewLeads, contacted, interested, qualified, converted}
	for i, st := range []LeadStatus{StatusNew, StatusContacted, StatusInterested, StatusQualified, StatusConverted} {
		rate := 1.0
		if i > 0 {
			rate = ratio(counts[i], counts[i-1])
		}
		a.Funnel = append(a.Funnel, FunnelStage{Stage: st, Count: counts[i], Rate: rate})
	}
}

// leadBreakdowns: totalLeads = live leads created before To; the cohort =
// live leads created in the range, broken down by current status, source
// and priority.
func leadBreakdowns(ctx context.Context, tx bun.Tx, s AnalyticsScope, r AnalyticsRange, a *LeadAnalytics, _ []seriesBucket) error {
	if err := tx.NewRaw("SELECT count(*) FROM leads AS l WHERE ?0 AND l.created_at < ?1", s.where(), r.To).Scan(ctx, &a.TotalLeads); err != nil {
		return err
	}
	var rows []struct {
		Status   *LeadStatus
		Source   *LeadSource
		Priority *LeadPriority
		N        int
	}
	err := tx.NewRaw(`SELECT l.status, l.source, l.priority, count(*) AS n FROM leads AS l
		WHERE ?0 AND l.created_at >= ?1 AND l.created_at < ?2
		GROUP BY GROUPING SETS ((l.status), (l.source), (l.priority))`, s.where(), r.From, r.To).Scan(ctx, &rows)
	if err != nil {
		return err
	}
	byStatus, bySource, byPriority := map[LeadStatus]int{}, map[LeadSource]int{}, map[LeadPriority]int{}
	for _, row := range rows {
		switch {
		case row.Status != nil:
			byStatus[*row.Status] = row.N
			a.NewLeads += row.N
		case row.Source != nil:
			bySource[*row.Source] = row.N
		case row.Priority != nil:
			byPriority[*row.Priority] = row.N
		}
	}
	a.setBreakdowns(byStatus, bySource, byPriority)
	a.ConvertedLeads = byStatus[StatusConverted]
	return nil
}

// leadFunnel: a cohort lead reached a stage when the furthest stage it has
// been at (its stage column: current status, any status an interaction
// moved it to, or contacted once a non-note interaction exists) ranks at
// least that high. It describes the cohort as it stands now.
func leadFunnel(ctx context.Context, tx bun.Tx, s AnalyticsScope, r AnalyticsRange, a *LeadAnalytics, _ []seriesBucket) error {
	var contacted, interested, qualified, converted int
	err := tx.NewRaw(`SELECT count(*) FILTER (WHERE l.stage >= 1), count(*) FILTER (WHERE l.stage >= 2),
			count(*) FILTER (WHERE l.stage >= 3), count(*) FILTER (WHERE l.stage >= 4)
		FROM leads AS l WHERE ?0 AND l.created_at >= ?1 AND l.created_at < ?2`,
		s.where(), r.From, r.To).Scan(ctx, &contacted, &interested, &qualified, &converted)
	if err != nil {
		return err
	}
	a.setFunnel(contacted, interested, qualified, converted)
	return nil
}

// leadContactTimes: time to first contact runs from creation to the first
// non-note interaction, over the cohort's leads contacted so far.
func leadContactTimes(ctx context.Context, tx bun.Tx, s AnalyticsScope, r AnalyticsRange, a *LeadAnalytics, _ []seriesBucket) error {
	return tx.NewRaw(`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM l.first_contacted_at - l.created_at)),
			percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM l.first_contacted_at - l.created_at))
		FROM leads AS l WHERE ?0 AND l.created_at >= ?1 AND l.created_at < ?2`,
		s.where(), r.From, r.To).Scan(ctx, &a.MedianSecondsToFirstContact, &a.P90SecondsToFirstContact)
}

// leadSeries counts per bucket: created = leads created; contacted = leads
// first contacted (first non-note interaction); converted = leads converted.
// width_bucket finds each time in the range among the buckets' starts (and
// the end of the last one).
func leadSeries(ctx context.Context, tx bun.Tx, s AnalyticsScope, r AnalyticsRange, a *LeadAnalytics, buckets []seriesBucket) error {
	if len(buckets) == 0 {
		return nil
	}
	bounds := make([]time.Time, 0, len(buckets)+1)
	for _, b := range buckets {
		bounds = append(bounds, b.Lo)
	}
	bounds = append(bounds, buckets[len(buckets)-1].Hi)
	var rows []struct {
		I                             int
		Created, Contacted, Converted int
	}
	err := tx.NewRaw(`SELECT x.i - 1 AS i, sum(x.created) AS created, sum(x.contacted) AS contacted, sum(x.converted) AS converted
		FROM (
			SELECT width_bucket(l.created_at, ?1::timestamptz[]) AS i, 1 AS created, 0 AS contacted, 0 AS converted
			FROM leads AS l WHERE ?0 AND l.created_at >= ?2 AND l.created_at < ?3
			UNION ALL
			SELECT width_bucket(l.first_contacted_at, ?1::timestamptz[]), 0, 1, 0
			FROM leads AS l WHERE ?0 AND l.first_contacted_at >= ?2 AND l.first_contacted_at < ?3
			UNION ALL
			SELECT width_bucket(l.converted_at, ?1::timestamptz[]), 0, 0, 1
			FROM leads AS l WHERE ?0 AND l.converted_at >= ?2 AND l.converted_at < ?3
		) AS x
		GROUP BY 1`,
		s.where(), pgdialect.Array(bounds), r.From, r.To).Scan(ctx, &rows)
	for _, row := range rows {
		b := &a.Series[row.I]
		b.Created, b.Contacted, b.Converted = row.Created, row.Contacted, row.Converted
	}
	return err
}

// RefreshLeadProgress recomputes every lead's first contact, conversion
// time and furthest stage from its interactions, for data loaded without
// going through the application (seeds, imports by SQL).
func RefreshLeadProgress(ctx context.Context, idb bun.IDB) error {
	_, err := idb.ExecContext(ctx, "SELECT refresh_lead_progress()")
	return formatError(err, "Lead")
}

// leadFollowUps counts open leads (not converted, lost, not interested or
// do-not-call) whose next follow-up is overdue (before now) or due during
// the rest of today in the caller's time zone.
func leadFollowUps(ctx context.Context, tx bun.Tx, s AnalyticsScope, r AnalyticsRange, a *LeadAnalytics, _ []seriesBucket) error {
	endOfDay, err := endOfLocalDay(r)
	if err != nil {
		return err
	}
	return tx.NewRaw(`SELECT count(*) FILTER (WHERE l.next_follow_up_at >= ?1 AND l.next_follow_up_at < ?2),
			count(*) FILTER (WHERE l.next_follow_up_at < ?1)
		FROM leads AS l WHERE ?0 AND l.next_follow_up_at IS NOT NULL AND l.status NOT IN `+closedStatuses,
		s.where(), r.Now, endOfDay).Scan(ctx, &a.FollowUpsDueToday, &a.FollowUpsOverdue)
}
