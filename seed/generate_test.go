package seed_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/seed"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	opt := seed.Options{Seed: 3, Leads: 200, Now: now}
	ds := seed.Generate(opt)

	t.Run("same options give the same data", func(t *testing.T) {
		if !reflect.DeepEqual(ds, seed.Generate(opt)) {
			t.Error("two Generate calls with the same options differ")
		}
	})

	t.Run("ids depend on the seed, not on Now", func(t *testing.T) {
		later := opt
		later.Now = now.Add(17*24*time.Hour + 5*time.Hour)
		if !slices.Equal(leadIDs(ds), leadIDs(seed.Generate(later))) {
			t.Error("lead ids changed with Now")
		}
		other := opt
		other.Seed = 4
		if ids := leadIDs(seed.Generate(other)); slices.ContainsFunc(leadIDs(ds), func(id uuid.UUID) bool { return slices.Contains(ids, id) }) {
			t.Error("seeds 3 and 4 share lead ids")
		}
	})

	t.Run("more leads extend the same data set", func(t *testing.T) {
		more := opt
		more.Leads = 250
		big := seed.Generate(more)
		if !reflect.DeepEqual(ds.Leads, big.Leads[:len(ds.Leads)]) {
			t.Error("the first 200 of 250 leads differ from the 200 generated alone")
		}
	})

	t.Run("ids are version 4 uuids", func(t *testing.T) {
		for _, l := range ds.Leads {
			if l.ID.Version() != 4 || l.ID.Variant() != uuid.RFC4122 {
				t.Fatalf("lead id %s is not a version 4 uuid", l.ID)
			}
		}
	})

	t.Run("a small seed still covers every status, source and priority", func(t *testing.T) {
		small := seed.Generate(seed.Options{Leads: 9, Now: now})
		var statuses []db.LeadStatus
		for _, l := range small.Leads {
			statuses = append(statuses, l.Status)
		}
		for _, s := range db.LeadStatuses {
			if !slices.Contains(statuses, s) {
				t.Errorf("status %s missing from 9 leads", s)
			}
		}
	})

	t.Run("defaults", func(t *testing.T) {
		d := seed.Generate(seed.Options{})
		if len(d.Leads) != 300 || len(d.Users) != 5 {
			t.Errorf("default data set has %d leads and %d users, want 300 and 5", len(d.Leads), len(d.Users))
		}
		if avg := float64(len(d.Interactions)) / 300; avg < 2.4 || avg > 3.6 {
			t.Errorf("%.2f interactions per lead on average, want about 3", avg)
		}
		if !slices.Equal(leadIDs(d), leadIDs(seed.Generate(seed.Options{Seed: 1}))) {
			t.Error("seed 0 is not the default seed 1")
		}
	})

	t.Run("every lead has a phone or an email, and they are unique", func(t *testing.T) {
		phones, emails := map[string]bool{}, map[string]bool{}
		for _, l := range ds.Leads {
			if l.Phone == nil && l.Email == nil {
				t.Errorf("lead %s has neither phone nor email", l.ID)
			}
			if l.PhoneE164 != nil {
				if phones[*l.PhoneE164] {
					t.Errorf("phone %s repeats", *l.PhoneE164)
				}
				phones[*l.PhoneE164] = true
			}
			if l.Email != nil {
				if emails[*l.Email] {
					t.Errorf("email %s repeats", *l.Email)
				}
				emails[*l.Email] = true
			}
		}
	})

	t.Run("interactions are oldest first and within working hours", func(t *testing.T) {
		ist := time.FixedZone("IST", 5*3600+1800)
		outOfHours := 0
		for i, it := range ds.Interactions {
			if h := it.OccurredAt.In(ist).Hour(); h < 9 || h >= 20 {
				outOfHours++
			}
			if i > 0 && ds.Interactions[i-1].LeadID == it.LeadID && !it.OccurredAt.After(ds.Interactions[i-1].OccurredAt) {
				t.Errorf("interactions of lead %s are not strictly oldest first", it.LeadID)
			}
		}
		// Only leads created today (or late yesterday) may need an odd hour.
		if outOfHours > len(ds.Interactions)/50 {
			t.Errorf("%d of %d interactions happen outside 9:00-20:00 IST", outOfHours, len(ds.Interactions))
		}
	})
}

func leadIDs(ds seed.Dataset) []uuid.UUID {
	out := make([]uuid.UUID, len(ds.Leads))
	for i, l := range ds.Leads {
		out[i] = l.ID
	}
	return out
}
