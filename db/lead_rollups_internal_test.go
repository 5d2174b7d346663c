package db

import (
	"testing"
	"time"
)

// TestRollupPieces checks that the pieces of a range cover it exactly, in
// order, each on its own grain's marks and as wide as it can be.
func TestRollupPieces(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		lo, hi   string
		wantMins []int
	}{
		{"one slot", "2026-03-10T10:15:00Z", "2026-03-10T10:30:00Z", []int{15}},
		{"slots around an hour", "2026-03-10T09:45:00Z", "2026-03-10T11:15:00Z", []int{15, 60, 15}},
		{"a Kolkata day", "2026-03-09T18:30:00Z", "2026-03-10T18:30:00Z", []int{15, 60, 15}},
		{"whole UTC days", "2026-03-10T00:00:00Z", "2026-03-12T00:00:00Z", []int{1440}},
		{"a Monday-to-Monday week and some", "2026-03-08T23:45:00Z", "2026-03-17T01:00:00Z", []int{15, 10080, 1440, 60}},
		{"empty", "2026-03-10T10:15:00Z", "2026-03-10T10:15:00Z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p rollupPieces
			lo, hi := at(tt.lo), at(tt.hi)
			p.add(7, lo, hi)
			var mins []int
			next := lo
			for i := range p.minutes {
				width := time.Duration(p.minutes[i]) * time.Minute
				if p.group[i] != 7 || !p.lo[i].Equal(next) || !p.lo[i].Before(p.hi[i]) {
					t.Fatalf("piece %d [%s, %s) does not continue at %s", i, p.lo[i], p.hi[i], next)
				}
				if !p.lo[i].Truncate(width).Equal(p.lo[i]) || !p.hi[i].Truncate(width).Equal(p.hi[i]) {
					t.Errorf("piece %d [%s, %s) is off its %s marks", i, p.lo[i], p.hi[i], width)
				}
				if len(mins) == 0 || mins[len(mins)-1] != p.minutes[i] {
					mins = append(mins, p.minutes[i])
				}
				next = p.hi[i]
			}
			if len(p.minutes) > 0 && !next.Equal(hi) {
				t.Errorf("pieces end at %s, want %s", next, hi)
			}
			if len(mins) != len(tt.wantMins) {
				t.Fatalf("grains %v, want %v", mins, tt.wantMins)
			}
			for i := range mins {
				if mins[i] != tt.wantMins[i] {
					t.Fatalf("grains %v, want %v", mins, tt.wantMins)
				}
			}
		})
	}
}
