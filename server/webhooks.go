package server

import (
	"context"

	"github.com/telecaller-crm/api/webhook"
)

// Dispatcher builds the webhook dispatcher of this instance from the
// configuration. Run it beside the HTTP server (crm serve does, unless
// WEBHOOKS_ENABLED=false); every instance may run one.
func Dispatcher(cfg Config, deps Deps) *webhook.Dispatcher {
	return webhook.New(deps.DB, webhook.Config{
		Timeout:      cfg.WebhookTimeout,
		PollInterval: cfg.WebhookPollInterval,
		MaxAttempts:  cfg.WebhookMaxAttempts,
		BackoffBase:  cfg.WebhookBackoffBase,
		BackoffMax:   cfg.WebhookBackoffMax,
		AllowPrivate: cfg.WebhookAllowPrivate,
	}, deps.Logger)
}

// RunDispatcher runs the webhook dispatcher until ctx ends and returns a
// channel closed once it has stopped, or nil when webhooks are disabled.
func RunDispatcher(ctx context.Context, cfg Config, deps Deps) <-chan struct{} {
	if !cfg.WebhooksEnabled {
		return nil
	}
	done := make(chan struct{})
	d := Dispatcher(cfg, deps)
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	return done
}
