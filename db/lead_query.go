package db

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
)

// LeadSort names a sort order for lead lists.
type LeadSort string

// Sort orders for lead lists.
const (
	SortCreatedAt      LeadSort = "createdAt"
	SortUpdatedAt      LeadSort = "updatedAt"
	SortName           LeadSort = "name"
	SortNextFollowUpAt LeadSort = "nextFollowUpAt"
	SortPriority       LeadSort = "priority"
)

// LeadSorts lists the sort orders in documentation order.
var LeadSorts = []LeadSort{SortCreatedAt, SortUpdatedAt, SortName, SortNextFollowUpAt, SortPriority}

// searchExpr must match the leads_search_trgm_idx expression to use the index.
const searchExpr = "(coalesce(l.name, '') || ' ' || coalesce(l.email, '') || ' ' || coalesce(l.company, ''))"

// priorityRank orders priorities from low (1) to urgent (4).
const priorityRank = "array_position(ARRAY['low','medium','high','urgent']::text[], l.priority)"

// sortExpr is the SQL expression of a sort key. Follow-up dates use ±infinity
// for NULL so leads with no follow-up come last in both directions and keyset
// comparisons never meet a NULL.
func sortExpr(s LeadSort, desc bool) string {
	switch s {
	case SortUpdatedAt:
		return "l.updated_at"
	case SortName:
		return "l.name"
	case SortNextFollowUpAt:
		if desc {
			return "coalesce(l.next_follow_up_at, '-infinity'::timestamptz)"
		}
		return "coalesce(l.next_follow_up_at, 'infinity'::timestamptz)"
	case SortPriority:
		return priorityRank
	default:
		return "l.created_at"
	}
}

// sortCast is the SQL type a cursor key is compared as.
func sortCast(s LeadSort) string {
	switch s {
	case SortName:
		return "text"
	case SortPriority:
		return "int"
	default:
		return "timestamptz"
	}
}

