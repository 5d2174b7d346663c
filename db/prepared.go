package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// bun writes every value into the SQL text it sends, so Postgres parses and
// plans each of its statements anew: right for most queries, whose text
// changes with their values (caching them would only fill the cache). The
// few lookups on the path of nearly every request instead take their values
// as $1, $2… and run through pgx's per-connection statement cache, so each
// connection parses and plans them once. On a leads table with two dozen
// indexes, Postgres spent 452 µs of CPU on each lookup of a lead by id as
// bun sends it, and 96–150 µs on the same lookup prepared
// (docs/performance.md, change 12).

// queryCached runs query, whose parameters are $1, $2…, as a prepared
// statement cached on the connection that runs it, in idb's transaction or
// connection when it is one.
func queryCached(ctx context.Context, idb bun.IDB, query string, args ...any) (*sql.Rows, error) {
	args = append([]any{pgx.QueryExecModeCacheStatement}, args...)
	switch c := idb.(type) {
	case *bun.DB:
		return c.DB.QueryContext(ctx, query, args...)
	case bun.Tx:
		return c.Tx.QueryContext(ctx, query, args...)
	case bun.Conn:
		return c.Conn.QueryContext(ctx, query, args...)
	}
	return nil, fmt.Errorf("query on %T: not a bun database, transaction or connection", idb)
}

// scanOne scans the one row of rows into dest (a bun model or a scalar),
// and closes rows; no row is sql.ErrNoRows.
func scanOne(ctx context.Context, idb bun.IDB, rows *sql.Rows, dest any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := idb.NewSelect().DB().ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}

// selectLeads is bun's "SELECT <every column of Lead> FROM leads AS l",
// the head of the cached lead lookups.
var selectLeads = sync.OnceValue(func() string {
	return bun.NewDB(nil, pgdialect.New()).NewSelect().Model((*Lead)(nil)).String()
})
