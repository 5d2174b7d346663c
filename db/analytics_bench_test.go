package db_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
)

// BenchmarkAnalyticsLarge times both reports over a 90-day range on a large
// data set (crm seed --leads 1000000 --interactions 5000000). It runs only
// with CRM_BENCH_LARGE=1 and CRM_BENCH_DATABASE_URL pointing at that data,
// and reports p50/p95 milliseconds per report.
func BenchmarkAnalyticsLarge(b *testing.B) {
	dsn := os.Getenv("CRM_BENCH_DATABASE_URL")
	if os.Getenv("CRM_BENCH_LARGE") != "1" || dsn == "" {
		b.Skip("set CRM_BENCH_LARGE=1 and CRM_BENCH_DATABASE_URL to a seeded large database")
	}
	ctx := context.Background()
	bdb, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer bdb.Close()
	var newest time.Time
	if err := bdb.NewRaw("SELECT max(created_at) FROM leads").Scan(ctx, &newest); err != nil {
		b.Fatal(err)
	}
	rg := db.AnalyticsRange{From: newest.Add(-90 * 24 * time.Hour), To: newest, TimeZone: "Asia/Kolkata", Interval: db.IntervalDay, Now: newest}
	reports := []struct {
		name string
		run  func() error
	}{
		{"leadAnalytics", func() error { _, err := db.FindLeadAnalytics(ctx, bdb, db.AnalyticsScope{}, rg); return err }},
		{"telecallerPerformance", func() error { _, err := db.FindTelecallerPerformance(ctx, bdb, nil, rg); return err }},
	}
	for _, rp := range reports {
		b.Run(rp.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := rp.run(); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			pct := func(p float64) float64 {
				return float64(times[int(p*float64(len(times)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
		})
	}
}
