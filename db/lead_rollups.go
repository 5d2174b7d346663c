package db

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// The lead report read from the rollups the write transactions keep
// (lead_activity plus the changes appended since the last compaction,
// lead_activity_changes, and lead_contact_delays; see the lead_rollups and
// lead_activity_changes migrations). They are kept per source, so a report
// over every assignee reads them; a report scoped to an assignee reads that
// assignee's leads instead (a small share of them). Both give the same
// numbers; the tests hold them to it.

// fromRollups reports whether the rollups can answer for s.
func (s AnalyticsScope) fromRollups() bool {
	return s.Scope.AssignedTo == nil && s.AssignedTo == nil && !s.Unassigned
}

// seriesBucket is one bucket of the series: it starts at Start (local
// midnight of a day, a Monday or the first of a month) and covers
// [Lo, Hi), its part of the report's range.
type seriesBucket struct{ Start, Lo, Hi time.Time }

// seriesBuckets cuts [r.From, r.To) into the series' buckets in r's zone.
// Local dates step by calendar, so DST days last 23 or 25 hours.
func seriesBuckets(r AnalyticsRange) ([]seriesBucket, error) {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return nil, err
	}
	l := r.From.In(loc)
	y, m, d := l.Date()
	switch r.Interval {
	case IntervalWeek:
		d -= (int(l.Weekday()) + 6) % 7
	case IntervalMonth:
		d = 1
	}
	var out []seriesBucket
	for start := time.Date(y, m, d, 0, 0, 0, 0, loc); start.Before(r.To); {
		switch r.Interval {
		case IntervalWeek:
			d += 7
		case IntervalMonth:
			m++
		default:
			d++
		}
		next := time.Date(y, m, d, 0, 0, 0, 0, loc)
		b := seriesBucket{Start: start.UTC(), Lo: start.UTC(), Hi: next.UTC()}
		if b.Lo.Before(r.From) { // the first bucket may start before the range
			b.Lo = r.From
		}
		if b.Hi.After(r.To) { // and the last end after it
			b.Hi = r.To
		}
		out = append(out, b)
		start = next
	}
	return out, nil
}

// rollupPieces lists, per group, the rollup rows to add up: each range
// [lo, hi) on quarter-hour marks is read as its whole UTC weeks, then whole
// days, hours and slots (rows of 10080, 1440, 60 and 15 minutes).
type rollupPieces struct {
	group, minutes []int
	lo, hi         []time.Time
}

// rollupGrains are the rollups' bucket widths, widest first. Weeks count
// from the zero time, a Monday, like Postgres' date_trunc('week').
var rollupGrains = []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, slotResolution}

func (p *rollupPieces) add(group int, lo, hi time.Time) { p.addFrom(0, group, lo, hi) }

func (p *rollupPieces) addFrom(grain, group int, lo, hi time.Time) {
	if !lo.Before(hi) {
		return
	}
	width := rollupGrains[grain]
	whole := func(lo, hi time.Time) {
		p.group, p.minutes = append(p.group, group), append(p.minutes, int(width/time.Minute))
		p.lo, p.hi = append(p.lo, lo), append(p.hi, hi)
	}
	if grain == len(rollupGrains)-1 {
		whole(lo, hi)
		return
	}
	first, last := ceilTo(lo, width), hi.Truncate(width)
	if !first.Before(last) {
		p.addFrom(grain+1, group, lo, hi)
		return
	}
	p.addFrom(grain+1, group, lo, first)
	whole(first, last)
	p.addFrom(grain+1, group, last, hi)
}

// ceilTo is the first multiple of d (since the zero time, so UTC midnights
// for days) at or after t.
func ceilTo(t time.Time, d time.Duration) time.Time {
	c := t.Truncate(d)
	if c.Before(t) {
		c = c.Add(d)
	}
	return c
}

// activitySums is lead_activity summed over one group's pieces, for one source.
type activitySums struct {
	Group  int        `bun:"grp"`
	Source LeadSource `bun:"source"`

	Created, Contacted, Converted, FollowUpsDue                                                         int
	SNew, SContacted, SInterested, SFollowUp, SQualified, SConverted, SNotInterested, SLost, SDoNotCall int
	PLow, PMedium, PHigh, PUrgent                                                                       int
	ReachedContacted, ReachedInterested, ReachedQualified, ReachedConverted                             int
}

