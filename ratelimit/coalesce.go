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
// finds no call in flight is sent at once.

// batchKey is what a batch charges: one limit on one key.
type batchKey struct {
	key   string
	limit redis_rate.Limit
}

// waiter is one request in a batch.
type waiter struct {
	ctx  context.Context
	done chan struct{} // closed once res and err are set
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

// chargeCoalesced charges one request against lim on key, in the key's next
// batch. When ctx ends first it returns ctx's error (the batch may still
// charge the request if its call was already sent).
func (l *Limiter) chargeCoalesced(ctx context.Context, key string, lim redis_rate.Limit) (Result, error) {
	w := &waiter{ctx: ctx, done: make(chan struct{})}
	bk := batchKey{key, lim}
	l.batches.mu.Lock()
	next, inFlight := l.batches.next[bk]
	if inFlight {
		l.batches.next[bk] = append(next, w)
	} else {
		l.batches.next[bk] = nil
	}
	l.batches.mu.Unlock()
	if !inFlight {
		go l.sendBatches(bk, []*waiter{w})
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

// sendBatches charges batch, then each batch that gathered while the call
// before it was in flight, until none did. The key's entry is removed before
// the last batch's requests learn their results.
func (l *Limiter) sendBatches(bk batchKey, batch []*waiter) {
	for len(batch) > 0 {
		l.sendBatch(bk, batch)
		l.batches.mu.Lock()
		next := l.batches.next[bk]
		if len(next) == 0 {
			delete(l.batches.next, bk)
		} else {
			l.batches.next[bk] = nil
		}
		l.batches.mu.Unlock()
		for _, w := range batch {
			close(w.done)
		}
		batch = next
	}
}

// sendBatch charges a batch in one Redis call, which no single request's
// context can cancel, and sets each request's outcome. Requests whose callers
// hung up before the call are not charged. A failed call fails them all.
func (l *Limiter) sendBatch(bk batchKey, batch []*waiter) {
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
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), l.cfg.Timeout)
	defer cancel()
	res, err := l.rr.AllowAtMost(ctx, bk.key, bk.limit, len(live))
	if err != nil {
		l.startCooldown()
		fail(fmt.Errorf("redis_rate allow %d on %s: %w", len(live), bk.key, err))
		return
	}
	for n, w := range live {
		w.res = resultInBatch(res, n)
	}
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
