package db_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
)

// BenchmarkAnalyticsLarge times both reports over a 90-day range on a large
// data set (crm seed --leads 1000000 --interactions 5000000). It runs only
// with CRM_BENCH_LARGE=1 and CRM_BENCH_DATABASE_URL pointing at that data,
// and reports p50/p95 milliseconds per report. With CRM_BENCH_EXPLAIN=1 it
// also logs EXPLAIN (ANALYZE, BUFFERS) of every query of each report.
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
	// A telecaller's own report reads their leads: take the busiest one.
	var busiest uuid.UUID
	if err := bdb.NewRaw("SELECT assigned_to FROM leads WHERE assigned_to IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").Scan(ctx, &busiest); err != nil {
		b.Fatal(err)
	}
	own := db.AnalyticsScope{Scope: db.LeadScope{AssignedTo: &busiest}}
	reports := []struct {
		name string
		run  func() error
	}{
		{"leadAnalytics", func() error { _, err := db.FindLeadAnalytics(ctx, bdb, db.AnalyticsScope{}, rg); return err }},
		{"leadAnalyticsOneTelecaller", func() error { _, err := db.FindLeadAnalytics(ctx, bdb, own, rg); return err }},
		{"telecallerPerformance", func() error { _, err := db.FindTelecallerPerformance(ctx, bdb, nil, rg); return err }},
	}
	for _, rp := range reports {
		if os.Getenv("CRM_BENCH_EXPLAIN") == "1" {
			explain(b, ctx, bdb, rp.name, rp.run)
		}
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

// queryLog records the SQL bun sends.
type queryLog struct{ queries []string }

func (q *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (q *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.HasPrefix(strings.TrimSpace(e.Query), "SELECT") || strings.HasPrefix(strings.TrimSpace(e.Query), "WITH") {
		q.queries = append(q.queries, e.Query)
	}
}

// explain runs a report once on a connection of its own with a query log,
// then logs the plan of each SELECT it sent.
func explain(b *testing.B, ctx context.Context, bdb *bun.DB, name string, run func() error) {
	log := &queryLog{}
	bdb.AddQueryHook(log)
	if err := run(); err != nil {
		b.Fatal(err)
	}
	bdb.ResetQueryHooks()
	for _, q := range log.queries {
		var plan []string
		err := bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"); err != nil {
				return err
			}
			return tx.NewRaw("EXPLAIN (ANALYZE, BUFFERS) "+q).Scan(ctx, &plan)
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s:\n%s\n%s", name, q, strings.Join(plan, "\n"))
	}
}
