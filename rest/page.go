package rest

import (
	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/graph/model"
)

// Paging limits of list routes. maxPage keeps page × limit far from integer
// overflow and from offsets Postgres would take long to skip.
const (
	defaultLimit = 20
	maxLimit     = 100
	maxPage      = 100000
)

// pageRequest is where a list page starts: a page number (offset paging, as
// the seed's clients use) or a cursor from a previous page's nextCursor.
type pageRequest struct {
	page   int // 0 when paging by cursor
	limit  int
	cursor *string
}

// paging reads page, limit and cursor.
func (p *params) paging() pageRequest {
	pr := pageRequest{limit: p.intIn("limit", defaultLimit, 1, maxLimit), cursor: p.str("cursor")}
	if pr.cursor != nil {
		if p.str("page") != nil {
			p.fail("cursor", "cannot be combined with page")
		}
		return pr
	}
	pr.page = p.intIn("page", 1, 1, maxPage)
	return pr
}

// offset is the resolver's offset argument: nil when paging by cursor.
func (pr pageRequest) offset() *int {
	if pr.cursor != nil {
		return nil
	}
	n := (pr.page - 1) * pr.limit
	return &n
}

// paginate builds the pagination of a page of n items. It calls count only
// when the total cannot be told from the page itself: a last, non-empty
// page (or an empty first one) of offset paging ends the list. count
// returns the total and whether it is an estimate.
func paginate(pr pageRequest, n int, info *model.PageInfo, count func() (int, bool, error)) (*Pagination, error) {
	pg := &Pagination{Limit: pr.limit, HasNext: info.HasNextPage}
	if pr.cursor == nil {
		pg.Page = &pr.page
	}
	if pr.cursor == nil && !info.HasNextPage && (n > 0 || pr.page == 1) {
		pg.Total = (pr.page-1)*pr.limit + n
	} else {
		total, estimate, err := count()
		if err != nil {
			return nil, err
		}
		pg.Total, pg.TotalIsEstimate = total, estimate
	}
	pg.TotalPages = (pg.Total + pr.limit - 1) / pr.limit
	if info.HasNextPage {
		pg.NextCursor = info.EndCursor
	}
	return pg, nil
}

// restParam is the REST query parameter behind a list resolver's argument.
func restParam(arg string) (string, bool) {
	switch arg {
	case "after":
		return "cursor", true
	case "first":
		return "limit", true
	case "offset":
		return "page", true
	case "orderBy":
		return "sort", true
	}
	return "", false
}

// asParam renames the field of a list resolver's VALIDATION_ERROR to the
// query parameter the caller sent.
func asParam(err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Validation {
		return err
	}
	name, ok := restParam(e.Field)
	if !ok {
		return err
	}
	renamed := apperr.Invalid(name, e.FieldMessage)
	renamed.Meta, renamed.Err = e.Meta, e.Err
	return renamed
}
