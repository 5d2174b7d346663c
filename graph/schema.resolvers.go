package graph

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
	"github.com/uptrace/bun"
	"github.com/vikstrous/dataloadgen"
)

// Assignee is the resolver for the assignee field.
func (r *assigneeCountResolver) Assignee(ctx context.Context, obj *db.AssigneeCount) (*db.User, error) {
	return r.loadUser(ctx, &obj.AssigneeID)
}

// Lead is the resolver for the lead field.
func (r *interactionResolver) Lead(ctx context.Context, obj *db.Interaction) (*db.Lead, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	l, err := r.loadersFrom(ctx).leads.Load(ctx, obj.LeadID)
	if err == dataloadgen.ErrNotFound || (err == nil && !leadScope(p).Allows(l)) {
		return nil, nil
	}
	return l, err
}

// Telecaller is the resolver for the telecaller field.
func (r *interactionResolver) Telecaller(ctx context.Context, obj *db.Interaction) (*db.User, error) {
	return r.loadUser(ctx, &obj.TelecallerID)
}

// TotalCount is the resolver for the totalCount field.
func (r *interactionConnectionResolver) TotalCount(ctx context.Context, obj *model.InteractionConnection) (int, error) {
	return db.CountInteractions(ctx, r.DB, obj.Filter)
}

// Assignee is the resolver for the assignee field.
func (r *leadResolver) Assignee(ctx context.Context, obj *db.Lead) (*db.User, error) {
	return r.loadUser(ctx, obj.AssignedToID)
}

// CreatedBy is the resolver for the createdBy field.
func (r *leadResolver) CreatedBy(ctx context.Context, obj *db.Lead) (*db.User, error) {
	return r.loadUser(ctx, obj.CreatedByID)
}

// Interactions is the resolver for the interactions field.
func (r *leadResolver) Interactions(ctx context.Context, obj *db.Lead, first int) ([]*db.Interaction, error) {
	if first < 0 || first > 50 {
		return nil, apperr.Invalid("first", "must be between 0 and 50")
	}
	if first == 0 {
		return []*db.Interaction{}, nil
	}
	items, err := r.loadersFrom(ctx).recent.Load(ctx, recentKey{obj.ID, first})
	if items == nil {
		items = []*db.Interaction{}
	}
	return items, err
}

// Timeline is the resolver for the timeline field.
func (r *leadResolver) Timeline(ctx context.Context, obj *db.Lead, first *int, after *string, offset *int) (*model.LeadEventConnection, error) {
	k, err := timelineKey(obj, first, after, offset)
	if err != nil {
		return nil, err
	}
	events, err := r.loadersFrom(ctx).events.Load(ctx, k)
	if err != nil {
		return nil, err
	}
	return eventConnection(k, events), nil
}

// TotalCount is the resolver for the totalCount field.
func (r *leadConnectionResolver) TotalCount(ctx context.Context, obj *model.LeadConnection) (int, error) {
	c, err := obj.Total.Get(ctx)
	return c.N, err
}

// TotalCountIsEstimate is the resolver for the totalCountIsEstimate field.
func (r *leadConnectionResolver) TotalCountIsEstimate(ctx context.Context, obj *model.LeadConnection) (bool, error) {
	c, err := obj.Total.Get(ctx)
	return c.Estimate, err
}

// Actor is the resolver for the actor field.
func (r *leadEventResolver) Actor(ctx context.Context, obj *db.LeadEvent) (*db.User, error) {
	return r.loadUser(ctx, obj.ActorID)
}

// Changes is the resolver for the changes field.
func (r *leadEventResolver) Changes(ctx context.Context, obj *db.LeadEvent) (map[string]any, error) {
	return eventChanges(obj), nil
}

// TotalCount is the resolver for the totalCount field.
func (r *leadEventConnectionResolver) TotalCount(ctx context.Context, obj *model.LeadEventConnection) (int, error) {
	return db.CountLeadEvents(ctx, r.DB, obj.LeadID)
}

