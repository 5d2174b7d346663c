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
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.ListDB == nil {
		cfg.ListDB = idb
	}
	return &Resolver{DB: idb, Logger: logger, Settings: cfg}
}

func (r *Resolver) now() time.Time { return r.Settings.Now().UTC() }
