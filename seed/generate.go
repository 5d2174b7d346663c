package seed

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

// Dataset is generated demo data, ready to write: users first, then leads,
// then interactions (each interaction's lead comes before it).
type Dataset struct {
	Users        []db.User
	Leads        []db.Lead
	Interactions []db.Interaction
}

// Generate builds the demo data for opt without touching a database. It is a
// pure function of opt: the same Seed, Leads and InteractionsPerLead give the
// same ids and values, and Now only shifts the dates (the ids do not depend
// on it).
func Generate(opt Options) Dataset {
	opt = opt.withDefaults()
	g := newGenerator(opt)
	ds := Dataset{Users: demoUserRows(), Leads: make([]db.Lead, 0, opt.Leads)}
	ds.Interactions = make([]db.Interaction, 0, int(float64(opt.Leads)*opt.InteractionsPerLead*1.1))
	for i := range opt.Leads {
		l, its := g.lead(i)
		ds.Leads = append(ds.Leads, l)
		ds.Interactions = append(ds.Interactions, its...)
	}
	return ds
}

// demoUserRows returns DemoUsers as rows to upsert.
func demoUserRows() []db.User {
	users := make([]db.User, len(DemoUsers))
	for i, u := range DemoUsers {
		users[i] = db.User{ID: u.ID, Email: u.Email, FullName: u.FullName, Role: u.Role}
	}
	return users
}

// generator draws leads one at a time from a seeded source, remembering the
// phones and emails already used so both stay unique.
type generator struct {
	opt         Options
	rng         *rand.Rand
	now         time.Time
	manager     uuid.UUID
	telecallers []uuid.UUID
	phones      map[string]bool
	emails      map[string]bool
	// contactedMean is the expected interaction count of a lead that is not
	// new and has an interaction factor of 1.
	contactedMean float64
}

const (
	history        = 90 * 24 * time.Hour
	assignedShare  = 0.8
	deletedShare   = 0.02
	forcedDeletion = 13 // this lead is always soft-deleted, so every seed has one
)

func newGenerator(opt Options) *generator {
	g := &generator{
		opt:     opt,
		rng:     rand.New(rand.NewPCG(uint64(opt.Seed), 0x7e1eca11e7)),
		now:     opt.Now,
		manager: demoUser(db.RoleManager).ID,
		phones:  make(map[string]bool, opt.Leads),
		emails:  make(map[string]bool, opt.Leads),
	}
	for _, u := range telecallers() {
		g.telecallers = append(g.telecallers, u.ID)
	}
	// Scale so that the average over all leads, new ones included, is
	// InteractionsPerLead.
	var total, factor float64
	for _, s := range statusWeights {
		total += float64(s.w)
		if s.v != db.StatusNew {
			factor += float64(s.w) * interactionFactor[s.v]
		}
	}
	g.contactedMean = opt.InteractionsPerLead * total / factor
	return g
}

// lead generates lead number i and its interactions, oldest first.
func (g *generator) lead(i int) (db.Lead, []db.Interaction) {
	l := db.Lead{ID: g.uuid(), Version: 1}
	first, last := pick(g.rng, firstNames), pick(g.rng, lastNames)
	l.Name = first + " " + last
	// The first leads cycle through every enum value so that even a small
	// seed covers all of them.
	l.Status = pickWeighted(g.rng, statusWeights)
	if i < len(db.LeadStatuses) {
		l.Status = db.LeadStatuses[i]
	}
	g.sourceAndPriority(&l, i)
	l.CreatedAt = micro(g.now.Add(-time.Duration(g.rng.Float64() * float64(history))))
	g.contact(&l, first, last)
	g.details(&l)

	actor := g.manager
	if g.rng.Float64() < assignedShare {
		assignee := g.telecallers[g.rng.IntN(len(g.telecallers))]
		l.AssignedToID = ptr(assignee)
		actor = assignee
	}
	l.CreatedByID = ptr(g.manager)
	if l.AssignedToID != nil && g.rng.Float64() < 0.5 {
		l.CreatedByID = ptr(*l.AssignedToID)
	}

	its := g.interactions(&l, actor)
	l.UpdatedAt = l.CreatedAt
	if l.LastContactedAt != nil {
		l.UpdatedAt = *l.LastContactedAt
	}
	// Each logged interaction bumped the version once, as the API does.
	l.Version = 1 + l.AttemptCount
	deleted := g.rng.Float64() < deletedShare || i == forcedDeletion
	if deleted && i > 0 {
		t := g.between(l.UpdatedAt, g.now)
		l.DeletedAt, l.UpdatedAt = &t, t
		l.Version++
	}
	setProgress(&l, its)
	return l, its
}