// CreateLead is the resolver for the createLead field.
func (r *mutationResolver) CreateLead(ctx context.Context, input model.CreateLeadInput) (*db.Lead, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	l, err := r.newLead(p, input)
	if err != nil {
		return nil, err
	}
	if err := checkDoNotCall(ctx, r.DB, l.PhoneE164); err != nil {
		return nil, err
	}
	if err := db.CreateLeadAs(ctx, r.DB, db.Actor{ID: p.UserID, Source: db.SourcePlain}, l); err != nil {
		return nil, err
	}
	return l, nil
}

// UpdateLead is the resolver for the updateLead field.
func (r *mutationResolver) UpdateLead(ctx context.Context, id uuid.UUID, input model.UpdateLeadInput, expectedVersion *int) (*db.Lead, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	u, err := r.leadUpdate(p, input)
	if err != nil {
		return nil, err
	}
	if err := checkDoNotCall(ctx, r.DB, u.PhoneE164); err != nil {
		return nil, err
	}
	return db.UpdateLeadAs(ctx, r.DB, db.Actor{ID: p.UserID, Source: db.SourcePlain}, id, leadScope(p), u, expectedVersion)
}

// DeleteLead is the resolver for the deleteLead field.
func (r *mutationResolver) DeleteLead(ctx context.Context, id uuid.UUID) (*db.Lead, error) {
	p, err := r.manager(ctx, "delete leads")
	if err != nil {
		return nil, err
	}
	return asActor(ctx, r.Resolver, p, db.SourcePlain, func(ctx context.Context, tx bun.IDB) (*db.Lead, error) {
		return db.SetLeadDeleted(ctx, tx, id, true)
	})
}

// RestoreLead is the resolver for the restoreLead field.
func (r *mutationResolver) RestoreLead(ctx context.Context, id uuid.UUID) (*db.Lead, error) {
	p, err := r.manager(ctx, "restore leads")
	if err != nil {
		return nil, err
	}
	return asActor(ctx, r.Resolver, p, db.SourcePlain, func(ctx context.Context, tx bun.IDB) (*db.Lead, error) {
		return db.SetLeadDeleted(ctx, tx, id, false)
	})
}

// AssignLead is the resolver for the assignLead field.
func (r *mutationResolver) AssignLead(ctx context.Context, id uuid.UUID, assigneeID *uuid.UUID) (*db.Lead, error) {
	p, err := r.manager(ctx, "assign leads")
	if err != nil {
		return nil, err
	}
	u := db.LeadUpdate{AssignedToID: assigneeID}
	u.Clear = clearIfNil(u.Clear, "assigned_to", assigneeID)
	return db.UpdateLeadAs(ctx, r.DB, db.Actor{ID: p.UserID, Source: db.SourcePlain}, id, leadScope(p), u, nil)
}

// BulkCreateLeads is the resolver for the bulkCreateLeads field.
func (r *mutationResolver) BulkCreateLeads(ctx context.Context, leads []*model.CreateLeadInput, mode db.BulkMode, dryRun bool, assign *model.AutoAssignInput) (*db.BulkResult, error) {
	return r.bulkCreateLeads(ctx, leads, mode, dryRun, assign)
}

// AssignLeads is the resolver for the assignLeads field.
func (r *mutationResolver) AssignLeads(ctx context.Context, leadIds []uuid.UUID, filter *model.LeadFilter, assigneeIds []uuid.UUID, strategy *db.AssignStrategy) (*db.BulkAssignResult, error) {
	return r.assignLeads(ctx, leadIds, filter, assigneeIds, strategy)
}

// CreateInteraction is the resolver for the createInteraction field.
func (r *mutationResolver) CreateInteraction(ctx context.Context, input model.CreateInteractionInput) (*db.Interaction, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.logInteraction(ctx, p, input)
}

// SetDispositionRule is the resolver for the setDispositionRule field.
func (r *mutationResolver) SetDispositionRule(ctx context.Context, outcome db.Outcome, input model.DispositionRuleInput) (*db.DispositionRule, error) {
	return r.setDispositionRule(ctx, outcome, input)
}

