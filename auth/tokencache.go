package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Defaults of the verified-token cache.
const (
	defaultCacheSize = 10000
	// maxCacheTTL bounds how long a verified token is trusted without
	// checking it again, so a key withdrawn from the JWKS stops working
	// within it even for tokens already seen.
	maxCacheTTL = time.Minute
)

// tokenCache remembers tokens that passed verification, keyed by the
// SHA-256 of the whole token, until their exp (at most maxCacheTTL). A
// token that differs in any byte, signature included, is a different key,
// so nothing can be borrowed from a cached token. It holds at most max
// entries; a nil *tokenCache caches nothing.
type tokenCache struct {
	mu      sync.RWMutex
	max     int
	entries map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	p     *Principal // nil for Supabase's anon key
	until time.Time
}

func newTokenCache(size int) *tokenCache {
	if size < 0 {
		return nil
	}
	if size == 0 {
		size = defaultCacheSize
	}
	return &tokenCache{max: size, entries: make(map[[sha256.Size]byte]cachedToken)}
}

func tokenKey(raw string) [sha256.Size]byte { return sha256.Sum256([]byte(raw)) }

// get returns a copy of the cached principal while the entry is fresh.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (*Principal, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	if e.p == nil {
		return nil, true
	}
	p := *e.p
	return &p, true
}

// put remembers p for key until exp, or maxCacheTTL from now if sooner.
// When full it first drops expired entries, then arbitrary ones.
func (c *tokenCache) put(key [sha256.Size]byte, p *Principal, exp, now time.Time) {
	if c == nil {
		return
	}
	until := now.Add(maxCacheTTL)
	if exp.Before(until) {
		until = exp
	}
	if !now.Before(until) {
		return
	}
	var stored *Principal
	if p != nil {
		cp := *p
		stored = &cp
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cachedToken{p: stored, until: until}
}

// len is the number of entries, fresh or not.
func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
