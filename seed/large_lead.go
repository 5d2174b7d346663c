package seed

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

const (
	largeAssignedShare = 0.85
	largeDeletedShare  = 0.01
	// reassignedShare of the assigned leads with a few interactions changed
	// hands: their earlier calls were made by another telecaller.
	reassignedShare = 0.06
	// managerWeight is the admin's and the manager's share of assignments
	// relative to an average telecaller: they own a few leads themselves.
	managerWeight = 0.1
)

// largeGen makes the rows of the large data set one lead at a time, in
// plan order. It reuses the demo generator's touches and vocabularies;
// what differs is scale: the team, a year of history, v7 ids in time order,
// and unique phones and emails that cost little memory for a million leads.
type largeGen struct {
	*generator
	assignees []uuid.UUID
	// cumWeights are the assignees' cumulative workload weights.
	cumWeights []float64
	phones     *phonePool
	// emailCount counts the emails made so far for each first name, last
	// name and domain; see email.
	emailCount []int
	// firstSlugs and lastSlugs are the names as they appear in emails.
	firstSlugs, lastSlugs []string
	// times and emailBuf are scratch space reused from lead to lead.
	times    []time.Time
	emailBuf []byte
}

// newLargeGen returns the generator of the leads of opt, drawing from the
// seed's lead stream (the plan has its own).
func newLargeGen(opt LargeOptions) *largeGen {
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), leadStream))
	g := &largeGen{
		generator:  &generator{rng: rng, now: opt.Now, manager: demoUser(db.RoleManager).ID},
		emailCount: make([]int, len(firstNames)*len(lastNames)*len(emailDomains)),
	}
	// Workloads differ: some telecallers carry three times the leads of others.
	var cum float64
	for _, u := range largeUsers() {
		w := 0.5 + rng.Float64()
		if u.Role != db.RoleTelecaller {
			w = managerWeight
		}
		cum += w
		g.assignees = append(g.assignees, u.ID)
		g.cumWeights = append(g.cumWeights, cum)
	}
	g.phones = newPhonePool(rng, opt.Leads)
	for _, s := range firstNames {
		g.firstSlugs = append(g.firstSlugs, slug(s))
	}
	for _, s := range lastNames {
		g.lastSlugs = append(g.lastSlugs, slug(s))
	}
	return g
}

// lead generates the lead p describes (number i in plan order) and appends
// its interactions, oldest first, to its.
func (g *largeGen) lead(i int, p plannedLead, its []db.Interaction) (db.Lead, []db.Interaction) {
	created := time.UnixMicro(p.created).In(g.now.Location())
	l := db.Lead{ID: g.uuid7(created), Version: 1, CreatedAt: created, Status: db.LeadStatuses[p.status]}
	fi, li := g.rng.IntN(len(firstNames)), g.rng.IntN(len(lastNames))
	l.Name = firstNames[fi] + " " + lastNames[li]
	g.sourceAndPriority(&l, i)
	g.contact(&l, fi, li)
	g.details(&l)

	actor, previous := g.manager, g.manager
	if g.rng.Float64() < largeAssignedShare {
		actor = g.assignee()
		l.AssignedToID = ptr(actor)
		previous = actor
		if p.n >= 3 && g.rng.Float64() < reassignedShare {
			previous = g.assignee()
		}
	}
	l.CreatedByID = ptr(g.manager)
	if l.AssignedToID != nil && g.rng.Float64() < 0.5 {
		l.CreatedByID = ptr(previous)
	}

	start := len(its)
	its = g.history(&l, actor, previous, int(p.n), its)
	l.UpdatedAt = l.CreatedAt
	if l.LastContactedAt != nil {
		l.UpdatedAt = *l.LastContactedAt
	}
	l.Version = 1 + l.AttemptCount
	if g.rng.Float64() < largeDeletedShare {
		t := g.between(l.UpdatedAt, g.now)
		l.DeletedAt, l.UpdatedAt = &t, t
		l.Version++
	}
	setProgress(&l, its[start:])
	return l, its
}

// assignee draws a user by workload.
func (g *largeGen) assignee() uuid.UUID {
	x := g.rng.Float64() * g.cumWeights[len(g.cumWeights)-1]
	k, _ := slices.BinarySearch(g.cumWeights, x)
	return g.assignees[min(k, len(g.assignees)-1)]
}

// contact sets phone and email in the same proportions as the demo data.
func (g *largeGen) contact(l *db.Lead, first, last int) {
	r := g.rng.Float64()
	if r >= 0.07 {
		raw, e164 := g.phones.draw(g.rng)
		l.Phone, l.PhoneE164 = &raw, &e164
	}
	if r < 0.90 {
		l.Email = ptr(g.email(first, last))
	}
}

// emailStride spaces the numbers of emails that share a name and domain.
const emailStride = 97

// email returns a new address such as "priya.sharma+4217@example.com". The
// number of the n-th address of a name and domain lies in
// [1+n·emailStride, (n+1)·emailStride], so addresses never repeat and no
// set of used ones is needed.
func (g *largeGen) email(first, last int) string {
	d := g.rng.IntN(len(emailDomains))
	k := (first*len(lastNames)+last)*len(emailDomains) + d
	n := g.emailCount[k]
	g.emailCount[k]++
	b := append(g.emailBuf[:0], g.firstSlugs[first]...)
	b = append(b, '.')
	b = append(b, g.lastSlugs[last]...)
	b = append(b, '+')
	b = strconv.AppendInt(b, int64(1+n*emailStride+g.rng.IntN(emailStride)), 10)
	b = append(b, '@')
	b = append(b, emailDomains[d]...)
	g.emailBuf = b
	return string(b)
}

// uuid7 returns a version 7 uuid for t, as the API assigns to new rows,
// with its random bits from the seeded source: ids sort by creation.
func (g *largeGen) uuid7(t time.Time) uuid.UUID {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint64(u[:8], ms<<16|g.rng.Uint64()&0xffff)
	binary.BigEndian.PutUint64(u[8:], g.rng.Uint64())
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u
}