// ResetDispositionRule is the resolver for the resetDispositionRule field.
func (r *mutationResolver) ResetDispositionRule(ctx context.Context, outcome db.Outcome) (*db.DispositionRule, error) {
	return r.resetDispositionRule(ctx, outcome)
}

// AddDoNotCallNumber is the resolver for the addDoNotCallNumber field.
func (r *mutationResolver) AddDoNotCallNumber(ctx context.Context, phone string, reason *string) (*db.DoNotCallNumber, error) {
	return r.addDoNotCallNumber(ctx, phone, reason)
}

// RemoveDoNotCallNumber is the resolver for the removeDoNotCallNumber field.
func (r *mutationResolver) RemoveDoNotCallNumber(ctx context.Context, phone string) (*db.DoNotCallNumber, error) {
	return r.removeDoNotCallNumber(ctx, phone)
}

// CreateWebhookSubscription is the resolver for the createWebhookSubscription field.
func (r *mutationResolver) CreateWebhookSubscription(ctx context.Context, input model.CreateWebhookSubscriptionInput) (*db.WebhookSubscription, error) {
	return r.createWebhookSubscription(ctx, input)
}

// DeleteWebhookSubscription is the resolver for the deleteWebhookSubscription field.
func (r *mutationResolver) DeleteWebhookSubscription(ctx context.Context, id uuid.UUID) (*db.WebhookSubscription, error) {
	return r.deleteWebhookSubscription(ctx, id)
}

// Me is the resolver for the me field.
func (r *queryResolver) Me(ctx context.Context) (*db.User, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	return db.FindUserByID(ctx, r.DB, p.UserID)
}

// Lead is the resolver for the lead field.
func (r *queryResolver) Lead(ctx context.Context, id uuid.UUID) (*db.Lead, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.visibleLead(ctx, p, id)
}

// Leads is the resolver for the leads field.
func (r *queryResolver) Leads(ctx context.Context, first *int, after *string, last *int, before *string, offset *int, filter *model.LeadFilter, orderBy *model.LeadOrder) (*model.LeadConnection, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	c, err := r.leadCriteria(p, filter)
	if err != nil {
		return nil, err
	}
	page, err := leadWindow(first, after, last, before, offset, orderBy)
	if err != nil {
		return nil, err
	}
	return r.leadConnection(ctx, c, page)
}

// LeadInteractions is the resolver for the leadInteractions field.
func (r *queryResolver) LeadInteractions(ctx context.Context, leadID uuid.UUID, first *int, after *string, offset *int, typeArg []db.InteractionType) (*model.InteractionConnection, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.visibleLead(ctx, p, leadID); err != nil {
		return nil, err
	}
	return r.interactionConnection(ctx, db.InteractionFilter{LeadID: leadID, Types: typeArg}, first, after, offset)
}

// LeadAnalytics is the resolver for the leadAnalytics field.
func (r *queryResolver) LeadAnalytics(ctx context.Context, from *time.Time, to *time.Time, interval *db.AnalyticsInterval, tz *string, assignedTo *string, source *db.LeadSource) (*db.LeadAnalytics, error) {
	return r.leadAnalytics(ctx, from, to, interval, tz, assignedTo, source)
}

// TelecallerPerformance is the resolver for the telecallerPerformance field.
func (r *queryResolver) TelecallerPerformance(ctx context.Context, from *time.Time, to *time.Time, tz *string, telecallerID *uuid.UUID) (*db.TelecallerPerformance, error) {
	return r.telecallerPerformance(ctx, from, to, tz, telecallerID)
}

// Users is the resolver for the users field.
func (r *queryResolver) Users(ctx context.Context, role *db.UserRole) ([]*db.User, error) {
	if _, err := r.manager(ctx, "list users"); err != nil {
		return nil, err
	}
	return db.FindUsers(ctx, r.DB, role)
}

// NextLead is the resolver for the nextLead field.
func (r *queryResolver) NextLead(ctx context.Context) (*db.QueueItem, error) {
	return r.nextLead(ctx)
}

// MyFollowUps is the resolver for the myFollowUps field.
func (r *queryResolver) MyFollowUps(ctx context.Context, from *time.Time, to *time.Time, telecallerID *uuid.UUID, tz *string) (*model.FollowUpAgenda, error) {
	return r.followUps(ctx, from, to, telecallerID, tz)
}

// DispositionRules is the resolver for the dispositionRules field.
func (r *queryResolver) DispositionRules(ctx context.Context) ([]*db.DispositionRule, error) {
	return r.dispositionRules(ctx)
}

// DoNotCallNumbers is the resolver for the doNotCallNumbers field.
func (r *queryResolver) DoNotCallNumbers(ctx context.Context, first *int, offset *int) ([]*db.DoNotCallNumber, error) {
	return r.doNotCallNumbers(ctx, first, offset)
}

// WebhookSubscriptions is the resolver for the webhookSubscriptions field.
func (r *queryResolver) WebhookSubscriptions(ctx context.Context) ([]*db.WebhookSubscription, error) {
	return r.webhookSubscriptions(ctx)
}

// WebhookDeliveries is the resolver for the webhookDeliveries field.
func (r *queryResolver) WebhookDeliveries(ctx context.Context, subscriptionID uuid.UUID, status *db.WebhookDeliveryStatus, first *int, offset *int) ([]*db.WebhookDelivery, error) {
	return r.webhookDeliveries(ctx, subscriptionID, status, first, offset)
}

// Telecaller is the resolver for the telecaller field.
func (r *telecallerStatsResolver) Telecaller(ctx context.Context, obj *db.TelecallerStats) (*db.User, error) {
	return r.loadUser(ctx, obj.TelecallerID)
}

// Payload is the resolver for the payload field.
func (r *webhookDeliveryResolver) Payload(ctx context.Context, obj *db.WebhookDelivery) (map[string]any, error) {
	return deliveryPayload(obj)
}

// AssigneeCount returns AssigneeCountResolver implementation.
func (r *Resolver) AssigneeCount() AssigneeCountResolver { return &assigneeCountResolver{r} }

// Interaction returns InteractionResolver implementation.
func (r *Resolver) Interaction() InteractionResolver { return &interactionResolver{r} }

// InteractionConnection returns InteractionConnectionResolver implementation.
func (r *Resolver) InteractionConnection() InteractionConnectionResolver {
	return &interactionConnectionResolver{r}
}

// Lead returns LeadResolver implementation.
func (r *Resolver) Lead() LeadResolver { return &leadResolver{r} }

// LeadConnection returns LeadConnectionResolver implementation.
func (r *Resolver) LeadConnection() LeadConnectionResolver { return &leadConnectionResolver{r} }

// LeadEvent returns LeadEventResolver implementation.
func (r *Resolver) LeadEvent() LeadEventResolver { return &leadEventResolver{r} }

// LeadEventConnection returns LeadEventConnectionResolver implementation.
func (r *Resolver) LeadEventConnection() LeadEventConnectionResolver {
	return &leadEventConnectionResolver{r}
}

// Mutation returns MutationResolver implementation.
func (r *Resolver) Mutation() MutationResolver { return &mutationResolver{r} }

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

// TelecallerStats returns TelecallerStatsResolver implementation.
func (r *Resolver) TelecallerStats() TelecallerStatsResolver { return &telecallerStatsResolver{r} }

// WebhookDelivery returns WebhookDeliveryResolver implementation.
func (r *Resolver) WebhookDelivery() WebhookDeliveryResolver { return &webhookDeliveryResolver{r} }

type (
	assigneeCountResolver         struct{ *Resolver }
	interactionResolver           struct{ *Resolver }
	interactionConnectionResolver struct{ *Resolver }
	leadResolver                  struct{ *Resolver }
	leadConnectionResolver        struct{ *Resolver }
	leadEventResolver             struct{ *Resolver }
	leadEventConnectionResolver   struct{ *Resolver }
	mutationResolver              struct{ *Resolver }
	queryResolver                 struct{ *Resolver }
	telecallerStatsResolver       struct{ *Resolver }
	webhookDeliveryResolver       struct{ *Resolver }
)