// activityColumns are lead_activity's counters, in activitySums' order.
var activityColumns = []string{"created", "contacted", "converted", "follow_ups_due",
	"s_new", "s_contacted", "s_interested", "s_follow_up", "s_qualified", "s_converted", "s_not_interested", "s_lost", "s_do_not_call",
	"p_low", "p_medium", "p_high", "p_urgent",
	"reached_contacted", "reached_interested", "reached_qualified", "reached_converted"}

// The groups of the rollup query; series bucket i is group groupSeries+i.
const (
	groupTotal = iota
	groupCohort
	groupOverdue
	groupDueToday
	groupSeries
)

// sumActivity adds up columns of lead_activity over each group's pieces,
// per source.
func sumActivity(ctx context.Context, tx bun.Tx, s AnalyticsScope, p rollupPieces, columns []string) ([]activitySums, error) {
	sums := make([]string, len(columns))
	for i, c := range columns {
		sums[i] = fmt.Sprintf("sum(a.%[1]s) AS %[1]s", c)
	}
	source := bun.SafeQuery("TRUE")
	if s.Source != nil {
		source = bun.SafeQuery("a.source = ?", *s.Source)
	}
	// The aggregate inside LATERAL keeps the planner on one index range
	// scan per piece. Changes not compacted yet are slot rows: every one
	// inside a piece belongs to it, whatever the piece's grain.
	var rows []activitySums
	err := tx.NewRaw(`SELECT p.grp, s.* FROM unnest(?0::int[], ?1::int[], ?2::timestamptz[], ?3::timestamptz[]) AS p(grp, minutes, lo, hi)
		CROSS JOIN LATERAL (SELECT a.source, `+strings.Join(sums, ", ")+` FROM (
				SELECT * FROM lead_activity AS a WHERE a.minutes = p.minutes AND a.bucket >= p.lo AND a.bucket < p.hi
				UNION ALL
				SELECT * FROM lead_activity_changes AS a WHERE a.bucket >= p.lo AND a.bucket < p.hi
			) AS a WHERE ?4 GROUP BY a.source) AS s`,
		pgdialect.Array(p.group), pgdialect.Array(p.minutes), pgdialect.Array(p.lo), pgdialect.Array(p.hi), source).Scan(ctx, &rows)
	return rows, err
}

