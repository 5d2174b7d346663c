package ratelimit

import (
	"context"
	"errors"
	"time"

	"github.com/telecaller-crm/api/apperr"
)

// errCooldown stands for the Redis error while requests skip Redis.
var errCooldown = errors.New("redis call skipped: cooling down after a failure")

// logEvery is the shortest gap between two logs of Redis failures.
const logEvery = time.Minute

// coolingDown reports whether a recent Redis failure says to skip Redis.
func (l *Limiter) coolingDown() bool {
	return l.cfg.Cooldown > 0 && l.cfg.Now().UnixNano() < l.downUntil.Load()
}

// startCooldown makes requests skip Redis for Cooldown after a failed call.
func (l *Limiter) startCooldown() {
	if l.cfg.Cooldown > 0 {
		l.downUntil.Store(l.cfg.Now().Add(l.cfg.Cooldown).UnixNano())
	}
}

// unavailable is the decision when Redis could not be asked: serve without
// headers when failing open, else SERVICE_UNAVAILABLE. It counts the failure,
// starts a cooldown, and logs at most once per logEvery.
func (l *Limiter) unavailable(ctx context.Context, err error) decision {
	now := l.cfg.Now()
	l.stats.redisErrors.Add(1)
	if !errors.Is(err, errCooldown) {
		l.startCooldown()
	}
	var d decision
	if l.cfg.FailOpen {
		l.stats.failedOpen.Add(1)
	} else {
		l.stats.failedClosed.Add(1)
		d.err = apperr.Wrap(err, apperr.ServiceUnavailable, "The service is briefly unavailable. Please try again shortly.")
	}
	last := l.loggedAt.Load()
	if now.UnixNano()-last >= int64(logEvery) && l.loggedAt.CompareAndSwap(last, now.UnixNano()) {
		s := l.Stats()
		l.logger.ErrorContext(ctx, "ratelimit: Redis unavailable",
			"fail_open", l.cfg.FailOpen, "err", err,
			"redis_errors_total", s.RedisErrors, "served_unlimited_total", s.FailedOpen, "rejected_total", s.FailedClosed,
			"request_id", apperr.RequestID(ctx))
	}
	return d
}
