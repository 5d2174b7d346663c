// Package auth verifies Supabase access tokens (JWT) and puts the caller, a
// Principal, in the request context. It holds nothing else.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
)

const (
	defaultAudience = "authenticated"
	defaultLeeway   = 30 * time.Second
	// maxTokenBytes bounds the work done on a header before any crypto; real
	// Supabase tokens are around 1 KB.
	maxTokenBytes = 16 << 10
)

// Config configures a Verifier.
type Config struct {
	// Secret is the HS256 secret (SUPABASE_JWT_SECRET). It may be empty when
	// SupabaseURL is set.
	Secret []byte
	// SupabaseURL is the project URL, such as https://abc.supabase.co. When
	// set, asymmetric keys come from SupabaseURL + "/auth/v1/.well-known/jwks.json"
	// and every user token's issuer must equal SupabaseURL + "/auth/v1".
	SupabaseURL string
	// Audience is the required aud; "authenticated" when empty.
	Audience string
	// Leeway is the clock skew allowed on exp and nbf; 30s when zero.
	Leeway time.Duration
	// HTTPClient is used for JWKS fetches; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Logger receives JWKS failures (Warn) and token rejections (Debug);
	// slog.Default() when nil.
	Logger *slog.Logger
	// CacheSize bounds the tokens remembered after verification (until
	// their exp, at most a minute): 10,000 when zero, none when negative.
	CacheSize int
	// Now is the clock of the cache; time.Now when nil.
	Now func() time.Time
}

// Verifier checks Supabase access tokens. It is safe for concurrent use.
type Verifier struct {
	secret    []byte
	methods   []string
	parser    *jwt.Parser
	userCheck *jwt.Validator
	jwks      *jwksCache // nil when SupabaseURL is not set
	cache     *tokenCache
	now       func() time.Time
	log       *slog.Logger
	cancel    context.CancelFunc
}

// NewVerifier returns a Verifier for cfg. It returns an error if neither
// Secret nor SupabaseURL is set, or SupabaseURL is not an http(s) URL. With
// SupabaseURL it fetches the JWKS once (up to 10s) and keeps refreshing it in
// the background until Close, even after ctx ends; ctx only supplies values
// for logging. An unreachable JWKS URL is not an error: it is logged and
// reported by Ready.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	base := strings.TrimRight(cfg.SupabaseURL, "/")
	if len(cfg.Secret) == 0 && base == "" {
		return nil, errors.New("auth: neither a JWT secret nor a Supabase URL is configured")
	}
	if base != "" {
		if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("auth: Supabase URL %q is not an http(s) URL", cfg.SupabaseURL)
		}
	}
	aud := cfg.Audience
	if aud == "" {
		aud = defaultAudience
	}
	leeway := cfg.Leeway
	if leeway == 0 {
		leeway = defaultLeeway
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	v := &Verifier{secret: slices.Clone(cfg.Secret), log: log, cache: newTokenCache(cfg.CacheSize), now: now}
	if len(v.secret) > 0 {
		v.methods = append(v.methods, jwt.SigningMethodHS256.Alg())
	}
	userChecks := []jwt.ParserOption{jwt.WithLeeway(leeway), jwt.WithExpirationRequired(), jwt.WithAudience(aud), jwt.WithTimeFunc(now)}
	if base != "" {
		v.methods = append(v.methods, asymmetricAlgs...)
		userChecks = append(userChecks, jwt.WithIssuer(base+"/auth/v1"))
		bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
		jwks, err := newJWKSCache(bg, base+"/auth/v1/.well-known/jwks.json", cfg.HTTPClient, len(v.secret) == 0, log)
		if err != nil {
			cancel()
			return nil, err
		}
		v.jwks, v.cancel = jwks, cancel
	}
	// The parser checks the signature, exp and nbf of every token. Audience
	// and issuer are checked afterwards for user tokens only, because
	// Supabase's anon key has neither and must still be recognised.
	v.parser = jwt.NewParser(jwt.WithValidMethods(v.methods), jwt.WithExpirationRequired(), jwt.WithLeeway(leeway), jwt.WithTimeFunc(now))
	v.userCheck = jwt.NewValidator(userChecks...)
	return v, nil
}

// Close stops the background JWKS refresh. It is safe to call more than once.
func (v *Verifier) Close() {
	if v != nil && v.cancel != nil {
		v.cancel()
	}
}

// Ready reports whether the verifier can verify tokens: nil for an HS256-only
// verifier; for JWKS, an error while the last fetch failed or no key could be
// loaded yet. While unhealthy it retries the fetch, at most once a second.
func (v *Verifier) Ready(ctx context.Context) error {
	if v.jwks == nil {
		return nil
	}
	return v.jwks.ready(ctx)
}

