package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// createWebhookSubscription validates the URL and events and stores the
// subscription with a fresh signing secret, which only this answer shows.
func (r *Resolver) createWebhookSubscription(ctx context.Context, in model.CreateWebhookSubscriptionInput) (*db.WebhookSubscription, error) {
	p, err := r.manager(ctx, "manage webhooks")
	if err != nil {
		return nil, err
	}
	if err := checkWebhookURL(in.URL, r.Settings.WebhookAllowHTTP); err != nil {
		return nil, err
	}
	events := slices.Compact(slices.Sorted(slices.Values(in.Events)))
	if len(events) == 0 {
		return nil, apperr.Invalid("events", "name at least one event")
	}
	desc, err := cleanText("description", in.Description, 500)
	if err != nil {
		return nil, err
	}
	secret, err := newWebhookSecret()
	if err != nil {
		return nil, err
	}
	s := &db.WebhookSubscription{URL: in.URL, Events: events, Secret: secret, Description: desc, Active: true, CreatedByID: &p.UserID}
	if err := db.CreateWebhookSubscription(ctx, r.DB, s); err != nil {
		return nil, err
	}
	s.SigningSecret = &secret
	return s, nil
}

// checkWebhookURL accepts absolute https URLs (http too when allowHTTP)
// with a host and no credentials. Where the host resolves to is checked
// again when delivering (private addresses are refused there).
func checkWebhookURL(raw string, allowHTTP bool) error {
	if len(raw) > 2000 {
		return apperr.Invalid("url", "must be at most 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return apperr.Invalid("url", "must be an absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	default:
		return apperr.Invalid("url", "must use https")
	}
	if u.User != nil {
		return apperr.Invalid("url", "must not carry credentials")
	}
	if u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return apperr.Invalid("url", "must not have a fragment or spaces")
	}
	return nil
}

func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

// deleteWebhookSubscription deletes a subscription and its deliveries.
func (r *Resolver) deleteWebhookSubscription(ctx context.Context, id uuid.UUID) (*db.WebhookSubscription, error) {
	if _, err := r.manager(ctx, "manage webhooks"); err != nil {
		return nil, err
	}
	return db.DeleteWebhookSubscription(ctx, r.DB, id)
}

// webhookSubscriptions lists the subscriptions, without their secrets.
func (r *Resolver) webhookSubscriptions(ctx context.Context) ([]*db.WebhookSubscription, error) {
	if _, err := r.manager(ctx, "manage webhooks"); err != nil {
		return nil, err
	}
	return db.FindWebhookSubscriptions(ctx, r.DB)
}

// webhookDeliveries pages a subscription's delivery log.
func (r *Resolver) webhookDeliveries(ctx context.Context, id uuid.UUID, status *db.WebhookDeliveryStatus, first, offset *int) ([]*db.WebhookDelivery, error) {
	if _, err := r.manager(ctx, "manage webhooks"); err != nil {
		return nil, err
	}
	limit, err := pageSize("first", first)
	if err != nil {
		return nil, err
	}
	skip, err := pageOffset(offset)
	if err != nil {
		return nil, err
	}
	if _, err := db.FindWebhookSubscription(ctx, r.DB, id); err != nil {
		return nil, err
	}
	return db.FindWebhookDeliveries(ctx, r.DB, db.WebhookDeliveryFilter{SubscriptionID: id, Status: status}, limit, skip)
}

// deliveryPayload shows a delivery's stored JSON body as an object.
func deliveryPayload(d *db.WebhookDelivery) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(d.Payload, &m); err != nil {
		return nil, err
	}
	return m, nil
}
