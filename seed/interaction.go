package seed

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

// maxInteractions caps one lead's history whatever the average asked for.
const maxInteractions = 40

// interactions generates the history of a lead that is not new, oldest
// first, by actor (its assignee, or the manager), and sets the lead's
// attempt count, last contact and next follow-up from it. New leads get none;
// every other lead gets at least one, since its status says it was contacted.
func (g *generator) interactions(l *db.Lead, actor uuid.UUID) []db.Interaction {
	if l.Status == db.StatusNew {
		return nil
	}
	n := 1
	if mean := g.contactedMean * interactionFactor[l.Status]; mean > 1 {
		n += g.poisson(mean - 1)
	}
	n = min(n, maxInteractions)
	times := make([]time.Time, n)
	for k := range times {
		t := g.between(l.CreatedAt, g.now)
		// Out of hours only when moving it would leave [created_at, now]
		// (or pile several calls onto one clamped instant).
		if w := workingHours(t); !w.Before(l.CreatedAt) && !w.After(g.now) {
			t = w
		}
		times[k] = t
	}
	slices.SortFunc(times, time.Time.Compare)

	its := make([]db.Interaction, n)
	for k := range its {
		it := &its[k]
		*it = db.Interaction{
			ID: g.uuid(), LeadID: l.ID, TelecallerID: actor, Direction: db.Outbound,
			OccurredAt: times[k], CreatedAt: times[k],
		}
		if k == n-1 {
			g.finalTouch(it, l.Status)
		} else {
			g.earlierTouch(it)
		}
		if it.Outcome != nil && g.rng.Float64() < 0.6 {
			it.Notes = ptr(pick(g.rng, interactionNotes[*it.Outcome]))
		}
	}
	last := times[n-1]
	l.AttemptCount, l.LastContactedAt = n, &last
	if l.Status == db.StatusFollowUp || l.Status == db.StatusInterested {
		f := g.followUp(last)
		l.NextFollowUpAt = &f
		its[n-1].FollowUpAt = &f
	}
	return its
}

// ist is India Standard Time, where the demo team works.
var ist = time.FixedZone("IST", 5*3600+1800)

// workingHours moves t to the same relative moment of the 9:00–20:00 IST
// working day on its date, so nobody is called at 3 am.
func workingHours(t time.Time) time.Time {
	local := t.In(ist)
	y, m, d := local.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, ist)
	frac := float64(local.Sub(day)) / float64(24*time.Hour)
	return micro(day.Add(9*time.Hour + time.Duration(frac*float64(11*time.Hour))).In(t.Location()))
}

// earlierTouch fills an interaction before the lead's last one: mostly
// calls, some messages, the odd meeting or note.
func (g *generator) earlierTouch(it *db.Interaction) {
	it.Type = pickWeighted(g.rng, earlierTypes)
	switch it.Type {
	case db.TypeCall:
		g.call(it, pickWeighted(g.rng, earlierOutcomes))
	case db.TypeMeeting:
		it.Outcome = ptr(db.OutcomeConnected)
		it.DurationSeconds = 900 + g.rng.IntN(2701)
	case db.TypeNote:
		it.Notes = ptr(pick(g.rng, leadNotes))
	default:
		// A message: either sent without a reply (no outcome) or a reply.
		if g.rng.Float64() < 0.3 {
			it.Outcome, it.Direction = ptr(db.OutcomeConnected), db.Inbound
		}
	}
	if it.Outcome != nil && *it.Outcome == db.OutcomeCallbackRequested {
		it.FollowUpAt = ptr(workingHours(it.OccurredAt.Add(time.Duration(24+g.rng.IntN(48)) * time.Hour)))
	}
}

// finalTouch fills the lead's last interaction with an outcome that explains
// its status (converted → converted, do_not_call → do_not_call, …).
func (g *generator) finalTouch(it *db.Interaction, status db.LeadStatus) {
	o := pickWeighted(g.rng, finalOutcomes[status])
	it.StatusAfter = ptr(status)
	switch {
	case o == db.OutcomeConverted && g.rng.Float64() < 0.3:
		it.Type, it.Outcome = db.TypeMeeting, ptr(o)
		it.DurationSeconds = 900 + g.rng.IntN(2701)
	case o == db.OutcomeInterested && g.rng.Float64() < 0.15:
		it.Type, it.Outcome, it.Direction = db.TypeWhatsApp, ptr(o), db.Inbound
	default:
		g.call(it, o)
	}
}

// call makes it a call with outcome o and a duration to match: nobody spoke
// on a missed call, a connected one lasts 30 s to 15 min.
func (g *generator) call(it *db.Interaction, o db.Outcome) {
	it.Type, it.Outcome = db.TypeCall, ptr(o)
	switch o {
	case db.OutcomeNoAnswer, db.OutcomeBusy:
		it.DurationSeconds = 0
	case db.OutcomeVoicemail:
		it.DurationSeconds = 20 + g.rng.IntN(41)
	case db.OutcomeWrongNumber:
		it.DurationSeconds = 10 + g.rng.IntN(36)
	default:
		it.DurationSeconds = 30 + g.rng.IntN(871)
		if g.rng.Float64() < 0.1 {
			it.Direction = db.Inbound
		}
	}
}

// followUp picks the next follow-up of a lead last contacted at last: some
// overdue, some due today (in Now's time zone), the rest in the next two
// weeks.
func (g *generator) followUp(last time.Time) time.Time {
	r, u := g.rng.Float64(), g.rng.Float64()
	now := g.now
	var t time.Time
	switch {
	case r < 0.35:
		t = last.Add(time.Duration((0.2 + 0.75*u) * float64(now.Sub(last))))
	case r < 0.6:
		y, m, d := now.Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
		lo := day
		if last.After(lo) {
			lo = last
		}
		hi := time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()).Add(-time.Minute)
		t = lo.Add(time.Duration(u * float64(hi.Sub(lo))))
	default:
		t = workingHours(now.Add(24*time.Hour + time.Duration(u*float64(13*24*time.Hour))))
	}
	return micro(t)
}
