package graph

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/telecaller-crm/api/db"
)

// loaders batch the lookups that nested fields make, so a page of leads with
// their assignees and recent interactions costs a fixed number of queries.
// A fresh set serves each GraphQL operation (no cross-request caching).
type loaders struct {
	users  *dataloadgen.Loader[uuid.UUID, *db.User]
	leads  *dataloadgen.Loader[uuid.UUID, *db.Lead]
	recent *dataloadgen.Loader[recentKey, []*db.Interaction]
	events *dataloadgen.Loader[db.TimelineKey, []*db.LeadEvent]
}

type recentKey struct {
	lead uuid.UUID
	n    int
}

type loadersKey struct{}

const loaderWait = 2 * time.Millisecond

func (r *Resolver) newLoaders() *loaders {
	return &loaders{
		users: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*db.User, error) {
			users, err := db.FindUsersByIDs(ctx, r.DB, ids)
			out := make(map[uuid.UUID]*db.User, len(users))
			for _, u := range users {
				out[u.ID] = u
			}
			return out, err
		}, dataloadgen.WithWait(loaderWait)),
		leads: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*db.Lead, error) {
			leads, err := db.FindLeadsByIDs(ctx, r.DB, ids)
			out := make(map[uuid.UUID]*db.Lead, len(leads))
			for _, l := range leads {
				out[l.ID] = l
			}
			return out, err
		}, dataloadgen.WithWait(loaderWait)),
		recent: dataloadgen.NewMappedLoader(r.fetchRecent, dataloadgen.WithWait(loaderWait)),
		events: dataloadgen.NewLoader(r.fetchTimelines, dataloadgen.WithWait(loaderWait)),
	}
}

// fetchRecent loads the newest interactions of many leads, one query per
// distinct page size asked for.
func (r *Resolver) fetchRecent(ctx context.Context, keys []recentKey) (map[recentKey][]*db.Interaction, error) {
	byN := map[int][]uuid.UUID{}
	for _, k := range keys {
		byN[k.n] = append(byN[k.n], k.lead)
	}
	out := make(map[recentKey][]*db.Interaction, len(keys))
	for n, ids := range byN {
		got, err := db.FindRecentInteractions(ctx, r.DB, ids, n)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out[recentKey{id, n}] = got[id]
		}
	}
	return out, nil
}

// withLoaders gives an operation its own loaders.
func (r *Resolver) withLoaders(ctx context.Context) context.Context {
	return context.WithValue(ctx, loadersKey{}, r.newLoaders())
}

// loadersFrom returns the operation's loaders, or a one-off set for calls made
// outside a GraphQL operation (such as the REST layer).
func (r *Resolver) loadersFrom(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return r.newLoaders()
}

// loadUser returns a user by id, or nil when there is none.
func (r *Resolver) loadUser(ctx context.Context, id *uuid.UUID) (*db.User, error) {
	if id == nil {
		return nil, nil
	}
	u, err := r.loadersFrom(ctx).users.Load(ctx, *id)
	if err == dataloadgen.ErrNotFound {
		return nil, nil
	}
	return u, err
}
