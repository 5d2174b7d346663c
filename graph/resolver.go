// Package graph is the application layer: the GraphQL resolvers, which hold
// validation, permissions and business rules. The REST layer calls the same
// resolver methods, so every rule lives here once.
package graph

//go:generate go tool gqlgen generate

import (
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Settings holds the application settings the resolvers need.
type Settings struct {
	// PhoneRegion is the ISO region for numbers written without a country
	// code (DEFAULT_PHONE_REGION), e.g. "IN".
	PhoneRegion string
	// Now is the clock; tests fix it. Defaults to time.Now.
	Now func() time.Time
	// ExactCountLimit bounds exact lead totals: above it totalCount is the
	// planner's estimate (LEAD_COUNT_EXACT_LIMIT). 0 always counts exactly.
	ExactCountLimit int
	// ListDB is the pool lead lists and their totals run on, with the
	// planner settings of db.ListPlannerParams; nil means the main pool.
	ListDB *bun.DB
	// Queue configures the call queue; zero fields take the defaults.
	Queue QueueSettings
	// WebhookAllowHTTP accepts http:// webhook URLs (local development).
	WebhookAllowHTTP bool
}

// QueueSettings configures the call queue (nextLead).
type QueueSettings struct {
	// CallingStart and CallingEnd bound the local calling hours as offsets
	// from midnight in the lead's time zone: [start, end). Default 09:00–21:00.
	CallingStart, CallingEnd time.Duration
	// RetryGap is the built-in retry time after NO_ANSWER, BUSY and
	// VOICEMAIL. Default 2h.
	RetryGap time.Duration
	// DefaultTimeZone is used for leads whose zone is unknown. Default UTC.
	DefaultTimeZone string
	// DisableClaims stops nextLead from handing out unassigned leads.
	DisableClaims bool
}

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	DB       *bun.DB
	Logger   *slog.Logger
	Settings Settings

	// seenUsers remembers the profile last written for each user id so that
	// a user row is written on first sight or change, not on every request.
	seenUsers sync.Map
}

// NewResolver builds the root resolver.
func NewResolver(idb *bun.DB, logger *slog.Logger, cfg Settings) *Resolver {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PhoneRegion == "" {
		cfg.PhoneRegion = "IN"
	}
	if cfg.Queue.CallingStart == 0 && cfg.Queue.CallingEnd == 0 {
		cfg.Queue.CallingStart, cfg.Queue.CallingEnd = 9*time.Hour, 21*time.Hour
	}
	if cfg.Queue.RetryGap == 0 {
		cfg.Queue.RetryGap = 2 * time.Hour
	}
	if cfg.Queue.DefaultTimeZone == "" {
		cfg.Queue.DefaultTimeZone = "UTC"
	}
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.ListDB == nil {
		cfg.ListDB = idb
	}
	return &Resolver{DB: idb, Logger: logger, Settings: cfg}
}

func (r *Resolver) now() time.Time { return r.Settings.Now().UTC() }
