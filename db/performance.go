package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// TelecallerStats is one telecaller's activity in a range (or the team's).
// Activity counts the interactions the person logged in the range, on leads
// that are not deleted; leadsAssigned is a snapshot of the open assignment.
type TelecallerStats struct {
	TelecallerID             *uuid.UUID     `bun:"telecaller_id" json:"telecallerId"`
	LeadsAssigned            int            `bun:"leads_assigned" json:"leadsAssigned"`
	LeadsContacted           int            `bun:"leads_contacted" json:"leadsContacted"`
	CallsMade                int            `bun:"calls_made" json:"callsMade"`
	ConnectedCalls           int            `bun:"connected_calls" json:"connectedCalls"`
	ConnectRate              float64        `bun:"-" json:"connectRate"`
	TalkTimeSeconds          int            `bun:"talk_seconds" json:"talkTimeSeconds"`
	AverageTalkTimeSeconds   float64        `bun:"-" json:"averageTalkTimeSeconds"`
	Conversions              int            `bun:"conversions" json:"conversions"`
	ConversionRate           float64        `bun:"-" json:"conversionRate"`
	FollowUpsScheduled       int            `bun:"follow_ups_scheduled" json:"followUpsScheduled"`
	FollowUpsCompletedOnTime int            `bun:"follow_ups_on_time" json:"followUpsCompletedOnTime"`
	FollowUpsOverdue         int            `bun:"follow_ups_overdue" json:"followUpsOverdue"`
	Outcomes                 []OutcomeCount `bun:"-" json:"outcomes"`
	AverageFirstCallTime     *string        `bun:"-" json:"averageFirstCallTime"`
	AverageLastCallTime      *string        `bun:"-" json:"averageLastCallTime"`

	// Sums behind the averages, so team totals average over all call days.
	CallDays       int     `bun:"call_days" json:"-"`
	FirstCallSecs  int64   `bun:"first_call_secs" json:"-"`
	LastCallSecs   int64   `bun:"last_call_secs" json:"-"`
	OutcomeCounts  []int64 `bun:"outcome_counts,array" json:"-"`
	outcomesByName map[Outcome]int
}

// TelecallerPerformance is the per-telecaller report plus team totals.
type TelecallerPerformance struct {
	From        time.Time          `json:"from"`
	To          time.Time          `json:"to"`
	TimeZone    string             `json:"timeZone"`
	Telecallers []*TelecallerStats `json:"telecallers"`
	Team        *TelecallerStats   `json:"team"`
}

// FollowUpGrace is how late a follow-up may be and still count as on time
// (the rollup migration spells the same hour).
const FollowUpGrace = "1 hour"

// slotResolution is the rollups' time grain: every UTC offset in use is a
// multiple of 15 minutes, so local days are whole slots.
const slotResolution = 15 * time.Minute

// FindTelecallerPerformance reports every telecaller (or only telecallerID)
// over r, in one repeatable-read snapshot, from the rollups the write
// transactions maintain (telecaller_activity and friends, see the
// analytics_rollups migration). The range is read at 15-minute resolution:
// both ends are rounded down to a quarter hour (UTC) and the report gives
// the range it used. Rows include every user with the telecaller role and
// anyone else who logged interactions in the range.
func FindTelecallerPerformance(ctx context.Context, bdb *bun.DB, telecallerID *uuid.UUID, r AnalyticsRange) (*TelecallerPerformance, error) {
	r.From, r.To = r.From.UTC().Truncate(slotResolution), r.To.UTC().Truncate(slotResolution)
	p := &TelecallerPerformance{From: r.From, To: r.To, TimeZone: r.TimeZone}
	err := bdb.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		if err := analyticsSession(ctx, tx); err != nil {
			return err
		}
		rows, err := performanceRows(ctx, tx, telecallerID, r)
		if err != nil {
			return err
		}
		p.Telecallers = rows
		return nil
	})
	if err != nil {
		return nil, formatError(err, "Analytics")
	}
	p.Team = &TelecallerStats{outcomesByName: map[Outcome]int{}}
	for _, s := range p.Telecallers {
		p.Team.add(s)
		s.derive()
	}
	p.Team.derive()
	return p, nil
}

