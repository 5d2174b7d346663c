// Package db is the persistence layer: bun models, embedded migrations and the
// queries over them. It knows SQL and nothing about HTTP or permissions.
package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Options tune the connection pool.
type Options struct {
	MaxOpenConns int
	// StatementTimeout bounds every statement on the server side so one slow
	// query cannot pin a connection; zero leaves the server default.
	StatementTimeout time.Duration
	// RuntimeParams are session settings for every connection (see
	// ListPlannerParams); the DSN's own settings win.
	RuntimeParams map[string]string
}

// Open connects to Postgres with a libpq-style URL or DSN and checks the
// connection. The caller closes the returned DB.
func Open(ctx context.Context, dsn string, opt Options) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if opt.StatementTimeout > 0 {
		cfg.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	}
	for k, v := range opt.RuntimeParams {
		if _, ok := cfg.RuntimeParams[k]; !ok {
			cfg.RuntimeParams[k] = v
		}
	}
	// bun sends finished SQL text, so pgx's default statement cache would
	// only keep every distinct (often huge, bulk) statement alive per
	// connection, on both sides. Execute without preparing instead.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	sqldb := stdlib.OpenDB(*cfg)
	if opt.MaxOpenConns <= 0 {
		opt.MaxOpenConns = 20
	}
	sqldb.SetMaxOpenConns(opt.MaxOpenConns)
	sqldb.SetMaxIdleConns(opt.MaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	bdb := bun.NewDB(sqldb, pgdialect.New(), bun.WithDiscardUnknownColumns())
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := bdb.PingContext(pingCtx); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return bdb, nil
}

// ListPlannerParams are the session settings of the pool that serves lead
// lists and their totals.
//
// random_page_cost 1.1 (Postgres's default of 4 models spinning disks) says
// what holds for this working set, which sits in RAM or on SSD. With 4, the
// planner serves "one status, newest first" by walking the analytics'
// created_at index backwards and filtering by status (0.4–1 s on 1M leads)
// instead of the (status, created_at, id) index (0.1–9 ms). It is not set
// for every query: with it, the bulk duplicate lookup (phone_e164 =
// ANY(1,000 literals)) picks the phone trigram index and takes seconds.
func ListPlannerParams() map[string]string {
	return map[string]string{"random_page_cost": "1.1"}
}

// Ping reports whether Postgres answers within the context's deadline.
func Ping(ctx context.Context, idb *bun.DB) error {
	var one int
	return idb.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}
