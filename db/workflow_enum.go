package db

import (
	"context"
	"io"
)

// AssignStrategy is how a bulk assignment spreads leads over assignees.
type AssignStrategy string

// Assignment strategies.
const (
	// AssignRoundRobin deals leads out in turn, continuing where the last
	// assignment over the same set of assignees stopped.
	AssignRoundRobin AssignStrategy = "round_robin"
	// AssignLeastLoaded gives each lead to the assignee with the fewest open leads.
	AssignLeastLoaded AssignStrategy = "least_loaded"
)

// AssignStrategies lists the strategies.
var AssignStrategies = []AssignStrategy{AssignRoundRobin, AssignLeastLoaded}

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e AssignStrategy) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *AssignStrategy) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(AssignStrategies, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *AssignStrategy) UnmarshalJSON(b []byte) error {
	return unmarshalJSON(AssignStrategies, e, b)
}

// QueueReason says why the call queue offered a lead.
type QueueReason string

// Queue reasons, in the order the queue serves them.
const (
	QueueFollowUpDue QueueReason = "follow_up_due"
	QueueNewLead     QueueReason = "new_lead"
	QueueRetry       QueueReason = "retry"
	QueueClaimed     QueueReason = "claimed"
)

// QueueReasons lists the reasons.
var QueueReasons = []QueueReason{QueueFollowUpDue, QueueNewLead, QueueRetry, QueueClaimed}

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e QueueReason) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *QueueReason) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(QueueReasons, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *QueueReason) UnmarshalJSON(b []byte) error { return unmarshalJSON(QueueReasons, e, b) }

// WebhookEvent is the type of an event sent to webhook subscribers. REST
// and payloads spell it "lead.created"; GraphQL LEAD_CREATED.
type WebhookEvent string

// Webhook events.
const (
	EventLeadCreated        WebhookEvent = "lead.created"
	EventLeadUpdated        WebhookEvent = "lead.updated"
	EventLeadAssigned       WebhookEvent = "lead.assigned"
	EventInteractionCreated WebhookEvent = "interaction.created"
	EventLeadConverted      WebhookEvent = "lead.converted"
)

// WebhookEvents lists the events.
var WebhookEvents = []WebhookEvent{EventLeadCreated, EventLeadUpdated, EventLeadAssigned, EventInteractionCreated, EventLeadConverted}

// MarshalGQLContext writes the GraphQL form (LEAD_CREATED).
func (e WebhookEvent) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL form.
func (e *WebhookEvent) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(WebhookEvents, e, v)
}

// UnmarshalJSON accepts only the REST form (lead.created).
func (e *WebhookEvent) UnmarshalJSON(b []byte) error { return unmarshalJSON(WebhookEvents, e, b) }

// WebhookDeliveryStatus is where one delivery of an event stands.
type WebhookDeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   WebhookDeliveryStatus = "pending"
	DeliveryDelivered WebhookDeliveryStatus = "delivered"
	DeliveryFailed    WebhookDeliveryStatus = "failed"
)

// WebhookDeliveryStatuses lists the statuses.
var WebhookDeliveryStatuses = []WebhookDeliveryStatus{DeliveryPending, DeliveryDelivered, DeliveryFailed}

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e WebhookDeliveryStatus) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *WebhookDeliveryStatus) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(WebhookDeliveryStatuses, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *WebhookDeliveryStatus) UnmarshalJSON(b []byte) error {
	return unmarshalJSON(WebhookDeliveryStatuses, e, b)
}
