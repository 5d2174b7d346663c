package ratelimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

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
