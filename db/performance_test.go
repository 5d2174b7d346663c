package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

// perfWorld is a small team writing through the same db functions the
// resolvers use.
type perfWorld struct {
	t     *testing.T
	ctx   context.Context
	bdb   *bun.DB
	rng   *rand.Rand
	users []*db.User
	leads []*db.Lead
	n     int
}

func newPerfWorld(t *testing.T, seed uint64) *perfWorld {
	w := &perfWorld{t: t, ctx: context.Background(), rng: rand.New(rand.NewPCG(seed, 7))}
	w.bdb, _ = dbtest.New(t)
	for i, role := range []db.UserRole{db.RoleTelecaller, db.RoleTelecaller, db.RoleTelecaller, db.RoleManager} {
		u := &db.User{ID: uuid.New(), Email: fmt.Sprintf("u%d@example.com", i), FullName: fmt.Sprintf("User %d", i), Role: role}
		if err := db.UpsertUser(w.ctx, w.bdb, u); err != nil {
			t.Fatal(err)
		}
		w.users = append(w.users, u)
	}
	return w
}

// windows straddle DST switches: New York and Europe in March, and
// New York in November.
var perfWindows = []time.Time{
	time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC),
}

// when is a random instant (to the second) in one of the windows.
func (w *perfWorld) when() time.Time {
	base := perfWindows[w.rng.IntN(len(perfWindows))]
	return base.Add(time.Duration(w.rng.IntN(5*24*3600)) * time.Second)
}

func (w *perfWorld) user() *db.User { return w.users[w.rng.IntN(len(w.users))] }

func (w *perfWorld) lead() *db.Lead { return w.leads[w.rng.IntN(len(w.leads))] }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func (w *perfWorld) createLead() {
	w.n++
	created := w.when().Add(-48 * time.Hour)
	l := &db.Lead{Name: fmt.Sprintf("Lead %d", w.n), Email: ptr(fmt.Sprintf("lead%d@example.com", w.n)),
		Source: db.SourceWebsite, Status: pick(w.rng, db.LeadStatuses), Priority: db.PriorityMedium,
		CreatedAt: created, UpdatedAt: created}
	if w.rng.IntN(5) > 0 {
		l.AssignedToID = &w.user().ID
	}
	if err := db.CreateLead(w.ctx, w.bdb, l); err != nil {
		w.t.Fatal(err)
	}
	w.leads = append(w.leads, l)
}

