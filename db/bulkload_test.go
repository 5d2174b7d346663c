package db_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
)

func TestFinishBulkLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh, _ := dbtest.New(t)
	want := dbtest.Schema(t, fresh)

	t.Run("every step runs once, rollups first, keys after the indexes", func(t *testing.T) {
		t.Parallel()
		bdb, _ := dbtest.New(t)
		if err := db.DeferBulkLoadDDL(ctx, bdb, "leads", "interactions"); err != nil {
			t.Fatal(err)
		}
		var deferred []string
		if err := bdb.NewRaw("SELECT name FROM bulk_load_deferred ORDER BY name").Scan(ctx, &deferred); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var steps []db.BulkLoadStep
		rollup := db.Rollup{Name: "count", Tables: []string{"telecaller_open_leads"}, Refresh: func(ctx context.Context, idb bun.IDB) error {
			_, err := idb.ExecContext(ctx, "SELECT count(*) FROM interactions")
			return err
		}}
		err := db.FinishBulkLoad(ctx, bdb, db.BulkLoadFinish{Workers: 1, Rollups: []db.Rollup{rollup}, Done: func(s db.BulkLoadStep) {
			mu.Lock()
			defer mu.Unlock()
			steps = append(steps, s)
		}})
		if err != nil {
			t.Fatalf("FinishBulkLoad: %v", err)
		}
		if got := dbtest.Schema(t, bdb); !slices.Equal(got, want) {
			t.Errorf("schema after the rebuild:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var restored []string
		lastIndex, firstKey := -1, len(steps)
		for i, s := range steps {
			switch s.Kind {
			case "index", "foreign key", "trigger":
				restored = append(restored, s.Name)
			}
			if s.Kind == "index" {
				lastIndex = i
			}
			if s.Kind == "foreign key" {
				firstKey = min(firstKey, i)
			}
		}
		slices.Sort(restored)
		if !slices.Equal(restored, deferred) {
			t.Errorf("restored %v, want each of %v once", restored, deferred)
		}
		if len(steps) == 0 || steps[0] != (db.BulkLoadStep{Kind: "rollup", Name: "count", Took: steps[0].Took}) {
			t.Errorf("first step = %+v, want the rollup (one worker takes the work in order)", steps)
		}
		if lastIndex > firstKey {
			t.Error("a foreign key was restored before the last index")
		}
	})

	t.Run("a failing rollup stops the rebuild, which a second run finishes", func(t *testing.T) {
		t.Parallel()
		bdb, _ := dbtest.New(t)
		if err := db.DeferBulkLoadDDL(ctx, bdb, "leads", "interactions"); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		failing := db.Rollup{Name: "failing", Refresh: func(context.Context, bun.IDB) error { return boom }}
		err := db.FinishBulkLoad(ctx, bdb, db.BulkLoadFinish{Workers: 2, Rollups: []db.Rollup{failing}})
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "rollup failing") {
			t.Fatalf("FinishBulkLoad = %v, want the rollup's error", err)
		}
		if err := db.RestoreBulkLoadDDL(ctx, bdb, 2); err != nil {
			t.Fatalf("RestoreBulkLoadDDL after the failure: %v", err)
		}
		if pending, err := db.PendingBulkLoadDDL(ctx, bdb); err != nil || pending {
			t.Errorf("pending = %v, %v after the second run", pending, err)
		}
		if got := dbtest.Schema(t, bdb); !slices.Equal(got, want) {
			t.Errorf("schema after the second run:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
