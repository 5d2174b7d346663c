package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/ratelimit"
)

// BenchmarkMiddleware measures the limiter's cost per request against a real
// Redis: a bare handler, the same handler behind the middleware on the
// one-limit path (redis_rate) and on the two-limit bulk path (the multi-key
// script), serially (latency) and in parallel (throughput).
func BenchmarkMiddleware(b *testing.B) {
	rdb := redisClient(b)
	l := newLimiter(b, rdb, func(c *ratelimit.Config) {
		c.AuthPerHour = 1 << 30 // never deny: measure the allowed path
		c.BulkPerMinute = 1 << 30
	})
	user := asUser(uuid.New())
	cases := []struct {
		name string
		h    http.Handler
		r    *http.Request
	}{
		{"bare", noContent, req(http.MethodGet, "/api/leads", user)},
		{"limited", l.Middleware(noContent), req(http.MethodGet, "/api/leads", user)},
		{"limited-bulk", l.Middleware(noContent), req(http.MethodPost, "/api/leads/bulk", user)},
	}
	// The Redis call alone, for how much of "limited" is the round trip.
	rr := redis_rate.NewLimiter(rdb)
	key := uniquePrefix(b, rdb) + "alone"
	b.Run("redis_rate-Allow-alone", func(b *testing.B) {
		for b.Loop() {
			if _, err := rr.Allow(context.Background(), key, redis_rate.PerHour(1<<30)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), c.r)
			}
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.h.ServeHTTP(httptest.NewRecorder(), c.r)
				}
			})
		})
	}
}

// BenchmarkOneKey is one user's requests, from one client after another
// (latency: no batch ever forms) and from 50 clients at once (a manager's
// dashboard under load): charged in batches per key, and, for comparison,
// each with a Redis call of its own as before batching. It reports the Redis
// commands per request, and the CPU time this process (limiter, Redis client,
// handler, the benchmark itself; not redis-server) spent per request.
func BenchmarkOneKey(b *testing.B) {
	for _, clients := range []int{1, 50} {
		for _, alone := range []bool{false, true} {
			name := fmt.Sprintf("clients=%d/batched", clients)
			if alone {
				name = fmt.Sprintf("clients=%d/call-each", clients)
			}
			b.Run(name, func(b *testing.B) { benchmarkOneKey(b, clients, alone) })
		}
	}
}

func benchmarkOneKey(b *testing.B, clients int, alone bool) {
	rdb := clientFor(b, redisClient(b).Options().Addr)
	trips := &roundTrips{}
	rdb.AddHook(trips)
	l := newLimiter(b, rdb, func(c *ratelimit.Config) { c.AuthPerHour = 1 << 30 })
	if alone {
		ratelimit.ChargeAlone(l)
	}
	h := l.Middleware(noContent)
	r := req(http.MethodGet, "/api/leads", asUser(uuid.New()))
	serveOK := func() bool {
		rec := serve(h, r)
		if rec.Code != http.StatusNoContent {
			b.Errorf("status %d, body %s", rec.Code, rec.Body)
		}
		return rec.Code == http.StatusNoContent
	}
	serveOK() // loads the script
	b.ReportAllocs()
	before, cpuBefore := trips.n.Load(), cpuTime(b)
	if clients == 1 {
		for b.Loop() {
			if !serveOK() {
				return
			}
		}
	} else {
		b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() && serveOK() {
			}
		})
	}
	b.ReportMetric(float64(trips.n.Load()-before)/float64(b.N), "redis-calls/op")
	b.ReportMetric(float64(cpuTime(b)-cpuBefore)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
