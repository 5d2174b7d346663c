package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

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
	// Each folds the changes lead writes append into what reads add up.
	compactions := []struct {
		name    string
		compact func(context.Context, bun.IDB) (int, error)
	}{
		{"lead rollup", db.CompactLeadActivity},
		{"lead counts", db.CompactLeadCounts},
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
				for _, c := range compactions {
					if _, err := c.compact(ctx, deps.DB); err != nil && ctx.Err() == nil {
						logger.Warn("compact "+c.name, "err", err)
					}
				}
			}
		}
	}()
	return done
}
