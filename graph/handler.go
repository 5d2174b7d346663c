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

// depthLimit rejects operations nested deeper than max, or selecting more
// than maxSelections fields, before they run.
type depthLimit struct{ max int }

func (depthLimit) ExtensionName() string { return "DepthLimit" }

func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := walker{frags: oc.Doc.Fragments, budget: maxSelections}
	depth := w.depth(oc.Operation.SelectionSet, 0)
	if w.budget < 0 {
		err := gqlerror.Errorf("The query selects more than %d fields (counting aliases and fragment spreads); ask for less, or in several requests.", maxSelections)
		err.Extensions = map[string]any{"code": "COMPLEXITY_LIMIT_EXCEEDED"}
		return err
	}
	if depth > d.max {
		err := gqlerror.Errorf("The query is nested %d levels deep; the limit is %d.", depth, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// maxSelections bounds the fields an operation selects once fragments are
// expanded, so a thousand aliases or a fragment that spreads another twice,
// thirty times over, are refused before anything (even the complexity
// count) walks them. The playground's introspection query selects ~150.
const maxSelections = 1000

// walker measures an operation, spending one unit of budget per field so
// that the walk itself stays bounded.
type walker struct {
	frags  ast.FragmentDefinitionList
	budget int
}

// depth measures field nesting, following fragments. Validation rejects
// fragment cycles before this runs; the budget stops a fragment bomb.
func (w *walker) depth(set ast.SelectionSet, level int) int {
	deepest := level
	for _, sel := range set {
		if w.budget < 0 {
			return deepest
		}
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			w.budget--
			if s.Name == "__schema" {
				// The whole schema comes back: price it like 100 fields.
				w.budget -= 100
			}
			switch {
			case len(s.SelectionSet) == 0:
				d = level + 1
			case strings.HasPrefix(s.Name, "__"):
				// Introspection nests ofType deeply but walks a finite
				// schema; the playground's own query is 15 levels deep.
				d = max(w.depth(s.SelectionSet, level+1)-maxIntrospectionDepth, level+1)
			default:
				d = w.depth(s.SelectionSet, level+1)
			}
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet, level)
		case *ast.FragmentSpread:
			w.budget--
			if f := w.frags.ForName(s.Name); f != nil {
				d = w.depth(f.SelectionSet, level)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
