package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/telecaller-crm/api/db"
)

// prefetchLeadFields loads what the operation asks for under a page of leads
// (assignee, createdBy, interactions and their telecallers) with one query
// per kind, before the per-lead resolvers run. Those then hit the loaders'
// caches. Time-window batching alone splits batches when the machine is
// busy; this keeps a page's query count fixed. Errors are left for the
// per-lead loads to report.
func (r *Resolver) prefetchLeadFields(ctx context.Context, leads []*db.Lead) {
	if len(leads) == 0 || !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	nodes := subFields(oc, subFields(oc, graphql.CollectFieldsCtx(ctx, nil), "edges"), "node")
	ld := r.loadersFrom(ctx)
	var userIDs []uuid.UUID
	for _, f := range nodes {
		switch f.Name {
		case "assignee", "createdBy":
			for _, l := range leads {
				if id := l.AssignedToID; f.Name == "createdBy" {
					id = l.CreatedByID
					if id != nil {
						userIDs = append(userIDs, *id)
					}
				} else if id != nil {
					userIDs = append(userIDs, *id)
				}
			}
		case "timeline":
			userIDs = append(userIDs, r.prefetchTimelines(ctx, oc, f, leads)...)
		case "interactions":
			first, _ := f.ArgumentMap(oc.Variables)["first"].(int64)
			if first <= 0 || first > 50 {
				continue
			}
			keys := make([]recentKey, len(leads))
			for i, l := range leads {
				keys[i] = recentKey{l.ID, int(first)}
			}
			lists, err := ld.recent.LoadAll(ctx, keys)
			if err != nil || len(subFields(oc, []graphql.CollectedField{f}, "telecaller")) == 0 {
				continue
			}
			for _, items := range lists {
				for _, it := range items {
					userIDs = append(userIDs, it.TelecallerID)
				}
			}
		}
	}
	if len(userIDs) > 0 {
		_, _ = ld.users.LoadAll(ctx, dedupe(userIDs))
	}
}

// subFields collects the selections named name under the given fields.
func subFields(oc *graphql.OperationContext, fields []graphql.CollectedField, name string) []graphql.CollectedField {
	var out []graphql.CollectedField
	for _, f := range fields {
		if f.Name == name {
			out = append(out, graphql.CollectFields(oc, f.Selections, nil)...)
		}
	}
	return out
}

func dedupe(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// prefetchTimelines loads the timeline pages a leads page asks for in one
// query and returns the actors to load when the selection wants them.
func (r *Resolver) prefetchTimelines(ctx context.Context, oc *graphql.OperationContext, f graphql.CollectedField, leads []*db.Lead) []uuid.UUID {
	args := f.ArgumentMap(oc.Variables)
	first, after, offset := intArg(args["first"]), strArg(args["after"]), intArg(args["offset"])
	keys := make([]db.TimelineKey, len(leads))
	for i, l := range leads {
		k, err := timelineKey(l, first, after, offset)
		if err != nil {
			return nil
		}
		keys[i] = k
	}
	pages, err := r.loadersFrom(ctx).events.LoadAll(ctx, keys)
	node := subFields(oc, subFields(oc, subFields(oc, []graphql.CollectedField{f}, f.Name), "edges"), "node")
	if err != nil || !slices.ContainsFunc(node, func(c graphql.CollectedField) bool { return c.Name == "actor" }) {
		return nil
	}
	var ids []uuid.UUID
	for _, events := range pages {
		for _, ev := range events {
			if ev.ActorID != nil {
				ids = append(ids, *ev.ActorID)
			}
		}
	}
	return ids
}

func intArg(v any) *int {
	if n, ok := v.(int64); ok {
		i := int(n)
		return &i
	}
	return nil
}

func strArg(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}
