package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/google/uuid"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// Limits bound what one GraphQL request may cost.
type Limits struct {
	MaxDepth      int // nesting of selections, default 10
	MaxComplexity int // gqlgen complexity points, default 5000
}

// NewHandler builds the GraphQL HTTP handler: POST and GET transports,
// introspection (this is a public API), persisted queries, depth and
// complexity limits, and the API's error presenter. exts are installed
// first, such as the rate limiter's.
func NewHandler(r *Resolver, lim Limits, exts ...graphql.HandlerExtension) *handler.Server {
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = 10
	}
	if lim.MaxComplexity <= 0 {
		lim.MaxComplexity = 5000
	}
	cfg := Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	srv := handler.New(NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	for _, e := range exts {
		srv.Use(e)
	}
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(depthLimit{max: lim.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(lim.MaxComplexity))
	srv.SetErrorPresenter(PresentError(r.Logger))
	srv.SetRecoverFunc(Recover)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(r.withLoaders(ctx))
	})
	return srv
}

// setComplexity prices list fields by the page size they ask for, so a
// request for 100 leads with 50 interactions each costs what it loads.
func setComplexity(c *ComplexityRoot) {
	page := func(n *int) int {
		if n == nil {
			return defaultPageSize
		}
		return max(*n, 1)
	}
	c.Query.Leads = func(child int, first *int, _ *string, last *int, _ *string, _ *int, _ *model.LeadFilter, _ *model.LeadOrder) int {
		if last != nil {
			return 1 + page(last)*child
		}
		return 1 + page(first)*child
	}
	c.Query.LeadInteractions = func(child int, _ uuid.UUID, first *int, _ *string, _ *int, _ []db.InteractionType) int {
		return 1 + page(first)*child
	}
	c.Lead.Interactions = func(child int, first int) int { return 1 + max(first, 1)*child }
	c.Lead.Timeline = func(child int, first *int, _ *string, _ *int) int { return 1 + page(first)*child }
}

// maxIntrospectionDepth is how much deeper than the limit an introspection
// subtree (__schema, __type) may go.
const maxIntrospectionDepth = 20

// depthLimit rejects operations nested deeper than max before they run.
type depthLimit struct{ max int }

func (depthLimit) ExtensionName() string { return "DepthLimit" }

func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if depth := selectionDepth(oc.Operation.SelectionSet, oc.Doc.Fragments, 0); depth > d.max {
		err := gqlerror.Errorf("The query is nested %d levels deep; the limit is %d.", depth, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth measures field nesting, following fragments. Validation
// rejects fragment cycles before this runs; the level cap is a backstop.
func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, level int) int {
	if level > 100 {
		return level
	}
	deepest := level
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			switch {
			case len(s.SelectionSet) == 0:
				d = level + 1
			case strings.HasPrefix(s.Name, "__"):
				// Introspection nests ofType deeply but walks a finite
				// schema; the playground's own query is 15 levels deep.
				d = max(selectionDepth(s.SelectionSet, frags, level+1)-maxIntrospectionDepth, level+1)
			default:
				d = selectionDepth(s.SelectionSet, frags, level+1)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, level)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = selectionDepth(f.SelectionSet, frags, level)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