// sourceAndPriority picks lead i's source and priority; the first leads
// cycle through every value so that even a small seed covers all of them.
func (g *generator) sourceAndPriority(l *db.Lead, i int) {
	l.Source = pickWeighted(g.rng, sourceWeights)
	if i < len(db.LeadSources) {
		l.Source = db.LeadSources[i]
	}
	l.Priority = pickWeighted(g.rng, priorityWeights)
	if i < len(db.LeadPriorities) {
		l.Priority = db.LeadPriorities[i]
	}
}

// details fills a lead's optional company, notes, tags and custom fields.
func (g *generator) details(l *db.Lead) {
	if g.rng.Float64() < 0.55 {
		l.Company = ptr(pick(g.rng, companies))
	}
	if g.rng.Float64() < 0.3 {
		l.Notes = ptr(pick(g.rng, leadNotes))
	}
	l.Tags = g.tags()
	l.CustomFields = g.customFields()
}

// contact sets the lead's phone and email: most leads have both, some only
// one, none neither.
func (g *generator) contact(l *db.Lead, first, last string) {
	r := g.rng.Float64()
	if r >= 0.07 {
		raw, e164 := g.phone()
		l.Phone, l.PhoneE164 = &raw, &e164
	}
	if r < 0.90 {
		l.Email = ptr(g.email(first, last))
	}
}

// email returns an unused lower-case address such as "priya.sharma+42@example.com".
func (g *generator) email(first, last string) string {
	for {
		e := fmt.Sprintf("%s.%s+%d@%s", slug(first), slug(last), 1+g.rng.IntN(9999), pick(g.rng, emailDomains))
		if !g.emails[e] {
			g.emails[e] = true
			return e
		}
	}
}

func (g *generator) tags() []string {
	n := pickWeighted(g.rng, []weighted[int]{{0, 45}, {1, 35}, {2, 15}, {3, 5}})
	tags := make([]string, 0, n)
	for len(tags) < n {
		if t := pick(g.rng, tagVocabulary); !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

func (g *generator) customFields() map[string]any {
	r := g.rng.Float64()
	switch {
	case r < 0.10:
		return map[string]any{"city": pick(g.rng, cities), "budget": 5000 * (2 + g.rng.IntN(39))}
	case r < 0.15:
		return map[string]any{"city": pick(g.rng, cities)}
	default:
		return map[string]any{}
	}
}

// uuid draws a version 4 uuid from the seeded source, so ids repeat with the seed.
func (g *generator) uuid() uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(u[8:], g.rng.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// between returns a time in [a, b], at Postgres (microsecond) precision.
func (g *generator) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return micro(a.Add(time.Duration(g.rng.Float64() * float64(b.Sub(a)))))
}

// poisson draws from a Poisson distribution with mean m (Knuth's method,
// fine for the small means used here).
func (g *generator) poisson(m float64) int {
	limit, k, p := math.Exp(-m), 0, g.rng.Float64()
	for p > limit {
		k++
		p *= g.rng.Float64()
	}
	return k
}

func pick[T any](rng *rand.Rand, values []T) T { return values[rng.IntN(len(values))] }

func pickWeighted[T any](rng *rand.Rand, values []weighted[T]) T {
	total := 0
	for _, v := range values {
		total += v.w
	}
	n := rng.IntN(total)
	for _, v := range values {
		if n < v.w {
			return v.v
		}
		n -= v.w
	}
	return values[len(values)-1].v
}

// slug keeps the lower-case ASCII letters of a name, for email local parts.
func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, strings.ToLower(s))
}

func micro(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }
