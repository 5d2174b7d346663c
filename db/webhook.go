package db

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
)

// WebhookSubscription sends the events it names to URL, signed with Secret.
type WebhookSubscription struct {
	bun.BaseModel `bun:"table:webhook_subscriptions,alias:ws" json:"-"`

	ID          uuid.UUID      `bun:"id,pk,type:uuid" json:"id"`
	URL         string         `bun:"url" json:"url"`
	Events      []WebhookEvent `bun:"events,array,type:text[]" json:"events"`
	Secret      string         `bun:"secret" json:"-"`
	Description *string        `bun:"description" json:"description"`
	Active      bool           `bun:"active,notnull" json:"active"`
	CreatedByID *uuid.UUID     `bun:"created_by,type:uuid" json:"createdById"`
	CreatedAt   time.Time      `bun:"created_at,nullzero,default:current_timestamp" json:"createdAt"`
	// SigningSecret is the secret as shown once, in the answer to its creation.
	SigningSecret *string `bun:"-" json:"secret,omitempty"`
}

// CreateWebhookSubscription stores s, setting its id.
func CreateWebhookSubscription(ctx context.Context, idb bun.IDB, s *WebhookSubscription) error {
	if s.ID == uuid.Nil {
		s.ID = uuid.Must(uuid.NewV7())
	}
	_, err := idb.NewInsert().Model(s).Returning("*").Exec(ctx)
	return formatError(err, "Webhook subscription")
}

// FindWebhookSubscriptions lists the subscriptions, oldest first.
func FindWebhookSubscriptions(ctx context.Context, idb bun.IDB) ([]*WebhookSubscription, error) {
	subs := []*WebhookSubscription{}
	err := idb.NewSelect().Model(&subs).OrderExpr("ws.created_at, ws.id").Scan(ctx)
	return subs, formatError(err, "Webhook subscription")
}

// FindWebhookSubscription returns one subscription, or NOT_FOUND.
func FindWebhookSubscription(ctx context.Context, idb bun.IDB, id uuid.UUID) (*WebhookSubscription, error) {
	s := new(WebhookSubscription)
	err := idb.NewSelect().Model(s).Where("ws.id = ?", id).Scan(ctx)
	return s, formatError(err, "Webhook subscription")
}

// DeleteWebhookSubscription deletes a subscription with its deliveries.
// Returns NOT_FOUND when there is none.
func DeleteWebhookSubscription(ctx context.Context, idb bun.IDB, id uuid.UUID) (*WebhookSubscription, error) {
	s := new(WebhookSubscription)
	res, err := idb.NewDelete().Model(s).Where("id = ?", id).Returning("*").Exec(ctx)
	if err != nil {
		return nil, formatError(err, "Webhook subscription")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, apperr.New(apperr.NotFound, "Webhook subscription not found.")
	}
	return s, nil
}

// WebhookDelivery is one event on its way to one subscription: the outbox
// row and its delivery log.
type WebhookDelivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:wd" json:"-"`

	ID             uuid.UUID             `bun:"id,pk,type:uuid" json:"id"`
	SubscriptionID uuid.UUID             `bun:"subscription_id,type:uuid" json:"subscriptionId"`
	EventID        uuid.UUID             `bun:"event_id,type:uuid" json:"eventId"`
	Event          WebhookEvent          `bun:"event" json:"event"`
	Payload        json.RawMessage       `bun:"payload,type:jsonb" json:"payload"`
	Status         WebhookDeliveryStatus `bun:"status" json:"status"`
	Attempts       int                   `bun:"attempts" json:"attempts"`
	NextAttemptAt  time.Time             `bun:"next_attempt_at" json:"nextAttemptAt"`
	LastStatusCode *int                  `bun:"last_status_code" json:"lastStatusCode"`
	LastError      *string               `bun:"last_error" json:"lastError"`
	DeliveredAt    *time.Time            `bun:"delivered_at" json:"deliveredAt"`
	CreatedAt      time.Time             `bun:"created_at" json:"createdAt"`
}

