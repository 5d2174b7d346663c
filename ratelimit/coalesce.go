package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Requests that spend one limit are charged in batches, as a database
// commits transactions in groups: per key at most one Redis call is in
// flight, and requests arriving meanwhile wait to go together in the key's
// next call, redis_rate's AllowAtMost for the whole batch. A request that
// finds no call in flight makes its call at once, itself, as if there were no
// batching; when it returns, a goroutine sends the batches that gathered
// behind it until none has.

// batchKey is what a batch charges: one limit on one key.
type batchKey struct {
	key   string
	limit redis_rate.Limit
}

// waiter is one request in a batch.
type waiter struct {
	ctx  context.Context
	done chan struct{} // closed once res and err are set; nil for the request sent at once
	res  Result
	err  error
}

// batches holds the next batch of every key with a call in flight; a key has
// an entry exactly while a call is in flight for it.
type batches struct {
	mu   sync.Mutex
	next map[batchKey][]*waiter
	// off charges every request with a call of its own (for benchmarks).
	off bool
}

// chargeCoalesced charges one request against lim on key: at once when no
// call is in flight for the key, else in its next batch. When ctx ends while
// the request waits, it returns ctx's error (and the request is not charged
// unless its batch was already sent).
func (l *Limiter) chargeCoalesced(ctx context.Context, key string, lim redis_rate.Limit) (Result, error) {
	w := &waiter{ctx: ctx}
	bk := batchKey{key, lim}
	l.batches.mu.Lock()
	next, inFlight := l.batches.next[bk]
	if inFlight {
		w.done = make(chan struct{})
		l.batches.next[bk] = append(next, w)
	} else {
		l.batches.next[bk] = nil
	}
	l.batches.mu.Unlock()

	if !inFlight {
		l.sendBatch(ctx, bk, []*waiter{w})
		if next := l.takeNextBatch(bk); len(next) > 0 {
			go l.sendBatches(bk, next)
		}
		return w.res, w.err
	}
	select {
	case <-w.done:
		return w.res, w.err
	case <-ctx.Done():
		select {
		case <-w.done:
			return w.res, w.err
		default:
			return Result{}, ctx.Err()
		}
	}
}

// takeNextBatch takes the requests waiting on bk once its call has returned;
// when there are none, nothing is in flight for bk any more.
func (l *Limiter) takeNextBatch(bk batchKey) []*waiter {
	l.batches.mu.Lock()
	defer l.batches.mu.Unlock()
	next := l.batches.next[bk]
	if len(next) == 0 {
		delete(l.batches.next, bk)
	} else {
		l.batches.next[bk] = nil
	}
	return next
}

// sendBatches sends batch, then each batch that gathered while the call
// before it was in flight, until none did. Their calls must not end with any
// one request's context: they run under the limiter's Timeout alone.
func (l *Limiter) sendBatches(bk batchKey, batch []*waiter) {
	for len(batch) > 0 {
		l.sendBatch(context.WithoutCancel(batch[0].ctx), bk, batch)
		next := l.takeNextBatch(bk)
		for _, w := range batch {
			close(w.done)
		}
		batch = next
	}
}

// sendBatch charges a batch in one Redis call under ctx and the limiter's
// Timeout, and sets each request's outcome. Requests whose callers hung up
// before the call are not charged. A failed call fails them all and, unless
// ctx ended, starts the cooldown.
func (l *Limiter) sendBatch(ctx context.Context, bk batchKey, batch []*waiter) {
	live := make([]*waiter, 0, len(batch))
	for _, w := range batch {
		if w.err = w.ctx.Err(); w.err == nil {
			live = append(live, w)
		}
	}
	if len(live) == 0 {
		return
	}
	fail := func(err error) {
		for _, w := range live {
			w.err = err
		}
	}
	// After a failed call, the requests that waited for it skip Redis as the
	// cooldown says, rather than wait for another timeout.
	if l.coolingDown() {
		fail(errCooldown)
		return
	}
	callCtx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	res, err := l.allowAtMost(callCtx, bk, len(live))
	if err != nil {
		if ctx.Err() == nil {
			l.startCooldown()
		}
		fail(fmt.Errorf("redis_rate allow %d on %s: %w", len(live), bk.key, err))
		return
	}
	for n, w := range live {
		w.res = resultInBatch(res, n)
	}
}

// allowAtMost is redis_rate's AllowAtMost with a panic (it asserts the types
// of Redis's reply) turned into an error: a batch's call runs in a goroutine
// of its own, outside the server's recovery, and has requests waiting on it.
func (l *Limiter) allowAtMost(ctx context.Context, bk batchKey, n int) (res *redis_rate.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("redis_rate: %v", p)
		}
	}()
	return l.rr.AllowAtMost(ctx, bk.key, bk.limit, n)
}

// resultInBatch is the Result of request n (from 0, in arrival order) of a
// batch that AllowAtMost charged: what charging the batch's requests one at a
// time in that order would have told it. The first res.Allowed are allowed;
// each was charged before the allowed ones after it, so its reset is one
// emission interval earlier per such request. The rest are denied. When
// AllowAtMost allows none, its retry and reset are those of a single denied
// request. When it allows some but not all, it reports no retry: the batch
// used up the budget, and a denied request waits until the reset falls to
// Burst-1 intervals.
//
// AllowAtMost allows the whole part of the requests the state has room for,
// but spends the fraction of a request left over too: a batch that exhausts
// the budget costs up to one interval more than the requests it allowed.
func resultInBatch(res *redis_rate.Result, n int) Result {
	lim := res.Limit
	interval := lim.Period / time.Duration(lim.Rate)
	switch {
	case n < res.Allowed:
		return result(lim, true, -1, res.ResetAfter-time.Duration(res.Allowed-1-n)*interval)
	case res.Allowed == 0:
		return result(lim, false, res.RetryAfter, res.ResetAfter)
	default:
		retry := res.ResetAfter - time.Duration(lim.Burst-1)*interval
		return result(lim, false, max(0, retry), res.ResetAfter)
	}
}