func (w *perfWorld) logInteraction() {
	l := w.lead()
	it := &db.Interaction{LeadID: l.ID, TelecallerID: w.user().ID, Type: pick(w.rng, db.InteractionTypes),
		Direction: pick(w.rng, []db.Direction{db.Outbound, db.Outbound, db.Inbound}), OccurredAt: w.when(),
		DurationSeconds: w.rng.IntN(600)}
	if w.rng.IntN(4) > 0 {
		it.Outcome = ptr(pick(w.rng, db.Outcomes))
	}
	if w.rng.IntN(3) == 0 {
		it.FollowUpAt = ptr(it.OccurredAt.Add(time.Duration(w.rng.IntN(72*3600)) * time.Second))
	}
	if w.rng.IntN(4) == 0 {
		it.StatusAfter = ptr(pick(w.rng, db.LeadStatuses))
	}
	err := w.bdb.RunInTx(w.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := db.InsertInteraction(ctx, tx, it); err != nil {
			return err
		}
		_, err := db.RecordContact(ctx, tx, l.ID, db.LeadContact{ContactedAt: it.OccurredAt, NextFollowUpAt: it.FollowUpAt,
			Outreach: it.Type != db.TypeNote, Status: it.StatusAfter})
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *perfWorld) update(u db.LeadUpdate) {
	if _, err := db.UpdateLead(w.ctx, w.bdb, w.lead().ID, db.LeadScope{}, u, nil); err != nil && !isNotFound(err) {
		w.t.Fatal(err)
	}
}

func (w *perfWorld) setDeleted(deleted bool) {
	if _, err := db.SetLeadDeleted(w.ctx, w.bdb, w.lead().ID, deleted); err != nil && !isNotFound(err) {
		w.t.Fatal(err)
	}
}

func isNotFound(err error) bool { return apperr.CodeOf(err) == apperr.NotFound }

// writeRandomly applies n random writes of every kind.
func (w *perfWorld) writeRandomly(n int) {
	for range 8 {
		w.createLead()
	}
	for range n {
		switch k := w.rng.IntN(20); {
		case k < 2:
			w.createLead()
		case k < 13:
			w.logInteraction()
		case k < 15:
			w.update(db.LeadUpdate{Status: ptr(pick(w.rng, db.LeadStatuses))})
		case k < 17:
			w.update(db.LeadUpdate{AssignedToID: &w.user().ID})
		case k < 19:
			w.setDeleted(true)
		default:
			w.setDeleted(false)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestTelecallerRollupsMatchRecomputation(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			w := newPerfWorld(t, seed)
			w.writeRandomly(250)
			// The reference below reads the same data without rollups;
			// check the report first, then the rollups against a rebuild.
			// Overdue follow-ups depend on now: at a midnight, in the middle
			// of a day (bookings due later that day and on later days, of
			// ranges in the past and in the future) and after every due time.
			nows := []time.Time{
				perfWindows[0].Add(3 * 24 * time.Hour),
				perfWindows[0].Add(2*24*time.Hour + 13*time.Hour + 37*time.Minute + 12*time.Second),
				perfWindows[1].Add(3*24*time.Hour + 5*time.Hour + 50*time.Minute + 1*time.Second),
				perfWindows[1].Add(30 * 24 * time.Hour),
			}
			calls, overdue, report := 0, 0, 0
			for _, tz := range []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu"} {
				for _, rg := range [][2]time.Time{
					{perfWindows[0], perfWindows[0].Add(6 * 24 * time.Hour)},
					{perfWindows[0].Add(26*time.Hour + 45*time.Minute), perfWindows[0].Add(75*time.Hour + 15*time.Minute)},
					{perfWindows[1].Add(-time.Hour), perfWindows[1].Add(5*24*time.Hour + 30*time.Minute)},
					{perfWindows[1].Add(50 * time.Hour), perfWindows[1].Add(51*time.Hour + 15*time.Minute)},
					{perfWindows[0], perfWindows[1].Add(6 * 24 * time.Hour)},
					// Partial days longer than half a day: read as the day minus the rest.
					{perfWindows[1].Add(2 * time.Hour), perfWindows[1].Add(3*24*time.Hour + 20*time.Hour + 45*time.Minute)},
					{perfWindows[0].Add(25 * time.Hour), perfWindows[0].Add(47 * time.Hour)},
				} {
					report++
					now := nows[report%len(nows)]
					r := db.AnalyticsRange{From: rg[0], To: rg[1], TimeZone: tz, Now: now}
					got, err := db.FindTelecallerPerformance(w.ctx, w.bdb, nil, r)
					if err != nil {
						t.Fatal(err)
					}
					want := referencePerformance(t, w.bdb, r)
					calls += got.Team.CallsMade
					overdue += got.Team.FollowUpsOverdue
					for _, s := range got.Telecallers {
						if g, ok := want[*s.TelecallerID]; !ok || g != summarize(s) {
							t.Errorf("%s %s–%s telecaller %s:\n got %s\nwant %s", tz, rg[0], rg[1], *s.TelecallerID, summarize(s), g)
						}
						delete(want, *s.TelecallerID)
					}
					for id, s := range want {
						t.Errorf("%s %s–%s: no row for %s (want %s)", tz, rg[0], rg[1], id, s)
					}
				}
			}
			if calls == 0 || overdue == 0 {
				t.Fatalf("the reports found %d calls and %d overdue follow-ups: the random writes missed the ranges", calls, overdue)
			}
			dbtest.CheckRollups(t, w.bdb)
		})
	}
}

func summarize(s *db.TelecallerStats) string {
	first, last := "-", "-"
	if s.AverageFirstCallTime != nil {
		first, last = *s.AverageFirstCallTime, *s.AverageLastCallTime
	}
	return fmt.Sprintf("assigned=%d contacted=%d calls=%d connected=%d talk=%d conv=%d sched=%d ontime=%d overdue=%d days=%d first=%s last=%s outcomes=%v",
		s.LeadsAssigned, s.LeadsContacted, s.CallsMade, s.ConnectedCalls, s.TalkTimeSeconds, s.Conversions,
		s.FollowUpsScheduled, s.FollowUpsCompletedOnTime, s.FollowUpsOverdue, s.CallDays, first, last, s.Outcomes)
}

