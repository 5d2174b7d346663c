package ratelimit

// ChargeAlone makes l charge every request with a Redis call of its own, as
// it did before requests on one key were batched.
func ChargeAlone(l *Limiter) { l.batches.off = true }

// Waiting is how many requests wait for a key's next batch, over all keys.
func Waiting(l *Limiter) int {
	l.batches.mu.Lock()
	defer l.batches.mu.Unlock()
	n := 0
	for _, next := range l.batches.next {
		n += len(next)
	}
	return n
}

// KeysInFlight is how many keys have a call in flight.
func KeysInFlight(l *Limiter) int {
	l.batches.mu.Lock()
	defer l.batches.mu.Unlock()
	return len(l.batches.next)
}
