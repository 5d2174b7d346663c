package server

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration, read from the environment.
type Config struct {
	HTTPAddr     string
	DatabaseURL  string
	RedisURL     string
	RedisCluster bool
	JWTSecret    string
	SupabaseURL  string
	JWTAudience  string
	PhoneRegion  string
	LogLevel     slog.Level
	MaxBodyBytes int64
	// BulkMaxBytes and ImportMaxBytes replace MaxBodyBytes on POST
	// /api/leads/bulk (1000 leads with notes) and POST /api/leads/import
	// (a CSV file, spooled to disk rather than held in memory).
	BulkMaxBytes   int64
	ImportMaxBytes int64

	TrustedProxies       []netip.Prefix
	RateLimitEnabled     bool
	RateLimitAuthPerHour int
	RateLimitAnonPerHour int
	RateLimitBulkPerMin  int
	RateLimitFailOpen    bool
	RateLimitKeyPrefix   string
	GraphQLMaxDepth      int
	GraphQLMaxComplexity int
	DBMaxConns           int
	DBStatementTimeout   time.Duration
	ShutdownTimeout      time.Duration
	ReadHeaderTimeout    time.Duration
	RequestTimeout       time.Duration
	ImportTimeout        time.Duration
	// BodyReadTimeout bounds reading a request body (except a CSV import's),
	// so clients that drip bytes are cut off early.
	BodyReadTimeout time.Duration
	// CORSAllowedOrigins are the browser origins that may call the API
	// ("*": any, without credentials); empty turns CORS off.
	CORSAllowedOrigins   []string
	CORSAllowCredentials bool
}

// Default body caps of the bulk routes: 1000 leads of about 5 KB each, and a
// CSV of 50 MiB (some 250,000 rows).
const (
	defaultBulkMaxBytes   = 5 << 20
	defaultImportMaxBytes = 50 << 20
)

// LoadConfig reads the configuration through getenv (os.Getenv in main),
// applying the documented defaults. It reports every bad value at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	p := envParser{getenv: getenv}
	c := Config{
		HTTPAddr:             p.str("HTTP_ADDR", ":8080"),
		DatabaseURL:          p.str("DATABASE_URL", ""),
		RedisURL:             p.str("REDIS_URL", ""),
		RedisCluster:         p.bool("REDIS_CLUSTER", false),
		JWTSecret:            p.str("SUPABASE_JWT_SECRET", ""),
		SupabaseURL:          strings.TrimRight(p.str("SUPABASE_URL", ""), "/"),
		JWTAudience:          p.str("JWT_AUDIENCE", "authenticated"),
		PhoneRegion:          strings.ToUpper(p.str("DEFAULT_PHONE_REGION", "IN")),
		LogLevel:             p.level("LOG_LEVEL", slog.LevelInfo),
		MaxBodyBytes:         int64(p.int("MAX_BODY_BYTES", 1<<20)),
		BulkMaxBytes:         int64(p.int("BULK_MAX_BYTES", defaultBulkMaxBytes)),
		ImportMaxBytes:       int64(p.int("IMPORT_MAX_BYTES", defaultImportMaxBytes)),
		TrustedProxies:       p.prefixes("TRUSTED_PROXIES"),
		RateLimitEnabled:     p.bool("RATE_LIMIT_ENABLED", true),
		RateLimitAuthPerHour: p.int("RATE_LIMIT_AUTH_PER_HOUR", 1000),
		RateLimitAnonPerHour: p.int("RATE_LIMIT_ANON_PER_HOUR", 100),
		RateLimitBulkPerMin:  p.int("RATE_LIMIT_BULK_PER_MINUTE", 10),
		RateLimitFailOpen:    p.bool("RATE_LIMIT_FAIL_OPEN", true),
		RateLimitKeyPrefix:   p.str("RATE_LIMIT_KEY_PREFIX", "crm:"),
		GraphQLMaxDepth:      p.int("GRAPHQL_MAX_DEPTH", 10),
		GraphQLMaxComplexity: p.int("GRAPHQL_MAX_COMPLEXITY", 5000),
		DBMaxConns:           p.int("DB_MAX_CONNS", 20),
		DBStatementTimeout:   p.duration("DB_STATEMENT_TIMEOUT", 10*time.Second),
		ShutdownTimeout:      p.duration("SHUTDOWN_TIMEOUT", 20*time.Second),
		ReadHeaderTimeout:    p.duration("READ_HEADER_TIMEOUT", 5*time.Second),
		RequestTimeout:       p.duration("REQUEST_TIMEOUT", 30*time.Second),
		ImportTimeout:        p.duration("IMPORT_TIMEOUT", 15*time.Minute),
		BodyReadTimeout:      p.duration("BODY_READ_TIMEOUT", 15*time.Second),
		CORSAllowedOrigins:   p.origins("CORS_ALLOWED_ORIGINS"),
		CORSAllowCredentials: p.bool("CORS_ALLOW_CREDENTIALS", false),
	}
	if c.CORSAllowCredentials && slices.Contains(c.CORSAllowedOrigins, "*") {
		p.fail("CORS_ALLOW_CREDENTIALS", "cannot be true when CORS_ALLOWED_ORIGINS is *")
	}
	if c.DatabaseURL == "" {
		p.fail("DATABASE_URL", "is required")
	}
	if c.RedisURL == "" {
		p.fail("REDIS_URL", "is required")
	}
	if c.JWTSecret == "" && c.SupabaseURL == "" {
		p.fail("SUPABASE_JWT_SECRET", "or SUPABASE_URL is required")
	}
	if len(p.errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(p.errs, "; "))
	}
	return c, nil
}

type envParser struct {
	getenv func(string) string
	errs   []string
}

func (p *envParser) fail(key, msg string) { p.errs = append(p.errs, key+" "+msg) }

func (p *envParser) str(key, def string) string {
	if v := strings.TrimSpace(p.getenv(key)); v != "" {
		return v
	}
	return def
}

func (p *envParser) int(key string, def int) int {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.fail(key, "must be a non-negative whole number")
		return def
	}
	return n
}

func (p *envParser) bool(key string, def bool) bool {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, "must be true or false")
		return def
	}
	return b
}

func (p *envParser) duration(key string, def time.Duration) time.Duration {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.fail(key, "must be a duration such as 10s")
		return def
	}
	return d
}

func (p *envParser) level(key string, def slog.Level) slog.Level {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.fail(key, "must be debug, info, warn or error")
		return def
	}
	return l
}

func (p *envParser) prefixes(key string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range strings.Split(p.str(key, ""), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			if a, err := netip.ParseAddr(s); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
		}
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			p.fail(key, "must be a comma-separated list of IPs or CIDRs")
			continue
		}
		out = append(out, pr.Masked())
	}
	return out
}
