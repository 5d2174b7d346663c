package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telecaller-crm/api/db"
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
	// LogFlushInterval batches log lines, written at least this often;
	// 0 writes each line at once.
	LogFlushInterval time.Duration
	// JWTCacheSize bounds the verified tokens remembered; 0 turns the
	// cache off.
	JWTCacheSize int
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
	// RateLimitTimeout bounds each Redis call of the rate limiter; past it
	// the request is served or refused as RateLimitFailOpen says.
	RateLimitTimeout     time.Duration
	GraphQLMaxDepth      int
	GraphQLMaxComplexity int
	DBMaxConns           int
	// LeadCountExactLimit bounds exact lead list totals; above it totals
	// are the planner's estimate, flagged as such. 0 always counts exactly.
	LeadCountExactLimit int
	// PprofAddr, when set, serves net/http/pprof on this loopback address.
	PprofAddr          string
	DBStatementTimeout time.Duration
	ShutdownTimeout    time.Duration
	ReadHeaderTimeout  time.Duration
	RequestTimeout     time.Duration
	ImportTimeout      time.Duration

	// The call queue: local calling hours [start, end) as offsets from
	// midnight, the built-in retry gap after unanswered calls, the zone of
	// leads whose zone is unknown, and whether unassigned leads are claimed.
	CallingHoursStart    time.Duration
	CallingHoursEnd      time.Duration
	QueueRetryGap        time.Duration
	QueueDefaultTimeZone string
	QueueClaimUnassigned bool

	// Webhooks: whether this instance runs a dispatcher, whether http://
	// URLs and non-public receiver addresses are allowed (development), and
	// the delivery tuning.
	WebhooksEnabled     bool
	WebhookAllowHTTP    bool
	WebhookAllowPrivate bool
	WebhookTimeout      time.Duration
	WebhookMaxAttempts  int
	WebhookBackoffBase  time.Duration
	WebhookBackoffMax   time.Duration
	WebhookPollInterval time.Duration
	// BodyReadTimeout bounds reading a request body (except a CSV import's),
	// so clients that drip bytes are cut off early.
	BodyReadTimeout time.Duration
	// CORSAllowedOrigins are the browser origins that may call the API
	// ("*": any, without credentials); empty turns CORS off.
	CORSAllowedOrigins   []string
	CORSAllowCredentials bool
	// RollupCompactInterval is how often crm serve moves the lead writes'
	// appended changes into the lead report's rollup (0 turns it off).
	RollupCompactInterval time.Duration
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
		HTTPAddr:              p.str("HTTP_ADDR", ":8080"),
		DatabaseURL:           p.str("DATABASE_URL", ""),
		RedisURL:              p.str("REDIS_URL", ""),
		RedisCluster:          p.bool("REDIS_CLUSTER", false),
		JWTSecret:             p.str("SUPABASE_JWT_SECRET", ""),
		SupabaseURL:           strings.TrimRight(p.str("SUPABASE_URL", ""), "/"),
		JWTAudience:           p.str("JWT_AUDIENCE", "authenticated"),
		PhoneRegion:           strings.ToUpper(p.str("DEFAULT_PHONE_REGION", "IN")),
		LogLevel:              p.level("LOG_LEVEL", slog.LevelInfo),
		LogFlushInterval:      p.duration("LOG_FLUSH_INTERVAL", 100*time.Millisecond),
		JWTCacheSize:          p.int("JWT_CACHE_SIZE", 10000),
		MaxBodyBytes:          int64(p.int("MAX_BODY_BYTES", 1<<20)),
		BulkMaxBytes:          int64(p.int("BULK_MAX_BYTES", defaultBulkMaxBytes)),
		ImportMaxBytes:        int64(p.int("IMPORT_MAX_BYTES", defaultImportMaxBytes)),
		TrustedProxies:        p.prefixes("TRUSTED_PROXIES"),
		RateLimitEnabled:      p.bool("RATE_LIMIT_ENABLED", true),
		RateLimitAuthPerHour:  p.int("RATE_LIMIT_AUTH_PER_HOUR", 1000),
		RateLimitAnonPerHour:  p.int("RATE_LIMIT_ANON_PER_HOUR", 100),
		RateLimitBulkPerMin:   p.int("RATE_LIMIT_BULK_PER_MINUTE", 10),
		RateLimitFailOpen:     p.bool("RATE_LIMIT_FAIL_OPEN", true),
		RateLimitKeyPrefix:    p.str("RATE_LIMIT_KEY_PREFIX", "crm:"),
		RateLimitTimeout:      p.duration("RATE_LIMIT_TIMEOUT", 150*time.Millisecond),
		GraphQLMaxDepth:       p.int("GRAPHQL_MAX_DEPTH", 10),
		GraphQLMaxComplexity:  p.int("GRAPHQL_MAX_COMPLEXITY", 5000),
		DBMaxConns:            p.int("DB_MAX_CONNS", 20),
		LeadCountExactLimit:   p.int("LEAD_COUNT_EXACT_LIMIT", db.DefaultExactCountLimit),
		PprofAddr:             p.loopback("PPROF_ADDR"),
		DBStatementTimeout:    p.duration("DB_STATEMENT_TIMEOUT", 10*time.Second),
		ShutdownTimeout:       p.duration("SHUTDOWN_TIMEOUT", 20*time.Second),
		ReadHeaderTimeout:     p.duration("READ_HEADER_TIMEOUT", 5*time.Second),
		RequestTimeout:        p.duration("REQUEST_TIMEOUT", 30*time.Second),
		ImportTimeout:         p.duration("IMPORT_TIMEOUT", 15*time.Minute),
		CallingHoursStart:     p.clock("CALLING_HOURS_START", 9*time.Hour),
		CallingHoursEnd:       p.clock("CALLING_HOURS_END", 21*time.Hour),
		QueueRetryGap:         p.duration("QUEUE_RETRY_GAP", 2*time.Hour),
		QueueDefaultTimeZone:  p.str("QUEUE_DEFAULT_TIMEZONE", "UTC"),
		QueueClaimUnassigned:  p.bool("QUEUE_CLAIM_UNASSIGNED", true),
		WebhooksEnabled:       p.bool("WEBHOOKS_ENABLED", true),
		WebhookAllowHTTP:      p.bool("WEBHOOK_ALLOW_HTTP", false),
		WebhookAllowPrivate:   p.bool("WEBHOOK_ALLOW_PRIVATE", false),
		WebhookTimeout:        p.duration("WEBHOOK_TIMEOUT", 10*time.Second),
		WebhookMaxAttempts:    p.int("WEBHOOK_MAX_ATTEMPTS", 12),
		WebhookBackoffBase:    p.duration("WEBHOOK_BACKOFF_BASE", 10*time.Second),
		WebhookBackoffMax:     p.duration("WEBHOOK_BACKOFF_MAX", time.Hour),
		WebhookPollInterval:   p.duration("WEBHOOK_POLL_INTERVAL", time.Second),
		BodyReadTimeout:       p.duration("BODY_READ_TIMEOUT", 15*time.Second),
		CORSAllowedOrigins:    p.origins("CORS_ALLOWED_ORIGINS"),
		CORSAllowCredentials:  p.bool("CORS_ALLOW_CREDENTIALS", false),
		RollupCompactInterval: p.duration("ROLLUP_COMPACT_INTERVAL", 2*time.Second),
	}
	if c.CallingHoursStart >= c.CallingHoursEnd {
		p.fail("CALLING_HOURS_END", "must be after CALLING_HOURS_START")
	}
	if _, err := time.LoadLocation(c.QueueDefaultTimeZone); err != nil {
		p.fail("QUEUE_DEFAULT_TIMEZONE", "must be an IANA time zone")
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

// loopback reads a host:port that must be on a loopback interface, so
// profiles are never served to the network; empty means off.
func (p *envParser) loopback(key string) string {
	v := p.str(key, "")
	if v == "" {
		return ""
	}
	host, _, err := net.SplitHostPort(v)
	if err == nil && host != "localhost" {
		a, perr := netip.ParseAddr(host)
		if perr != nil || !a.IsLoopback() {
			err = errors.New("not loopback")
		}
	}
	if err != nil {
		p.fail(key, "must be a loopback host:port such as 127.0.0.1:6060")
		return ""
	}
	return v
}

// clock reads a local time of day, HH:MM (00:00 to 24:00), as an offset
// from midnight.
func (p *envParser) clock(key string, def time.Duration) time.Duration {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	h, m, ok := strings.Cut(v, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		p.fail(key, "must be a time of day such as 09:00")
		return def
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
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
