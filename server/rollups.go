package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/telecaller-crm/api/db"
)

// RunRollupCompactor moves the lead writes' appended changes into the lead
// report's rollup and the lead counts every cfg.RollupCompactInterval until ctx ends, and
// returns a channel closed once it has stopped, or nil when the interval is
// 0. Reports are exact without it; it keeps them reading few rows. Every
// instance may run one: concurrent compactions never count a change twice.
func RunRollupCompactor(ctx context.Context, cfg Config, deps Deps) <-chan struct{} {
	if cfg.RollupCompactInterval <= 0 {
		return nil
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.Default()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(cfg.RollupCompactInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := db.CompactLeadActivity(ctx, deps.DB); err != nil && ctx.Err() == nil {
					logger.Warn("compact lead rollup", "err", err)
				}
				if _, err := db.CompactLeadCounts(ctx, deps.DB); err != nil && ctx.Err() == nil {
					logger.Warn("compact lead counts", "err", err)
				}
			}
		}
	}()
	return done
}
