package db_test

import (
	"os"
	"strings"
	"testing"
)

// TestLeadEventChangesMatchesTheSQLVersion holds the plpgsql diff of the
// audit trail (migration 20261125000011) to the SQL function it replaced,
// kept verbatim as the first statement of that migration's down file, over every ordered pair of
// leads after random writes (every field differs somewhere), each lead
// against itself, and every lead as created.
func TestLeadEventChangesMatchesTheSQLVersion(t *testing.T) {
	t.Parallel()
	w := newPerfWorld(t, 77)
	w.writeRandomly(150)
	down, err := os.ReadFile("migrations/20261125000011_trigger_functions_plpgsql.tx.down.sql")
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(down), "$$;")
	reference := strings.Replace(first+"$$;", "FUNCTION lead_event_changes(", "FUNCTION pg_temp.lead_event_changes_sql(", 1)
	conn, err := w.bdb.Conn(w.ctx) // pg_temp is per session
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(w.ctx, reference); err != nil {
		t.Fatal(err)
	}
	var pairs, differ, nonEmpty int
	err = conn.QueryRowContext(w.ctx, `
		WITH l AS (SELECT x::leads AS l FROM leads AS x),
		p AS (SELECT a.l AS o, b.l AS n, false AS created FROM l AS a CROSS JOIN l AS b
			UNION ALL SELECT NULL, l, true FROM l)
		SELECT count(*),
			count(*) FILTER (WHERE lead_event_changes(o, n, created) IS DISTINCT FROM pg_temp.lead_event_changes_sql(o, n, created)),
			count(*) FILTER (WHERE lead_event_changes(o, n, created) <> '{}')
		FROM p`).Scan(&pairs, &differ, &nonEmpty)
	if err != nil {
		t.Fatal(err)
	}
	if differ != 0 || pairs < 500 || nonEmpty == 0 {
		t.Errorf("%d of %d pairs differ (%d with changes)", differ, pairs, nonEmpty)
	}
}