// claims is the part of a Supabase access token the API reads.
type claims struct {
	jwt.RegisteredClaims
	Email        string         `json:"email"`
	Role         string         `json:"role"`
	AppMetadata  map[string]any `json:"app_metadata"`
	UserMetadata map[string]any `json:"user_metadata"`
}

// Verify checks a raw token and returns its principal. Supabase's anon key
// (role "anon") gives nil, nil: an anonymous caller, not an error. Returns
// UNAUTHORIZED with a one-sentence message for any other failure: expired, not
// yet valid, wrong audience or issuer, bad signature, unknown key,
// unsupported algorithm, malformed token, missing or non-UUID sub, or a
// service_role key. A token that passed is remembered (by its SHA-256)
// until its exp, at most a minute, so repeat requests skip the signature
// and claims work; failures are never remembered.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	if raw == "" || len(raw) > maxTokenBytes {
		return nil, v.reject(ctx, msgMalformed, errors.New("empty or oversized token"))
	}
	key := tokenKey(raw)
	if p, ok := v.cache.get(key, v.now()); ok {
		return p, nil
	}
	p, exp, err := v.verify(ctx, raw)
	if err == nil {
		v.cache.put(key, p, exp, v.now())
	}
	return p, err
}

// verify does the work of Verify and also returns the token's expiry.
func (v *Verifier) verify(ctx context.Context, raw string) (*Principal, time.Time, error) {
	var c claims
	tok, err := v.parser.ParseWithClaims(raw, &c, v.keyfunc(ctx))
	if err != nil {
		return nil, time.Time{}, v.reject(ctx, v.message(tok, err), err)
	}
	switch c.Role {
	case "anon":
		return nil, c.ExpiresAt.Time, nil
	case "service_role":
		return nil, time.Time{}, v.reject(ctx, "Service keys are not accepted.", errors.New("service_role token"))
	}
	if err := v.userCheck.Validate(&c); err != nil {
		return nil, time.Time{}, v.reject(ctx, v.message(tok, err), err)
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil || id == uuid.Nil {
		return nil, time.Time{}, v.reject(ctx, "The token does not name a valid user.", fmt.Errorf("sub is not a user id: %w", err))
	}
	return &Principal{
		UserID: id,
		Email:  c.Email,
		Name:   displayName(c.UserMetadata),
		Role:   parseRole(c.AppMetadata["role"]),
	}, c.ExpiresAt.Time, nil
}

// keyfunc picks the verification key by the token's alg, so that an HS256
// token is never checked against a public key from the JWKS (algorithm
// confusion) and a JWKS key is never used for HS256.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		alg := t.Method.Alg()
		switch {
		case alg == jwt.SigningMethodHS256.Alg() && len(v.secret) > 0:
			return v.secret, nil
		case slices.Contains(asymmetricAlgs, alg) && v.jwks != nil:
			return v.jwks.key(ctx, t)
		}
		return nil, errUnsupportedAlg
	}
}

func displayName(meta map[string]any) string {
	for _, k := range []string{"full_name", "name"} {
		if s, ok := meta[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

var errUnsupportedAlg = errors.New("auth: token algorithm not accepted")

const msgMalformed = "The token is malformed."

// message turns a parse or validation error into a sentence that is safe to
// show: it never contains token content or library error text.
func (v *Verifier) message(tok *jwt.Token, err error) string {
	if tok != nil && tok.Header != nil {
		if alg, _ := tok.Header["alg"].(string); !slices.Contains(v.methods, alg) {
			return "The token algorithm is not supported."
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return msgMalformed
	case errors.Is(err, errUnsupportedAlg):
		return "The token algorithm is not supported."
	case errors.Is(err, errUnknownKey):
		return "The token was signed with an unknown key."
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "The token signature is invalid."
	case errors.Is(err, jwt.ErrTokenExpired):
		return "The token has expired."
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "The token is not valid yet."
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "The token is not meant for this API."
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "The token was not issued by this project."
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "The token is missing a required claim."
	case errors.Is(err, jwt.ErrInvalidType):
		return msgMalformed
	}
	return "The token is invalid."
}

// reject logs the cause at Debug and returns the UNAUTHORIZED error for the
// caller, keeping the cause hidden in Err.
func (v *Verifier) reject(ctx context.Context, msg string, cause error) error {
	v.log.DebugContext(ctx, "auth: token rejected", "reason", msg, "error", cause)
	return apperr.Wrap(cause, apperr.Unauthorized, msg)
}