// activityPart is a run of rollup rows of one kind over [lo, hi): day rows
// (is_day, whole UTC days) or 15-minute slot rows, added (sign 1) or
// subtracted (sign -1).
type activityPart struct {
	day    bool
	lo, hi time.Time
	sign   int
}

// activityParts splits [from, to) (on 15-minute marks) into the whole UTC
// days inside it, read from day rows, and the slots around them. A partial
// day longer than half a day is read as its day row minus the slots of the
// day outside the range, which are fewer (at the end of a range that ends
// now, none yet).
func activityParts(from, to time.Time) []activityPart {
	partial := func(lo, hi time.Time) []activityPart {
		if !lo.Before(hi) {
			return nil
		}
		if d := lo.Truncate(24 * time.Hour); hi.Sub(lo) > 12*time.Hour {
			return []activityPart{{true, d, d.Add(24 * time.Hour), 1}, {false, d, lo, -1}, {false, hi, d.Add(24 * time.Hour), -1}}
		}
		return []activityPart{{false, lo, hi, 1}}
	}
	dayLo, dayHi := ceilTo(from, 24*time.Hour), to.Truncate(24*time.Hour)
	if !dayLo.Before(dayHi) {
		if dayLo.Equal(dayHi) {
			return append(partial(from, dayLo), partial(dayHi, to)...)
		}
		return partial(from, to)
	}
	return append(append([]activityPart{{true, dayLo, dayHi, 1}}, partial(from, dayLo)...), partial(dayHi, to)...)
}

// activityRanges is the condition on the rows of alias a (telecaller_activity
// or telecaller_follow_ups_due) that make up the parts.
func activityRanges(parts []activityPart) string {
	qs := []string{"FALSE"}
	for _, p := range parts {
		qs = append(qs, fmt.Sprintf("(a.is_day = %t AND a.bucket >= '%s' AND a.bucket < '%s')", p.day, p.lo.Format(time.RFC3339), p.hi.Format(time.RFC3339)))
	}
	return strings.Join(qs, " OR ")
}

// dayBuckets lists the UTC days of the day parts, one row each. The step is
// 24 hours, not a calendar day, so the session time zone plays no part.
func dayBuckets(parts []activityPart) string {
	qs := []string{"SELECT NULL::timestamptz AS bucket WHERE FALSE"}
	for _, p := range parts {
		if p.day {
			qs = append(qs, fmt.Sprintf("SELECT generate_series(timestamptz '%s', timestamptz '%s' - interval '24 hours', interval '24 hours')",
				p.lo.Format(time.RFC3339), p.hi.Format(time.RFC3339)))
		}
	}
	return strings.Join(qs, " UNION ALL ")
}