// referencePerformance computes the report straight from interactions and
// leads, the slow way, with the documented definitions.
func referencePerformance(t *testing.T, bdb *bun.DB, r db.AnalyticsRange) map[uuid.UUID]string {
	t.Helper()
	from, to := r.From.Truncate(15*time.Minute), r.To.Truncate(15*time.Minute)
	var rows []struct {
		db.TelecallerStats
		Outs []int64 `bun:"outs,array"`
	}
	err := bdb.NewRaw(`WITH acts AS (
			SELECT i.* FROM interactions AS i JOIN leads AS l ON l.id = i.lead_id AND l.deleted_at IS NULL
			WHERE i.occurred_at >= ?0 AND i.occurred_at < ?1
		), firsts AS (
			SELECT i.telecaller_id, i.lead_id, min(i.occurred_at) FILTER (WHERE i.type <> 'note') AS contact,
				min(i.occurred_at) FILTER (WHERE i.status_after = 'converted') AS conv
			FROM interactions AS i JOIN leads AS l ON l.id = i.lead_id AND l.deleted_at IS NULL GROUP BY 1, 2
		), per AS (
			SELECT a.telecaller_id, count(*) AS n,
				count(*) FILTER (WHERE a.type = 'call' AND a.direction = 'outbound') AS calls_made,
				count(*) FILTER (WHERE a.type = 'call' AND a.outcome IN ('connected', 'callback_requested', 'interested', 'not_interested', 'converted', 'do_not_call')) AS connected_calls,
				coalesce(sum(a.duration_seconds) FILTER (WHERE a.type = 'call'), 0) AS talk_seconds,
				count(*) FILTER (WHERE a.follow_up_at IS NOT NULL) AS follow_ups_scheduled,
				count(*) FILTER (WHERE a.follow_up_at IS NOT NULL AND nx.at <= a.follow_up_at + interval '1 hour') AS follow_ups_on_time,
				count(*) FILTER (WHERE a.follow_up_at IS NOT NULL AND nx.at IS NULL AND a.follow_up_at < ?3) AS follow_ups_overdue,
				ARRAY[count(*) FILTER (WHERE a.outcome = 'connected'), count(*) FILTER (WHERE a.outcome = 'no_answer'),
					count(*) FILTER (WHERE a.outcome = 'busy'), count(*) FILTER (WHERE a.outcome = 'voicemail'),
					count(*) FILTER (WHERE a.outcome = 'wrong_number'), count(*) FILTER (WHERE a.outcome = 'callback_requested'),
					count(*) FILTER (WHERE a.outcome = 'interested'), count(*) FILTER (WHERE a.outcome = 'not_interested'),
					count(*) FILTER (WHERE a.outcome = 'converted'), count(*) FILTER (WHERE a.outcome = 'do_not_call')] AS outs
			FROM acts AS a LEFT JOIN LATERAL (
				SELECT min(j.occurred_at) AS at FROM interactions AS j
				WHERE j.lead_id = a.lead_id AND j.type <> 'note' AND (j.occurred_at, j.id) > (a.occurred_at, a.id)
			) AS nx ON true
			GROUP BY 1
		), days AS (
			SELECT telecaller_id, count(*) AS call_days, sum(extract(epoch FROM f::time))::bigint AS first_call_secs,
				sum(extract(epoch FROM la::time))::bigint AS last_call_secs
			FROM (SELECT telecaller_id, (occurred_at AT TIME ZONE ?2)::date, min(occurred_at AT TIME ZONE ?2) AS f,
				max(occurred_at AT TIME ZONE ?2) AS la FROM acts WHERE type = 'call' GROUP BY 1, 2) AS d GROUP BY 1
		)
		SELECT u.id AS telecaller_id,
			(SELECT count(*) FROM leads AS l WHERE l.assigned_to = u.id AND l.deleted_at IS NULL
				AND l.status NOT IN ('converted', 'lost', 'do_not_call', 'not_interested')) AS leads_assigned,
			(SELECT count(*) FROM firsts AS f WHERE f.telecaller_id = u.id AND f.contact >= ?0 AND f.contact < ?1) AS leads_contacted,
			(SELECT count(*) FROM firsts AS f WHERE f.telecaller_id = u.id AND f.conv >= ?0 AND f.conv < ?1) AS conversions,
			coalesce(per.calls_made, 0) AS calls_made, coalesce(per.connected_calls, 0) AS connected_calls,
			coalesce(per.talk_seconds, 0) AS talk_seconds, coalesce(per.follow_ups_scheduled, 0) AS follow_ups_scheduled,
			coalesce(per.follow_ups_on_time, 0) AS follow_ups_on_time, coalesce(per.follow_ups_overdue, 0) AS follow_ups_overdue,
			coalesce(days.call_days, 0) AS call_days, coalesce(days.first_call_secs, 0) AS first_call_secs,
			coalesce(days.last_call_secs, 0) AS last_call_secs,
			coalesce(per.outs, array_fill(0::bigint, ARRAY[10])) AS outs
		FROM users AS u LEFT JOIN per ON per.telecaller_id = u.id LEFT JOIN days ON days.telecaller_id = u.id
		WHERE u.role = 'telecaller' OR per.n > 0`, from, to, r.TimeZone, r.Now).Scan(context.Background(), &rows)
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	out := map[uuid.UUID]string{}
	for i := range rows {
		s := &rows[i].TelecallerStats
		s.OutcomeCounts = rows[i].Outs
		out[*s.TelecallerID] = summarize(db.DeriveForTest(s))
	}
	return out
}