// WebhookDeliveryFilter selects a subscription's deliveries.
type WebhookDeliveryFilter struct {
	SubscriptionID uuid.UUID
	Status         *WebhookDeliveryStatus
}

// FindWebhookDeliveries returns a page of a subscription's deliveries, newest first.
func FindWebhookDeliveries(ctx context.Context, idb bun.IDB, f WebhookDeliveryFilter, limit, offset int) ([]*WebhookDelivery, error) {
	items := []*WebhookDelivery{}
	q := idb.NewSelect().Model(&items).Where("wd.subscription_id = ?", f.SubscriptionID).
		OrderExpr("wd.created_at DESC, wd.id DESC").Limit(int64(limit)).Offset(int64(offset))
	if f.Status != nil {
		q = q.Where("wd.status = ?", *f.Status)
	}
	err := q.Scan(ctx)
	return items, formatError(err, "Webhook delivery")
}

// ClaimedDelivery is a delivery a dispatcher took, with where it goes.
type ClaimedDelivery struct {
	ID       uuid.UUID       `bun:"id"`
	EventID  uuid.UUID       `bun:"event_id"`
	Event    string          `bun:"event"`
	Payload  json.RawMessage `bun:"payload"`
	Attempts int             `bun:"attempts"`
	URL      string          `bun:"url"`
	Secret   string          `bun:"secret"`
}

// ClaimWebhookDeliveries takes up to n due deliveries of active
// subscriptions, oldest due first, skipping rows other dispatchers are
// claiming, counts the attempt and hides them from other dispatchers for
// lease (if this one dies, they come back when the lease ends).
func ClaimWebhookDeliveries(ctx context.Context, idb bun.IDB, n int, lease time.Duration) ([]*ClaimedDelivery, error) {
	var out []*ClaimedDelivery
	err := idb.NewRaw(`WITH due AS (
			SELECT wd.id FROM webhook_deliveries AS wd
			JOIN webhook_subscriptions AS ws ON ws.id = wd.subscription_id AND ws.active
			WHERE wd.status = 'pending' AND wd.next_attempt_at <= now()
			ORDER BY wd.next_attempt_at, wd.id LIMIT ? FOR UPDATE OF wd SKIP LOCKED)
		UPDATE webhook_deliveries AS wd
		SET attempts = wd.attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
		FROM due, webhook_subscriptions AS ws
		WHERE wd.id = due.id AND ws.id = wd.subscription_id
		RETURNING wd.id, wd.event_id, wd.event, wd.payload, wd.attempts, ws.url, ws.secret`,
		n, lease.Seconds()).Scan(ctx, &out)
	if err != nil {
		return nil, formatError(err, "Webhook delivery")
	}
	return out, nil
}

// DeliveryOutcome is the result of one delivery attempt.
type DeliveryOutcome struct {
	StatusCode *int
	Error      *string
	// Delivered marks success; else RetryIn schedules the next attempt (from
	// the database's clock, like the claims), and nil RetryIn gives up
	// (status failed).
	Delivered bool
	RetryIn   *time.Duration
}

// FinishWebhookDelivery records an attempt's outcome.
func FinishWebhookDelivery(ctx context.Context, idb bun.IDB, id uuid.UUID, o DeliveryOutcome) error {
	q := idb.NewUpdate().Model((*WebhookDelivery)(nil)).
		Set("last_status_code = ?", o.StatusCode).
		Set("last_error = ?", o.Error).
		Where("id = ?", id).Where("status = 'pending'")
	switch {
	case o.Delivered:
		q = q.Set("status = 'delivered'").Set("delivered_at = now()")
	case o.RetryIn != nil:
		q = q.Set("next_attempt_at = now() + make_interval(secs => ?)", o.RetryIn.Seconds())
	default:
		q = q.Set("status = 'failed'")
	}
	_, err := q.Exec(ctx)
	return formatError(err, "Webhook delivery")
}
