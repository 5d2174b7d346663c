package seed

import (
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

const (
	// keptPromise is the share of requested callbacks made within the hour
	// promised; the others are early or late.
	keptPromise = 0.65
	// callGap is the mean time between two touches of a lead.
	callGap = 5 * 24 * time.Hour
)

// history appends the n interactions of l, oldest first, and sets the
// lead's attempt count, last contact and next follow-up from them. The first
// touch comes hours to days after the lead arrives, the next ones days
// apart, moved into working hours; a history that would run past Now is
// squeezed into the time the lead has had. The earlier touches are made by
// previous (the lead's former owner, when it changed hands), the later ones
// by actor.
func (g *largeGen) history(l *db.Lead, actor, previous uuid.UUID, n int, its []db.Interaction) []db.Interaction {
	if n == 0 {
		return its
	}
	times := g.touchTimes(l.CreatedAt, n)
	start := len(its)
	for k, t := range times {
		by := actor
		if k < n/2 {
			by = previous
		}
		its = append(its, db.Interaction{
			ID: g.uuid7(t), LeadID: l.ID, TelecallerID: by, Direction: db.Outbound,
			OccurredAt: t, CreatedAt: t,
		})
		it := &its[len(its)-1]
		if k == n-1 {
			g.finalTouch(it, l.Status)
		} else {
			g.earlierTouch(it)
			if it.FollowUpAt != nil && g.rng.Float64() < keptPromise {
				// The callback was made when promised: the follow-up was
				// set for shortly before the next touch.
				f := micro(times[k+1].Add(-time.Duration(g.rng.Float64() * float64(50*time.Minute))))
				if !f.After(t) {
					f = times[k+1]
				}
				it.FollowUpAt = &f
			}
		}
		if it.Outcome != nil && g.rng.Float64() < 0.6 {
			it.Notes = ptr(pick(g.rng, interactionNotes[*it.Outcome]))
		}
	}
	// Each booked follow-up was completed by the next contact after it (the
	// times only grow), as the database would have recorded when it was logged.
	var next *time.Time
	for k := len(its) - 1; k >= start; k-- {
		if its[k].FollowUpAt != nil {
			its[k].FollowedUpAt = next
		}
		if its[k].Type != db.TypeNote {
			next = ptr(its[k].OccurredAt) // a copy: times is reused
		}
	}
	last := times[n-1]
	l.AttemptCount, l.LastContactedAt = n, &last
	if l.Status == db.StatusFollowUp || l.Status == db.StatusInterested {
		f := g.followUp(last)
		l.NextFollowUpAt = &f
		its[start+n-1].FollowUpAt = &f
	}
	return its
}

// touchTimes returns n strictly increasing instants in (created, Now].
func (g *largeGen) touchTimes(created time.Time, n int) []time.Time {
	times := g.times[:0]
	t := created.Add(g.firstDelay())
	for k := range n {
		if k > 0 {
			t = t.Add(time.Minute + g.exp(callGap))
		}
		times = append(times, t)
	}
	span := g.now.Sub(created)
	if over := times[n-1].Sub(created); over > span {
		f := float64(span) * 0.97 / float64(over)
		for k, t := range times {
			times[k] = created.Add(time.Duration(float64(t.Sub(created)) * f))
		}
	}
	for k, t := range times {
		t = micro(t)
		// Out of hours only when moving it would leave (created, now].
		if w := workingHours(t); w.After(created) && !w.After(g.now) {
			t = w
		}
		times[k] = t
	}
	slices.SortFunc(times, time.Time.Compare)
	for k := range times {
		if k == 0 && !times[0].After(created) {
			times[0] = created.Add(time.Microsecond)
		}
		if k > 0 && !times[k].After(times[k-1]) {
			times[k] = times[k-1].Add(time.Microsecond)
		}
	}
	// minAge leaves room for this; clamping from the end keeps the order.
	for k := n - 1; k >= 0 && times[k].After(g.now); k-- {
		times[k] = g.now.Add(-time.Duration(n-1-k) * time.Microsecond)
	}
	g.times = times
	return times
}

// firstDelay is how long a new lead waits for its first touch: a few hours
// for most, days for some, weeks for the unlucky.
func (g *largeGen) firstDelay() time.Duration {
	switch r := g.rng.Float64(); {
	case r < 0.75:
		return g.exp(3 * time.Hour)
	case r < 0.95:
		return g.exp(2 * 24 * time.Hour)
	default:
		return g.exp(10 * 24 * time.Hour)
	}
}

// exp draws an exponentially distributed duration with the given mean.
func (g *largeGen) exp(mean time.Duration) time.Duration {
	return time.Duration(-math.Log(1-g.rng.Float64()) * float64(mean))
}