// The report reads rollups, so every write must show in the next report:
// nothing may go stale.
func TestTelecallerPerformanceSeesWritesAtOnce(t *testing.T) {
	t.Parallel()
	w := newPerfWorld(t, 42)
	w.createLead()
	l, caller := w.leads[0], w.users[0]
	day := perfWindows[0].Add(24 * time.Hour)
	r := db.AnalyticsRange{From: day, To: day.Add(24 * time.Hour), TimeZone: "Asia/Kolkata", Now: day.Add(30 * time.Hour)}
	report := func() *db.TelecallerStats {
		t.Helper()
		p, err := db.FindTelecallerPerformance(w.ctx, w.bdb, &caller.ID, r)
		if err != nil || len(p.Telecallers) != 1 {
			t.Fatalf("report = %+v, %v", p, err)
		}
		return p.Telecallers[0]
	}
	logCall := func(at time.Time, followUp *time.Time) {
		t.Helper()
		it := &db.Interaction{LeadID: l.ID, TelecallerID: caller.ID, Type: db.TypeCall, Direction: db.Outbound,
			Outcome: ptr(db.OutcomeConnected), DurationSeconds: 60, OccurredAt: at, FollowUpAt: followUp}
		if err := db.InsertInteraction(w.ctx, w.bdb, it); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name  string
		write func()
		want  string
	}{
		{"nothing yet", func() {}, "calls=0 connected=0 talk=0 sched=0 ontime=0 overdue=0 contacted=0"},
		{"a call booking a follow-up", func() { logCall(day.Add(5*time.Hour), ptr(day.Add(8*time.Hour))) },
			"calls=1 connected=1 talk=60 sched=1 ontime=0 overdue=1 contacted=1"},
		{"the follow-up made on time", func() { logCall(day.Add(8*time.Hour+30*time.Minute), nil) },
			"calls=2 connected=2 talk=120 sched=1 ontime=1 overdue=0 contacted=1"},
		{"the lead deleted", func() { w.setDeletedID(l.ID, true) }, "calls=0 connected=0 talk=0 sched=0 ontime=0 overdue=0 contacted=0"},
		{"the lead restored", func() { w.setDeletedID(l.ID, false) }, "calls=2 connected=2 talk=120 sched=1 ontime=1 overdue=0 contacted=1"},
		{"an earlier contact logged late completes nothing new", func() { logCall(day.Add(2*time.Hour), nil) },
			"calls=3 connected=3 talk=180 sched=1 ontime=1 overdue=0 contacted=1"},
	}
	for _, st := range steps {
		st.write()
		s := report()
		got := fmt.Sprintf("calls=%d connected=%d talk=%d sched=%d ontime=%d overdue=%d contacted=%d", s.CallsMade, s.ConnectedCalls,
			s.TalkTimeSeconds, s.FollowUpsScheduled, s.FollowUpsCompletedOnTime, s.FollowUpsOverdue, s.LeadsContacted)
		if got != st.want {
			t.Errorf("after %s: %s, want %s", st.name, got, st.want)
		}
	}
	dbtest.CheckRollups(t, w.bdb)
}

func (w *perfWorld) setDeletedID(id uuid.UUID, deleted bool) {
	if _, err := db.SetLeadDeleted(w.ctx, w.bdb, id, deleted); err != nil {
		w.t.Fatal(err)
	}
}
