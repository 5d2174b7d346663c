package seed

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/telecaller-crm/api/db"
)

// plannedLead is what the first pass of the large generator decides about a
// lead before any row is made: when it was created, its final status and how
// many interactions it gets. A million of them take 24 MB.
type plannedLead struct {
	created int64 // unix microseconds
	// noise is the lead's random share of the interactions before its age
	// and status are applied.
	noise  float32
	n      int32 // interactions
	status uint8 // index into db.LeadStatuses
}

const (
	largeHistory = 365 * 24 * time.Hour
	// minAge keeps every lead at least a minute old, room enough for its
	// interactions to fall strictly between its creation and Now.
	minAge = time.Minute
	// staleNew is the age after which most leads have been called at least
	// once: only a quarter of older leads are still new.
	staleNew = 14 * 24 * time.Hour
	// warmUp is the time constant over which a fresh lead gathers its share
	// of interactions.
	warmUp = 3 * 24 * time.Hour
	// planStream and leadStream pick the two independent random streams of
	// the large generator for a seed.
	planStream = 0x9a1e5ca1e
	leadStream = 0x1ea0b0051
)

// statusIndex maps a status to its index in db.LeadStatuses.
func statusIndex(s db.LeadStatus) uint8 {
	return uint8(slices.Index(db.LeadStatuses, s))
}

// planLeads decides every lead's creation time and status, orders the leads
// by creation (the order a live table fills in) and spreads exactly
// opt.Interactions interactions over them.
func planLeads(opt LargeOptions) []plannedLead {
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), planStream))
	contacted := make([]weighted[db.LeadStatus], 0, len(statusWeights))
	for _, w := range statusWeights {
		if w.v != db.StatusNew {
			contacted = append(contacted, w)
		}
	}
	plan := make([]plannedLead, opt.Leads)
	for i := range plan {
		age := leadAge(rng)
		status := pickWeighted(rng, statusWeights)
		if status == db.StatusNew && age > staleNew && rng.Float64() < 0.75 {
			status = pickWeighted(rng, contacted)
		}
		// A gamma(2) share: most leads take a few touches, some many.
		noise := -math.Log(1-rng.Float64()) - math.Log(1-rng.Float64())
		plan[i] = plannedLead{
			created: opt.Now.Add(-age).UnixMicro(),
			noise:   float32(noise),
			status:  statusIndex(status),
		}
	}
	slices.SortFunc(plan, func(a, b plannedLead) int { return cmp.Compare(a.created, b.created) })
	// The oldest leads cycle through every status, so even a small load
	// covers all of them.
	for i := range min(len(plan), len(db.LeadStatuses)) {
		plan[i].status = uint8(i)
	}
	allocate(plan, opt.Interactions, opt.Now)
	return plan
}

// leadAge draws how long ago a lead was created: half uniformly over the
// year, half more often the more recent, as a growing business sees.
func leadAge(rng *rand.Rand) time.Duration {
	u := rng.Float64()
	if rng.Float64() < 0.5 {
		u = 1 - math.Sqrt(u)
	}
	return minAge + time.Duration(u*float64(largeHistory-minAge))
}

// allocate sets each lead's interaction count so that they add up to total
// exactly: every lead that is not new gets one, and the rest is shared out
// by weight (status factor × noise × how long the lead has had), by
// systematic rounding of the running share. When total is smaller than the
// number of contacted leads, the leads left without any become new.
func allocate(plan []plannedLead, total int, now time.Time) {
	newIdx := statusIndex(db.StatusNew)
	contacted, last := 0, -1
	for i := range plan {
		if plan[i].status != newIdx {
			contacted, last = contacted+1, i
		}
	}
	if contacted == 0 && total > 0 && len(plan) > 0 {
		// Interactions need a lead that is not new to belong to.
		last = len(plan) - 1
		plan[last].status, contacted = statusIndex(db.StatusContacted), 1
	}
	base, extra := 1, total-contacted
	if total < contacted {
		base, extra = 0, total
	}
	weights := make([]float64, 0, contacted)
	var sum float64
	for i := range plan {
		if plan[i].status != newIdx {
			w := leadWeight(plan[i], now)
			weights = append(weights, w)
			sum += w
		}
	}
	var cum float64
	prev, k := 0, 0
	for i := range plan {
		p := &plan[i]
		if p.status == newIdx {
			continue
		}
		cum += weights[k]
		k++
		share := int(cum / sum * float64(extra))
		if i == last {
			share = extra
		}
		p.n = int32(base + share - prev)
		prev = share
		if p.n == 0 {
			p.status = newIdx
		}
	}
}

// leadWeight is a contacted lead's relative claim on interactions: more for
// statuses that take more touches, less for leads too fresh to have had many.
func leadWeight(p plannedLead, now time.Time) float64 {
	age := now.Sub(time.UnixMicro(p.created))
	ramp := 1 - math.Exp(-float64(age)/float64(warmUp))
	// A floor keeps the weights positive, so the shares stay well defined.
	return max(interactionFactor[db.LeadStatuses[p.status]]*float64(p.noise)*ramp, 1e-9)
}
