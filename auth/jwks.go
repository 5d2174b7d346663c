package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// asymmetricAlgs are the algorithms accepted from the JWKS. HS256 is never
// among them: a JWKS key must not verify a symmetric token.
var asymmetricAlgs = []string{"ES256", "RS256", "EdDSA"}

var errUnknownKey = errors.New("auth: no JWKS key fits the token")

const (
	// Supabase caches its JWKS for 10 minutes and asks apps not to cache
	// it longer.
	jwksRefreshEvery = 10 * time.Minute
	// jwksTimeout bounds one fetch. jwkset also uses it as the longest wait
	// for the unknown-kid rate limiter, and the fetch shares that deadline.
	jwksTimeout = 10 * time.Second
	// unknownKIDEvery is how often a token with an unknown kid may trigger
	// a refetch.
	unknownKIDEvery = 5 * time.Minute
	// readyProbeEvery is how often Ready may refetch while unhealthy.
	readyProbeEvery = time.Second
)

// jwksCache holds the project's public keys and the health of their fetches.
type jwksCache struct {
	url      string
	client   *http.Client
	needKeys bool // no HS256 secret, so an empty set verifies nothing
	log      *slog.Logger
	kf       keyfunc.Keyfunc
	store    trackingStore

	mu       sync.Mutex
	loaded   bool
	keys     int
	lastErr  error // the last fetch's error; nil once a fetch succeeds
	probedAt time.Time
}

// trackingStore is the JWKS memory storage; it tells the cache about every
// successful fetch, which jwkset ends with KeyReplaceAll.
type trackingStore struct {
	*jwkset.MemoryJWKSet
	c *jwksCache
}

// KeyReplaceAll replaces the keys and records a successful fetch.
func (s trackingStore) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	if err := s.MemoryJWKSet.KeyReplaceAll(ctx, given); err != nil {
		return err
	}
	s.c.mu.Lock()
	s.c.loaded, s.c.keys, s.c.lastErr = true, len(given), nil
	s.c.mu.Unlock()
	return nil
}

// newJWKSCache fetches the JWKS once and refreshes it every 10 minutes and on
// an unknown kid until ctx ends. A failed first fetch is logged, not returned.
func newJWKSCache(ctx context.Context, url string, client *http.Client, needKeys bool, log *slog.Logger) (*jwksCache, error) {
	if client == nil {
		client = http.DefaultClient
	}
	c := &jwksCache{url: url, client: client, needKeys: needKeys, log: log}
	c.store = trackingStore{MemoryJWKSet: jwkset.NewMemoryStorage(), c: c}
	remote, err := jwkset.NewStorageFromHTTP(url, jwkset.HTTPClientStorageOptions{
		Client:                    client,
		Ctx:                       ctx,
		HTTPTimeout:               jwksTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       c.failed,
		RefreshInterval:           jwksRefreshEvery,
		Storage:                   c.store,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS URL %q: %w", url, err)
	}
	storage, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{url: remote},
		RateLimitWaitMax:  jwksTimeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownKIDEvery), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS client: %w", err)
	}
	c.kf, err = keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: storage})
	if err != nil {
		return nil, fmt.Errorf("auth: keyfunc: %w", err)
	}
	return c, nil
}

// failed records and logs a failed fetch; jwkset calls it as the refresh
// error handler.
func (c *jwksCache) failed(ctx context.Context, err error) {
	c.log.WarnContext(ctx, "auth: JWKS fetch failed", "url", c.url, "error", err)
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
}

// key returns the public key that verifies t, whose alg is asymmetric.
func (c *jwksCache) key(ctx context.Context, t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if raw, ok := t.Header[jwkset.HeaderKID]; ok {
		kid, _ := raw.(string)
		if kid == "" {
			return nil, fmt.Errorf("%w: kid is empty or not a string", errUnknownKey)
		}
		// keyfunc refetches the JWKS on an unknown kid (rate limited) and
		// checks the JWK's own alg against the token's.
		k, err := c.kf.KeyfuncCtx(ctx)(t)
		if err != nil {
			return nil, errors.Join(errUnknownKey, err)
		}
		if !keyFits(alg, k) {
			return nil, fmt.Errorf("%w: key %q does not fit %s", errUnknownKey, kid, alg)
		}
		return k, nil
	}
	// Without a kid keyfunc/v3 hands jwt every key in the set, whatever its
	// type or alg. We only accept a token without kid when exactly one key
	// can verify its alg.
	all, err := c.kf.Storage().KeyReadAll(ctx)
	if err != nil {
		return nil, errors.Join(errUnknownKey, err)
	}
	var fits []any
	for _, j := range all {
		m := j.Marshal()
		if (m.ALG != "" && m.ALG.String() != alg) || m.USE == jwkset.UseEnc {
			continue
		}
		if k := publicKey(j.Key()); keyFits(alg, k) {
			fits = append(fits, k)
		}
	}
	if len(fits) != 1 {
		return nil, fmt.Errorf("%w: token has no kid and %d keys fit %s", errUnknownKey, len(fits), alg)
	}
	return fits[0], nil
}

// publicKey returns the public half of k when k is a private key. jwkset
// parses fetched keys with private material enabled.
func publicKey(k any) any {
	if p, ok := k.(interface{ Public() crypto.PublicKey }); ok {
		return p.Public()
	}
	return k
}

// keyFits reports whether k is a public key of the type alg needs. It keeps
// symmetric ("oct") JWKS entries away from every algorithm.
func keyFits(alg string, k any) bool {
	switch alg {
	case "ES256":
		pk, ok := k.(*ecdsa.PublicKey)
		return ok && pk.Curve == elliptic.P256()
	case "RS256":
		pk, ok := k.(*rsa.PublicKey)
		return ok && pk.N.BitLen() >= 2048
	case "EdDSA":
		_, ok := k.(ed25519.PublicKey)
		return ok
	}
	return false
}

// ready returns nil when the last fetch succeeded and, without an HS256
// secret, loaded at least one key. While unhealthy it refetches, at most
// once every readyProbeEvery.
func (c *jwksCache) ready(ctx context.Context) error {
	if err := c.status(); err == nil {
		return nil
	}
	c.mu.Lock()
	due := time.Since(c.probedAt) >= readyProbeEvery
	if due {
		c.probedAt = time.Now()
	}
	c.mu.Unlock()
	if due {
		c.probe(ctx)
	}
	return c.status()
}

// probe fetches the JWKS once into the cache's storage. Without a refresh
// interval jwkset starts no goroutine.
func (c *jwksCache) probe(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, jwksTimeout)
	defer cancel()
	_, err := jwkset.NewStorageFromHTTP(c.url, jwkset.HTTPClientStorageOptions{
		Client:      c.client,
		Ctx:         ctx,
		HTTPTimeout: jwksTimeout,
		Storage:     c.store,
	})
	if err != nil {
		c.failed(ctx, err)
	}
}

func (c *jwksCache) status() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.lastErr != nil:
		return fmt.Errorf("auth: JWKS fetch from %s failed: %w", c.url, c.lastErr)
	case !c.loaded:
		return fmt.Errorf("auth: JWKS from %s not loaded yet", c.url)
	case c.needKeys && c.keys == 0:
		return fmt.Errorf("auth: JWKS at %s has no usable keys", c.url)
	}
	return nil
}