// pick returns the parts for which keep is true.
func pick(parts []activityPart, keep func(activityPart) bool) []activityPart {
	var out []activityPart
	for _, p := range parts {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// performanceRows reads the per-telecaller rows. Counters are sums over
// the rollup rows of the range. Overdue follow-ups depend on now: the open
// bookings of the range (a counter) minus those not due yet: the cells of
// telecaller_follow_ups_due due from today or tomorrow (UTC) on, read per
// day or slot of the range, corrected by the bookings due today on the
// shorter side of now, found by their due time. The first and last call of
// each local day come from the day rows, cut at the local midnights; where
// a cut falls between a day's calls, the slot rows on the right side of it
// give the answer.
func performanceRows(ctx context.Context, tx bun.Tx, telecallerID *uuid.UUID, r AnalyticsRange) ([]*TelecallerStats, error) {
	who, whoA, whoI := "TRUE", "TRUE", "TRUE"
	// Bookings due today are read from interactions on the smaller side of
	// now: before noon (UTC) today's cell counts and those due since
	// midnight are subtracted, after noon those due until midnight are added.
	today := r.Now.UTC().Truncate(24 * time.Hour)
	cellsFrom, rawLo, rawHi, rawSign := today, today, r.Now, -1
	if r.Now.Sub(today) >= 12*time.Hour {
		cellsFrom, rawLo, rawHi, rawSign = today.Add(24*time.Hour), r.Now, today.Add(24*time.Hour), 1
	}
	parts := activityParts(r.From, r.To)
	days := pick(parts, func(p activityPart) bool { return p.day })
	slots := pick(parts, func(p activityPart) bool { return !p.day })
	minus := pick(parts, func(p activityPart) bool { return p.sign < 0 })
	args := []any{r.From, r.To, r.TimeZone, r.Now, nil, cellsFrom, rawLo, rawHi, rawSign}
	if telecallerID != nil {
		who, whoA, whoI, args[4] = "u.id = ?4", "a.telecaller_id = ?4", "i.telecaller_id = ?4", *telecallerID
	}
	var rows []*TelecallerStats
	err := tx.NewRaw(fmt.Sprintf(`WITH per AS (
			SELECT a.telecaller_id, sum(a.sg * a.interactions) AS interactions,
				sum(a.sg * a.leads_contacted) AS leads_contacted, sum(a.sg * a.calls_made) AS calls_made,
				sum(a.sg * a.connected_calls) AS connected_calls, sum(a.sg * a.talk_seconds) AS talk_seconds,
				sum(a.sg * a.conversions) AS conversions, sum(a.sg * a.follow_ups_scheduled) AS follow_ups_scheduled,
				sum(a.sg * a.follow_ups_on_time) AS follow_ups_on_time,
				sum(a.sg * a.o_connected) AS o_connected, sum(a.sg * a.o_no_answer) AS o_no_answer, sum(a.sg * a.o_busy) AS o_busy,
				sum(a.sg * a.o_voicemail) AS o_voicemail, sum(a.sg * a.o_wrong_number) AS o_wrong_number,
				sum(a.sg * a.o_callback_requested) AS o_callback_requested, sum(a.sg * a.o_interested) AS o_interested,
				sum(a.sg * a.o_not_interested) AS o_not_interested, sum(a.sg * a.o_converted) AS o_converted,
				sum(a.sg * a.o_do_not_call) AS o_do_not_call, sum(a.sg * a.open_follow_ups) AS open_follow_ups
			FROM (
				SELECT a.*, CASE WHEN %[7]s THEN -1 ELSE 1 END AS sg
				FROM telecaller_activity AS a WHERE (%[1]s) AND %[2]s
			) AS a GROUP BY 1
		), not_due AS (
			SELECT telecaller_id, sum(n) AS n FROM (
				-- Cells due from cellsFrom on: one index range per whole day of the range,
				SELECT c.telecaller_id, c.n
				FROM (%[5]s) AS b
				CROSS JOIN LATERAL (
					SELECT a.telecaller_id, sum(a.open_follow_ups) AS n FROM telecaller_follow_ups_due AS a
					WHERE a.is_day AND a.bucket = b.bucket AND a.due_day >= ?5 AND %[2]s
					GROUP BY 1
				) AS c
				UNION ALL
				-- and the slots of the partial days at the ends, added or subtracted.
				SELECT a.telecaller_id, CASE WHEN %[7]s THEN -1 ELSE 1 END * a.open_follow_ups
				FROM telecaller_follow_ups_due AS a
				WHERE (%[6]s) AND a.due_day >= ?5 AND %[2]s
				UNION ALL
				-- Due today on one side of now; deleted leads (few) left out by an anti-join.
				SELECT i.telecaller_id, ?8 * count(*)
				FROM interactions AS i
				WHERE i.follow_up_at IS NOT NULL AND i.followed_up_at IS NULL AND i.follow_up_at >= ?6 AND i.follow_up_at < ?7
					AND i.occurred_at >= ?0 AND i.occurred_at < ?1 AND %[3]s
					AND NOT EXISTS (SELECT 1 FROM leads AS l WHERE l.id = i.lead_id AND l.deleted_at IS NOT NULL)
				GROUP BY 1
			) AS nd GROUP BY 1
		), local_days AS (
			SELECT d, greatest(d AT TIME ZONE ?2, ?0) AS lo, least((d + interval '1 day') AT TIME ZONE ?2, ?1) AS hi
			FROM generate_series(date_trunc('day', ?0::timestamptz AT TIME ZONE ?2),
				?1::timestamptz AT TIME ZONE ?2 - interval '1 microsecond', interval '1 day') AS d
		), pieces AS MATERIALIZED (
			-- Each local day cut at the UTC midnights, bounds computed once.
			SELECT ld.d, greatest(ld.lo, u) AS lo, least(ld.hi, u + interval '1 day') AS hi, u
			FROM local_days AS ld
			CROSS JOIN LATERAL generate_series(date_trunc('day', ld.lo, 'UTC'), ld.hi - interval '1 microsecond', interval '1 day') AS u
			WHERE ld.lo < ld.hi
		), piece_calls AS (
			SELECT a.telecaller_id, p.d,
				CASE WHEN a.first_call_at >= p.hi OR a.last_call_at < p.lo THEN NULL
					WHEN a.first_call_at >= p.lo THEN a.first_call_at
					ELSE (SELECT s.first_call_at FROM telecaller_activity AS s
						WHERE NOT s.is_day AND s.first_call_at IS NOT NULL AND s.telecaller_id = a.telecaller_id
							AND s.bucket >= p.lo AND s.bucket < p.hi ORDER BY s.bucket LIMIT 1) END AS first_at,
				CASE WHEN a.first_call_at >= p.hi OR a.last_call_at < p.lo THEN NULL
					WHEN a.last_call_at < p.hi THEN a.last_call_at
					ELSE (SELECT s.last_call_at FROM telecaller_activity AS s
						WHERE NOT s.is_day AND s.first_call_at IS NOT NULL AND s.telecaller_id = a.telecaller_id
							AND s.bucket >= p.lo AND s.bucket < p.hi ORDER BY s.bucket DESC LIMIT 1) END AS last_at
			FROM pieces AS p
			JOIN telecaller_activity AS a ON a.is_day AND a.bucket = p.u AND a.first_call_at IS NOT NULL AND %[2]s
			-- The day rows the pieces can meet, so that only those are read.
			WHERE a.bucket >= date_trunc('day', ?0::timestamptz, 'UTC') AND a.bucket < ?1
		), days AS (
			SELECT telecaller_id, count(*) AS call_days,
				sum(extract(epoch FROM (first_at AT TIME ZONE ?2)::time))::bigint AS first_call_secs,
				sum(extract(epoch FROM (last_at AT TIME ZONE ?2)::time))::bigint AS last_call_secs
			FROM (
				SELECT telecaller_id, d, min(first_at) AS first_at, max(last_at) AS last_at
				FROM piece_calls GROUP BY 1, 2 HAVING min(first_at) IS NOT NULL
			) AS ld GROUP BY 1
		)
		SELECT u.id AS telecaller_id, coalesce(asg.open_leads, 0) AS leads_assigned,
			coalesce(per.leads_contacted, 0) AS leads_contacted, coalesce(per.calls_made, 0) AS calls_made,
			coalesce(per.connected_calls, 0) AS connected_calls, coalesce(per.talk_seconds, 0) AS talk_seconds,
			coalesce(per.conversions, 0) AS conversions, coalesce(per.follow_ups_scheduled, 0) AS follow_ups_scheduled,
			coalesce(per.follow_ups_on_time, 0) AS follow_ups_on_time, coalesce(per.open_follow_ups, 0) - coalesce(nd.n, 0) AS follow_ups_overdue,
			coalesce(days.call_days, 0) AS call_days, coalesce(days.first_call_secs, 0) AS first_call_secs,
			coalesce(days.last_call_secs, 0) AS last_call_secs,
			ARRAY[coalesce(per.o_connected, 0), coalesce(per.o_no_answer, 0), coalesce(per.o_busy, 0),
				coalesce(per.o_voicemail, 0), coalesce(per.o_wrong_number, 0), coalesce(per.o_callback_requested, 0),
				coalesce(per.o_interested, 0), coalesce(per.o_not_interested, 0), coalesce(per.o_converted, 0),
				coalesce(per.o_do_not_call, 0)] AS outcome_counts
		FROM users AS u
		LEFT JOIN per ON per.telecaller_id = u.id
		LEFT JOIN not_due AS nd ON nd.telecaller_id = u.id
		LEFT JOIN days ON days.telecaller_id = u.id
		LEFT JOIN telecaller_open_leads AS asg ON asg.telecaller_id = u.id
		WHERE (u.role = 'telecaller' OR per.interactions > 0) AND %[4]s
		ORDER BY u.full_name, u.id`, activityRanges(parts), whoA, whoI, who, dayBuckets(days), activityRanges(slots), activityRanges(minus)), args...).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []*TelecallerStats{}
	}
	for _, s := range rows {
		s.outcomesByName = map[Outcome]int{}
		for i, o := range Outcomes { // the order of the o_* rollup columns
			s.outcomesByName[o] = int(s.OutcomeCounts[i])
		}
	}
	return rows, nil
}

// add sums another row's counts into s.
func (s *TelecallerStats) add(o *TelecallerStats) {
	s.LeadsAssigned += o.LeadsAssigned
	s.LeadsContacted += o.LeadsContacted
	s.CallsMade += o.CallsMade
	s.ConnectedCalls += o.ConnectedCalls
	s.TalkTimeSeconds += o.TalkTimeSeconds
	s.Conversions += o.Conversions
	s.FollowUpsScheduled += o.FollowUpsScheduled
	s.FollowUpsCompletedOnTime += o.FollowUpsCompletedOnTime
	s.FollowUpsOverdue += o.FollowUpsOverdue
	s.CallDays += o.CallDays
	s.FirstCallSecs += o.FirstCallSecs
	s.LastCallSecs += o.LastCallSecs
	for k, v := range o.outcomesByName {
		s.outcomesByName[k] += v
	}
}

// derive computes the rates and averages from the counts: connect rate =
// connected ÷ calls; average talk time = talk time ÷ connected calls;
// conversion rate = conversions ÷ leads contacted; first/last call = mean
// local clock time of the first and last call over the days with calls.
func (s *TelecallerStats) derive() {
	s.ConnectRate = ratio(s.ConnectedCalls, s.CallsMade)
	s.AverageTalkTimeSeconds = ratio(s.TalkTimeSeconds, s.ConnectedCalls)
	s.ConversionRate = ratio(s.Conversions, s.LeadsContacted)
	s.Outcomes = make([]OutcomeCount, 0, len(Outcomes))
	for _, o := range Outcomes {
		s.Outcomes = append(s.Outcomes, OutcomeCount{o, s.outcomesByName[o]})
	}
	if s.CallDays > 0 {
		s.AverageFirstCallTime = clock(s.FirstCallSecs / int64(s.CallDays))
		s.AverageLastCallTime = clock(s.LastCallSecs / int64(s.CallDays))
	}
}

func clock(secs int64) *string {
	c := fmt.Sprintf("%02d:%02d", secs/3600, secs%3600/60)
	return &c
}