// beginningOfTime is earlier than any lead: the lower end of open ranges.
var beginningOfTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// leadReportFromRollups fills a from lead_activity (counts, breakdowns,
// funnel, series, follow-ups) and lead_contact_delays (percentiles).
func leadReportFromRollups(ctx context.Context, tx bun.Tx, s AnalyticsScope, r AnalyticsRange, a *LeadAnalytics, buckets []seriesBucket) error {
	dueSlot := r.Now.UTC().Truncate(slotResolution)
	endOfToday, err := endOfLocalDay(r)
	if err != nil {
		return err
	}
	// The series reads many more rows than the rest, and needs only
	// three of the counters.
	var totals, series rollupPieces
	totals.add(groupTotal, beginningOfTime, r.To)
	totals.add(groupCohort, r.From, r.To)
	totals.add(groupOverdue, beginningOfTime, dueSlot)
	totals.add(groupDueToday, dueSlot.Add(slotResolution), endOfToday)
	for i, b := range buckets {
		series.add(groupSeries+i, b.Lo, b.Hi)
	}
	rows, err := sumActivity(ctx, tx, s, totals, activityColumns)
	if err != nil {
		return err
	}
	seriesRows, err := sumActivity(ctx, tx, s, series, activityColumns[:3])
	if err != nil {
		return err
	}
	rows = append(rows, seriesRows...)
	var cohort activitySums
	bySource := map[LeadSource]int{}
	for _, row := range rows {
		switch g := row.Group; {
		case g == groupTotal:
			a.TotalLeads += row.Created
		case g == groupCohort:
			cohort.add(row)
			bySource[row.Source] += row.Created
		case g == groupOverdue:
			a.FollowUpsOverdue += row.FollowUpsDue
		case g == groupDueToday:
			a.FollowUpsDueToday += row.FollowUpsDue
		default:
			b := &a.Series[g-groupSeries]
			b.Created, b.Contacted, b.Converted = b.Created+row.Created, b.Contacted+row.Contacted, b.Converted+row.Converted
		}
	}
	a.NewLeads, a.ConvertedLeads = cohort.Created, cohort.SConverted
	byStatus := map[LeadStatus]int{StatusNew: cohort.SNew, StatusContacted: cohort.SContacted, StatusInterested: cohort.SInterested,
		StatusFollowUp: cohort.SFollowUp, StatusQualified: cohort.SQualified, StatusConverted: cohort.SConverted,
		StatusNotInterested: cohort.SNotInterested, StatusLost: cohort.SLost, StatusDoNotCall: cohort.SDoNotCall}
	byPriority := map[LeadPriority]int{PriorityLow: cohort.PLow, PriorityMedium: cohort.PMedium, PriorityHigh: cohort.PHigh, PriorityUrgent: cohort.PUrgent}
	a.setBreakdowns(byStatus, bySource, byPriority)
	a.setFunnel(cohort.ReachedContacted, cohort.ReachedInterested, cohort.ReachedQualified, cohort.ReachedConverted)

	// The slot holding now is split at now from the leads themselves.
	var overdue, dueToday int
	err = tx.NewRaw(`SELECT count(*) FILTER (WHERE l.next_follow_up_at < ?1), count(*) FILTER (WHERE l.next_follow_up_at >= ?1)
		FROM leads AS l WHERE ?0 AND l.next_follow_up_at >= ?2 AND l.next_follow_up_at < ?3 AND l.status NOT IN `+closedStatuses,
		s.where(), r.Now, dueSlot, dueSlot.Add(slotResolution)).Scan(ctx, &overdue, &dueToday)
	if err != nil {
		return err
	}
	a.FollowUpsOverdue += overdue
	a.FollowUpsDueToday += dueToday
	return contactPercentiles(ctx, tx, s, r, a)
}

func (c *activitySums) add(o activitySums) {
	c.Created += o.Created
	c.SNew, c.SContacted, c.SInterested = c.SNew+o.SNew, c.SContacted+o.SContacted, c.SInterested+o.SInterested
	c.SFollowUp, c.SQualified, c.SConverted = c.SFollowUp+o.SFollowUp, c.SQualified+o.SQualified, c.SConverted+o.SConverted
	c.SNotInterested, c.SLost, c.SDoNotCall = c.SNotInterested+o.SNotInterested, c.SLost+o.SLost, c.SDoNotCall+o.SDoNotCall
	c.PLow, c.PMedium, c.PHigh, c.PUrgent = c.PLow+o.PLow, c.PMedium+o.PMedium, c.PHigh+o.PHigh, c.PUrgent+o.PUrgent
	c.ReachedContacted, c.ReachedInterested = c.ReachedContacted+o.ReachedContacted, c.ReachedInterested+o.ReachedInterested
	c.ReachedQualified, c.ReachedConverted = c.ReachedQualified+o.ReachedQualified, c.ReachedConverted+o.ReachedConverted
}

// endOfLocalDay is the next local midnight after r.Now in r's zone: a
// quarter-hour mark, like every local midnight.
func endOfLocalDay(r AnalyticsRange) (time.Time, error) {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return time.Time{}, err
	}
	l := r.Now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc).UTC(), nil
}