// sortKey is the cursor key of l under s, as its SQL literal text.
func sortKey(l *Lead, s LeadSort, desc bool) string {
	switch s {
	case SortUpdatedAt:
		return l.UpdatedAt.UTC().Format(time.RFC3339Nano)
	case SortName:
		return l.Name
	case SortNextFollowUpAt:
		switch {
		case l.NextFollowUpAt != nil:
			return l.NextFollowUpAt.UTC().Format(time.RFC3339Nano)
		case desc:
			return "-infinity"
		default:
			return "infinity"
		}
	case SortPriority:
		for i, p := range LeadPriorities {
			if p == l.Priority {
				return strconv.Itoa(i + 1)
			}
		}
		return "0"
	default:
		return l.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
}

// Cursor is an opaque keyset position: the sort key and id of a row.
type Cursor struct {
	Sort LeadSort  `json:"s"`
	Desc bool      `json:"d,omitempty"`
	Key  string    `json:"k"`
	ID   uuid.UUID `json:"i"`
}

// LeadCursor is the cursor of l in a list sorted by s.
func LeadCursor(l *Lead, s LeadSort, desc bool) string {
	b, _ := json.Marshal(Cursor{Sort: s, Desc: desc, Key: sortKey(l, s, desc), ID: l.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses a cursor made by LeadCursor for the same sort order.
// Returns VALIDATION_ERROR naming field when it is malformed or for another order.
func DecodeCursor(field, s string, sort LeadSort, desc bool) (*Cursor, error) {
	bad := apperr.Invalid(field, "is not a cursor from this list")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, bad
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == uuid.Nil || c.Sort != sort || c.Desc != desc {
		return nil, bad
	}
	switch sortCast(sort) {
	case "int": // Postgres int: 32 bits
		if _, err := strconv.ParseInt(c.Key, 10, 32); err != nil {
			return nil, bad
		}
	case "timestamptz":
		if c.Key != "infinity" && c.Key != "-infinity" {
			if _, err := time.Parse(time.RFC3339Nano, c.Key); err != nil {
				return nil, bad
			}
		}
	}
	return &c, nil
}

// LeadCriteria selects leads; nil or empty fields do not filter.
type LeadCriteria struct {
	Scope        LeadScope
	AssignedTo   *uuid.UUID
	Unassigned   bool
	Statuses     []LeadStatus
	Sources      []LeadSource
	Priorities   []LeadPriority
	Tag          *string
	Search       *string
	CreatedFrom  *time.Time // inclusive
	CreatedTo    *time.Time // exclusive
	FollowUpDue  *time.Time // next follow-up at or before this instant
	OnlyDeleted  bool
	IncludeTotal bool
}

// LeadPage is a window on a sorted list: keyset (After/Before) or offset.
// Backward pages end at Before (or at the end of the list) instead of
// starting at After.
type LeadPage struct {
	Sort     LeadSort
	Desc     bool
	After    *Cursor
	Before   *Cursor
	Backward bool
	Limit    int
	Offset   int
}

func (f LeadCriteria) apply(q *bun.SelectQuery) *bun.SelectQuery {
	q = f.Scope.apply(q)
	if f.OnlyDeleted {
		q = q.Where("l.deleted_at IS NOT NULL")
	} else {
		q = q.Where("l.deleted_at IS NULL")
	}
	if f.Unassigned {
		q = q.Where("l.assigned_to IS NULL")
	} else if f.AssignedTo != nil {
		q = q.Where("l.assigned_to = ?", *f.AssignedTo)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("l.status IN (?)", bun.In(f.Statuses))
	}
	if len(f.Sources) > 0 {
		q = q.Where("l.source IN (?)", bun.In(f.Sources))
	}
	if len(f.Priorities) > 0 {
		q = q.Where("l.priority IN (?)", bun.In(f.Priorities))
	}
	if f.Tag != nil {
		q = q.Where("l.tags @> ARRAY[?]::text[]", *f.Tag)
	}
	if f.CreatedFrom != nil {
		q = q.Where("l.created_at >= ?", *f.CreatedFrom)
	}
	if f.CreatedTo != nil {
		q = q.Where("l.created_at < ?", *f.CreatedTo)
	}
	if f.FollowUpDue != nil {
		q = q.Where("l.next_follow_up_at <= ?", *f.FollowUpDue)
	}
	if f.Search != nil {
		q = applySearch(q, *f.Search)
	}
	return q
}

// applySearch matches every word of s against name, email and company by
// trigram-indexed substring, and digit runs against the E.164 phone.
func applySearch(q *bun.SelectQuery, s string) *bun.SelectQuery {
	for _, word := range strings.Fields(s) {
		like := "%" + escapeLike(word) + "%"
		digits := onlyDigits(word)
		if len(digits) >= 3 && len(digits)*2 >= len(word) {
			q = q.Where("("+searchExpr+" ILIKE ? OR l.phone_e164 LIKE ?)", like, "%"+digits+"%")
		} else {
			q = q.Where(searchExpr+" ILIKE ?", like)
		}
	}
	return q
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FindLeads returns one page of leads matching f in p's order, and whether
// more rows exist beyond the page in the direction of travel.
func FindLeads(ctx context.Context, idb bun.IDB, f LeadCriteria, p LeadPage) ([]*Lead, bool, error) {
	var leads []*Lead
	q := f.apply(idb.NewSelect().Model(&leads))
	expr := sortExpr(p.Sort, p.Desc)
	desc := p.Desc
	if p.Backward {
		desc = !desc // walk backwards, then flip the page
	}
	cmp, dir := ">", "ASC"
	if desc {
		cmp, dir = "<", "DESC"
	}
	if c := p.After; c != nil {
		q = q.Where("("+expr+", l.id) "+cmp+" (?::"+sortCast(p.Sort)+", ?)", c.Key, c.ID)
	}
	if c := p.Before; c != nil {
		q = q.Where("("+expr+", l.id) "+cmp+" (?::"+sortCast(p.Sort)+", ?)", c.Key, c.ID)
	}
	q = q.OrderExpr(expr + " " + dir).OrderExpr("l.id " + dir).Limit(int64(p.Limit + 1))
	if p.Offset > 0 {
		q = q.Offset(int64(p.Offset))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, formatError(err, "Lead")
	}
	more := len(leads) > p.Limit
	if more {
		leads = leads[:p.Limit]
	}
	if p.Backward {
		for i, j := 0, len(leads)-1; i < j; i, j = i+1, j-1 {
			leads[i], leads[j] = leads[j], leads[i]
		}
	}
	return leads, more, nil
}

// CountLeads counts the leads matching f exactly: from the kept counts when
// f filters by status and assignee alone (lead_counts.go), else by
// counting them.
func CountLeads(ctx context.Context, idb bun.IDB, f LeadCriteria) (int, error) {
	if n, ok, err := keptCount(ctx, idb, f); ok || err != nil {
		return n, err
	}
	n, err := f.apply(idb.NewSelect().Model((*Lead)(nil))).Count(ctx)
	return int(n), formatError(err, "Lead")
}

// DefaultExactCountLimit is the number of matching leads up to which list
// totals are exact (LEAD_COUNT_EXACT_LIMIT).
const DefaultExactCountLimit = 1000

// LeadCount is how many leads match a filter, and whether that is the
// planner's estimate rather than an exact count.
type LeadCount struct {
	N        int
	Estimate bool
}

// CountLeadsUpTo counts the leads matching f. A filter by status and
// assignee alone is counted exactly at any size from the kept counts.
// Others are counted exactly while there are at most limit matches,
// reading no more than limit+1 index entries; above that it returns
// Postgres's row estimate for the same query (never less than limit+1)
// with Estimate set, so a total over hundreds of thousands of rows costs a
// plan, not a scan. A limit of 0 or less always counts exactly.
func CountLeadsUpTo(ctx context.Context, idb bun.IDB, f LeadCriteria, limit int) (LeadCount, error) {
	if n, ok, err := keptCount(ctx, idb, f); ok || err != nil {
		return LeadCount{N: n}, err
	}
	if limit <= 0 {
		n, err := CountLeads(ctx, idb, f)
		return LeadCount{N: n}, err
	}
	matches := f.apply(idb.NewSelect().Model((*Lead)(nil)).ColumnExpr("1"))
	var n int
	err := idb.NewSelect().ColumnExpr("count(*)").
		TableExpr("(?) AS bounded", matches.Limit(int64(limit)+1)).
		Scan(ctx, &n)
	if err != nil {
		return LeadCount{}, formatError(err, "Lead")
	}
	if n <= limit {
		return LeadCount{N: n}, nil
	}
	var plan []byte
	if err := idb.NewRaw("EXPLAIN (FORMAT JSON) ?", f.apply(idb.NewSelect().Model((*Lead)(nil)).ColumnExpr("1"))).Scan(ctx, &plan); err != nil {
		return LeadCount{}, formatError(err, "Lead")
	}
	est, err := planRows(plan)
	if err != nil {
		return LeadCount{}, err
	}
	return LeadCount{N: max(est, limit+1), Estimate: true}, nil
}

// planRows reads the top node's row estimate from EXPLAIN (FORMAT JSON).
func planRows(plan []byte) (int, error) {
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &p); err != nil {
		return 0, fmt.Errorf("read the planner's estimate: %w", err)
	}
	if len(p) == 0 {
		return 0, errors.New("read the planner's estimate: empty plan")
	}
	return int(p[0].Plan.Rows), nil
}
