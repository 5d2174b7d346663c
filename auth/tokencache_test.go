package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/telecaller-crm/api/auth"
)

// clock is a settable time source for the verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func hs256(t *testing.T, c jwt.MapClaims) string {
	return signWith(t, jwt.SigningMethodHS256, testSecret, "", c)
}

func TestTokenCacheHonoursExpiry(t *testing.T) {
	t.Parallel()
	start := time.Now().Truncate(time.Second)
	clk := &clock{t: start}
	v := newVerifier(t, auth.Config{Secret: testSecret, Leeway: time.Millisecond, Now: clk.now})
	ctx := context.Background()
	tok := hs256(t, with(userClaims(""), "exp", start.Add(10*time.Second).Unix()))

	first, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	if v.CachedTokens() != 1 {
		t.Fatalf("cached %d tokens after one verification, want 1", v.CachedTokens())
	}
	first.Role = auth.RoleAdmin // a caller changing its copy must not change the cache
	again, err := v.Verify(ctx, tok)
	if err != nil || again.Role != auth.RoleManager {
		t.Fatalf("cached token: %+v, %v; want the manager again", again, err)
	}
	clk.set(start.Add(11 * time.Second))
	_, err = v.Verify(ctx, tok)
	wantRejected(t, err, "The token has expired.")
}

func TestTokenCacheTrustsAtMostAMinute(t *testing.T) {
	t.Parallel()
	start := time.Now()
	clk := &clock{t: start}
	v := newVerifier(t, auth.Config{Secret: testSecret, Now: clk.now})
	tok := hs256(t, userClaims("")) // valid for an hour
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	// After a minute the entry is stale: the token is verified again (and
	// still passes), which the cache shows as a refreshed entry.
	clk.set(start.Add(61 * time.Second))
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("a valid token after the cache minute: %v", err)
	}
	if v.CachedTokens() != 1 {
		t.Errorf("cached %d tokens, want the one refreshed entry", v.CachedTokens())
	}
}

func TestTokenCacheNeverServesAnotherToken(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	ctx := context.Background()
	claims := userClaims("")
	tok := hs256(t, claims)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token, wantMsg string
	}{
		{"same claims, other signature", tok[:len(tok)-2] + flip(tok[len(tok)-2:]), "The token signature is invalid."},
		{"cached signature on changed claims", signWith(t, jwt.SigningMethodHS256, []byte("another secret of at least 32 bytes!!"), "", with(claims, "app_metadata", map[string]any{"role": "admin"})), "The token signature is invalid."},
		{"expired twin of a cached token", hs256(t, with(claims, "exp", time.Now().Add(-time.Hour).Unix())), "The token has expired."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // a rejection is never remembered either
				_, err := v.Verify(ctx, tt.token)
				wantRejected(t, err, tt.wantMsg)
			}
		})
	}
	if n := v.CachedTokens(); n != 1 {
		t.Errorf("cached %d tokens, want only the valid one", n)
	}
}

// flip changes a base64url tail so the signature no longer matches.
func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestTokenCacheIsBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int
		want int
	}{
		{"bounded at its size", 3, 3},
		{"off when negative", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, auth.Config{Secret: testSecret, CacheSize: tt.size})
			for range 10 {
				if _, err := v.Verify(context.Background(), hs256(t, userClaims(""))); err != nil {
					t.Fatal(err)
				}
			}
			if n := v.CachedTokens(); n != tt.want {
				t.Errorf("cached %d tokens after 10, want %d", n, tt.want)
			}
		})
	}
}

func TestTokenCacheAnonKey(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, auth.Config{Secret: testSecret})
	anon := hs256(t, jwt.MapClaims{"role": "anon", "iss": "supabase", "exp": time.Now().Add(time.Hour).Unix()})
	for i := range 2 {
		p, err := v.Verify(context.Background(), anon)
		if p != nil || err != nil {
			t.Fatalf("anon key, call %d: %+v, %v; want an anonymous caller", i+1, p, err)
		}
	}
}

// BenchmarkVerify compares a repeat token served from the cache with full
// verification (HS256 signature plus claims decoding).
func BenchmarkVerify(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: testSecret, CacheSize: bc.size, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			tok := signWith(b, jwt.SigningMethodHS256, testSecret, "", userClaims(""))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(context.Background(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
