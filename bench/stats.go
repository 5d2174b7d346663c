// Package bench is the load harness: it drives workloads against a running
// API server and the same SQL issued straight to Postgres through a pgx
// pool, at the same concurrency, and reports throughput, latency
// percentiles, errors and the server process's CPU and memory.
package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value such that at least p% of the
// samples are less than or equal to it. It returns 0 for no samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Latency summarises a set of request durations.
type Latency struct {
	P50  time.Duration
	P95  time.Duration
	P99  time.Duration
	Max  time.Duration
	Mean time.Duration
}

// Summarise sorts samples in place and returns their percentiles.
func Summarise(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	return Latency{
		P50:  Percentile(samples, 50),
		P95:  Percentile(samples, 95),
		P99:  Percentile(samples, 99),
		Max:  samples[len(samples)-1],
		Mean: sum / time.Duration(len(samples)),
	}
}
