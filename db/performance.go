package db

import (
	"context"
	"database/sql"
	"fmt"
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
	CallDays       int   `bun:"call_days" json:"-"`
	FirstCallSecs  int64 `bun:"first_call_secs" json:"-"`
	LastCallSecs   int64 `bun:"last_call_secs" json:"-"`
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

// FollowUpGrace is how late a follow-up may be and still count as on time.
const FollowUpGrace = "1 hour"

// FindTelecallerPerformance reports every telecaller (or only telecallerID)
// over r, in one repeatable-read snapshot. Rows include every user with the
// telecaller role and anyone else who logged interactions in the range.
func FindTelecallerPerformance(ctx context.Context, bdb *bun.DB, telecallerID *uuid.UUID, r AnalyticsRange) (*TelecallerPerformance, error) {
	p := &TelecallerPerformance{From: r.From, To: r.To, TimeZone: r.TimeZone}
	err := bdb.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		if err := analyticsSession(ctx, tx); err != nil {
			return err
		}
		who, mine := "TRUE", "TRUE"
		args := []any{r.From, r.To, r.TimeZone, r.Now}
		if telecallerID != nil {
			who, mine, args = "u.id = ?4", "i.telecaller_id = ?4", append(args, *telecallerID)
		}
		err := tx.NewRaw(fmt.Sprintf(`WITH acts AS (
				SELECT i.id, i.lead_id, i.telecaller_id, i.type, i.direction, i.outcome, i.duration_seconds,
					i.status_after, i.follow_up_at, i.occurred_at
				FROM interactions AS i JOIN leads AS l ON l.id = i.lead_id AND l.deleted_at IS NULL
				WHERE i.occurred_at >= ?0 AND i.occurred_at < ?1 AND %[5]s
			), per AS (
				SELECT a.telecaller_id,
					count(DISTINCT a.lead_id) FILTER (WHERE a.type <> 'note') AS leads_contacted,
					count(*) FILTER (WHERE a.type = 'call' AND a.direction = 'outbound') AS calls_made,
					count(*) FILTER (WHERE a.type = 'call' AND a.outcome IN %[1]s) AS connected_calls,
					coalesce(sum(a.duration_seconds) FILTER (WHERE a.type = 'call'), 0) AS talk_seconds,
					count(DISTINCT a.lead_id) FILTER (WHERE a.status_after = 'converted') AS conversions
				FROM acts AS a GROUP BY a.telecaller_id
			), booked AS (
				-- Only interactions that booked a follow-up look for the next contact.
				SELECT a.telecaller_id,
					count(*) AS follow_ups_scheduled,
					count(*) FILTER (WHERE nx.at <= a.follow_up_at + interval '%[2]s') AS follow_ups_on_time,
					count(*) FILTER (WHERE nx.at IS NULL AND a.follow_up_at < ?3) AS follow_ups_overdue
				FROM acts AS a
				LEFT JOIN LATERAL (
					SELECT min(j.occurred_at) AS at FROM interactions AS j
					WHERE j.lead_id = a.lead_id AND j.type <> 'note' AND (j.occurred_at, j.id) > (a.occurred_at, a.id)
				) AS nx ON true
				WHERE a.follow_up_at IS NOT NULL
				GROUP BY a.telecaller_id
			), days AS (
				SELECT telecaller_id, count(*) AS call_days,
					sum(extract(epoch FROM first_at::time))::bigint AS first_call_secs,
					sum(extract(epoch FROM last_at::time))::bigint AS last_call_secs
				FROM (
					SELECT a.telecaller_id, (a.occurred_at AT TIME ZONE ?2)::date,
						min(a.occurred_at AT TIME ZONE ?2) AS first_at, max(a.occurred_at AT TIME ZONE ?2) AS last_at
					FROM acts AS a WHERE a.type = 'call' GROUP BY 1, 2
				) AS d GROUP BY telecaller_id
			), assigned AS (
				SELECT l.assigned_to, count(*) AS n FROM leads AS l
				WHERE l.deleted_at IS NULL AND l.assigned_to IS NOT NULL AND l.status NOT IN %[3]s GROUP BY 1
			)
			SELECT u.id AS telecaller_id, coalesce(asg.n, 0) AS leads_assigned,
				coalesce(per.leads_contacted, 0) AS leads_contacted, coalesce(per.calls_made, 0) AS calls_made,
				coalesce(per.connected_calls, 0) AS connected_calls, coalesce(per.talk_seconds, 0) AS talk_seconds,
				coalesce(per.conversions, 0) AS conversions, coalesce(bk.follow_ups_scheduled, 0) AS follow_ups_scheduled,
				coalesce(bk.follow_ups_on_time, 0) AS follow_ups_on_time, coalesce(bk.follow_ups_overdue, 0) AS follow_ups_overdue,
				coalesce(days.call_days, 0) AS call_days, coalesce(days.first_call_secs, 0) AS first_call_secs,
				coalesce(days.last_call_secs, 0) AS last_call_secs
			FROM users AS u
			LEFT JOIN per ON per.telecaller_id = u.id
			LEFT JOIN booked AS bk ON bk.telecaller_id = u.id
			LEFT JOIN days ON days.telecaller_id = u.id
			LEFT JOIN assigned AS asg ON asg.assigned_to = u.id
			WHERE (u.role = 'telecaller' OR per.telecaller_id IS NOT NULL) AND %[4]s
			ORDER BY u.full_name, u.id`, connectedOutcomes, FollowUpGrace, closedStatuses, who, mine), args...).Scan(ctx, &p.Telecallers)
		if err != nil {
			return err
		}
		var outcomes []struct {
			TelecallerID uuid.UUID
			Outcome      Outcome
			N            int
		}
		err = tx.NewRaw(`SELECT i.telecaller_id, i.outcome, count(*) AS n
			FROM interactions AS i JOIN leads AS l ON l.id = i.lead_id AND l.deleted_at IS NULL
			WHERE i.occurred_at >= ?0 AND i.occurred_at < ?1 AND i.outcome IS NOT NULL AND `+mine+`
			GROUP BY 1, 2`, args...).Scan(ctx, &outcomes)
		if err != nil {
			return err
		}
		byID := map[uuid.UUID]*TelecallerStats{}
		for _, s := range p.Telecallers {
			byID[*s.TelecallerID] = s
			s.outcomesByName = map[Outcome]int{}
		}
		for _, o := range outcomes {
			if s, ok := byID[o.TelecallerID]; ok {
				s.outcomesByName[o.Outcome] = o.N
			}
		}
		return nil
	})
	if err != nil {
		return nil, formatError(err, "Analytics")
	}
	if p.Telecallers == nil {
		p.Telecallers = []*TelecallerStats{}
	}
	p.Team = &TelecallerStats{outcomesByName: map[Outcome]int{}}
	for _, s := range p.Telecallers {
		p.Team.add(s)
		s.derive()
	}
	p.Team.derive()
	return p, nil
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