// contactPercentiles computes the exact median and p90 of the cohort's time
// to first contact (what percentile_cont gives over every lead): the
// histogram says which delay bucket holds each rank, and only that
// bucket's leads are read and sorted. Whole UTC weeks, days and hours of
// the cohort come from lead_contact_delays, the quarter hours around them from
// the leads. The histogram covers every source: a report on one source
// reads that source's leads.
func contactPercentiles(ctx context.Context, tx bun.Tx, s AnalyticsScope, r AnalyticsRange, a *LeadAnalytics) error {
	if s.Source != nil {
		return leadContactTimes(ctx, tx, s, r, a, nil)
	}
	var p rollupPieces
	p.add(0, r.From, r.To)
	var rolled, raw rollupPieces
	for i, m := range p.minutes {
		into := &rolled
		if m == int(slotResolution/time.Minute) {
			into = &raw
		}
		into.minutes, into.lo, into.hi = append(into.minutes, m), append(into.lo, p.lo[i]), append(into.hi, p.hi[i])
	}
	var hist []struct {
		Bucket int `bun:"delay_bucket"`
		Leads  int `bun:"leads"`
	}
	err := tx.NewRaw(`SELECT x.delay_bucket, sum(x.leads) AS leads FROM (
			SELECT h.delay_bucket, h.leads
			FROM unnest(?1::int[], ?2::timestamptz[], ?3::timestamptz[]) AS p(minutes, lo, hi)
			CROSS JOIN LATERAL (SELECT h.delay_bucket, sum(h.leads) AS leads FROM lead_contact_delays AS h
				WHERE h.minutes = p.minutes AND h.bucket >= p.lo AND h.bucket < p.hi GROUP BY 1) AS h
			UNION ALL
			SELECT contact_delay_bucket(l.first_contacted_at, l.created_at), 1
			FROM unnest(?4::timestamptz[], ?5::timestamptz[]) AS p(lo, hi)
			JOIN leads AS l ON l.created_at >= p.lo AND l.created_at < p.hi
			WHERE ?0 AND l.first_contacted_at IS NOT NULL
		) AS x GROUP BY 1 HAVING sum(x.leads) > 0 ORDER BY 1`,
		s.where(), pgdialect.Array(rolled.minutes), pgdialect.Array(rolled.lo), pgdialect.Array(rolled.hi),
		pgdialect.Array(raw.lo), pgdialect.Array(raw.hi)).Scan(ctx, &hist)
	if err != nil {
		return err
	}
	n := 0
	for _, h := range hist {
		n += h.Leads
	}
	if n == 0 {
		return nil
	}
	percentile := func(p float64) (*float64, error) {
		// percentile_cont: interpolate between the values at ranks k and
		// k+1 (0-based) of the sorted delays, k = floor(p × (n-1)).
		pos := p * float64(n-1)
		k := int(math.Floor(pos))
		i, before := 0, 0
		for before+hist[i].Leads <= k {
			before += hist[i].Leads
			i++
		}
		buckets := []int{hist[i].Bucket}
		if k+1 < n && k+1-before == hist[i].Leads {
			buckets = append(buckets, hist[i+1].Bucket)
		}
		var v []float64
		err := tx.NewRaw(`SELECT extract(epoch FROM l.first_contacted_at - l.created_at) FROM leads AS l
			WHERE ?0 AND l.first_contacted_at IS NOT NULL AND contact_delay_bucket(l.first_contacted_at, l.created_at) IN (?1)
				AND l.created_at >= ?2 AND l.created_at < ?3
			ORDER BY l.first_contacted_at - l.created_at OFFSET ?4 LIMIT 2`, s.where(), bun.In(buckets), r.From, r.To, k-before).Scan(ctx, &v)
		if err != nil {
			return nil, err
		}
		if len(v) == 0 {
			return nil, fmt.Errorf("time to first contact: the histogram and the leads disagree")
		}
		val := v[0]
		if frac := pos - float64(k); frac > 0 && len(v) > 1 {
			val += (v[1] - v[0]) * frac
		}
		return &val, nil
	}
	if a.MedianSecondsToFirstContact, err = percentile(0.5); err != nil {
		return err
	}
	a.P90SecondsToFirstContact, err = percentile(0.9)
	return err
}

// CompactLeadActivity moves the lead writes' appended changes
// (lead_activity_changes) into lead_activity and returns how many change
// rows it moved. Reports are exact either way; compacting keeps them
// reading few rows. crm serve runs it every ROLLUP_COMPACT_INTERVAL.
func CompactLeadActivity(ctx context.Context, idb bun.IDB) (int, error) {
	var n int
	err := idb.NewRaw("SELECT compact_lead_activity()").Scan(ctx, &n)
	return n, formatError(err, "Analytics")
}

// RefreshLeadRollups rebuilds the lead report's rollups from the leads, for
// data loaded without the triggers (bulk loads).
func RefreshLeadRollups(ctx context.Context, idb bun.IDB) error {
	_, err := idb.ExecContext(ctx, "SELECT refresh_lead_rollups()")
	return formatError(err, "Analytics")
}
