package seed

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
)

// chunk is one COPY batch: some leads and all their interactions.
type chunk struct {
	leads []db.Lead
	its   []db.Interaction
}

// copyLarge generates the large data set and streams it into leads and
// interactions with COPY. One goroutine generates batches, in order, a few
// ahead of opt.Connections writers that each commit a batch per transaction
// on a connection of their own; batches are recycled, so memory holds only
// the plan and a few batches. It returns the rows committed, also on error.
func copyLarge(ctx context.Context, bdb *bun.DB, opt LargeOptions) (leads, interactions int, err error) {
	plan := planLeads(opt)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	inFlight := opt.Connections + 1
	full, free, copied := make(chan *chunk, inFlight), make(chan *chunk, inFlight), make(chan *chunk, inFlight)
	for range inFlight {
		free <- &chunk{}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(full)
		if err := produce(ctx, newLargeGen(opt), plan, full, free); err != nil {
			cancel(err)
		}
	})
	for range opt.Connections {
		wg.Go(func() {
			if err := writeChunks(ctx, bdb, full, copied); err != nil {
				cancel(err)
			}
		})
	}
	go func() {
		wg.Wait()
		close(copied)
	}()
	for c := range copied {
		leads, interactions = leads+len(c.leads), interactions+len(c.its)
		opt.Progress(LargeProgress{Stage: "copy", Leads: leads, Interactions: interactions})
		free <- c
	}
	return leads, interactions, context.Cause(ctx)
}

// produce fills free batches with the leads of plan, in order, and sends
// them on full. It stops early, returning ctx's error, when ctx ends.
func produce(ctx context.Context, g *largeGen, plan []plannedLead, full chan<- *chunk, free <-chan *chunk) error {
	for lo := 0; lo < len(plan); lo += chunkLeads {
		var c *chunk
		select {
		case c = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.leads, c.its = c.leads[:0], c.its[:0]
		for i := lo; i < min(lo+chunkLeads, len(plan)); i++ {
			var l db.Lead
			l, c.its = g.lead(i, plan[i], c.its)
			c.leads = append(c.leads, l)
		}
		// In time order, as a live table fills: range scans on occurred_at
		// then read neighbouring pages, and the index updates stay local.
		slices.SortFunc(c.its, func(a, b db.Interaction) int {
			return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), bytes.Compare(a.ID[:], b.ID[:]))
		})
		select {
		case full <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// writeChunks copies the batches it receives on full, each in its own
// transaction on one connection, and passes them on to copied once committed.
func writeChunks(ctx context.Context, bdb *bun.DB, full <-chan *chunk, copied chan<- *chunk) error {
	conn, err := bdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy needs the pgx driver, got %T", dc)
		}
		for c := range full {
			if err := pgx.BeginFunc(ctx, sc.Conn(), func(tx pgx.Tx) error { return copyChunk(ctx, tx, c) }); err != nil {
				return err
			}
			copied <- c
		}
		return nil
	})
}

// copyChunk copies c's leads, then its interactions (their foreign keys need
// the leads first), inside tx.
func copyChunk(ctx context.Context, tx pgx.Tx, c *chunk) error {
	// Synchronous on purpose, whatever the server default: one flush per
	// batch costs nothing, and VACUUM cannot mark pages all-visible (for
	// index-only scans) while the commits of their rows are not flushed.
	if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = on"); err != nil {
		return fmt.Errorf("configure transaction: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"leads"}, leadColumns, &leadRows{rows: c.leads}); err != nil {
		return fmt.Errorf("copy leads: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"interactions"}, interactionColumns, &interactionRows{rows: c.its}); err != nil {
		return fmt.Errorf("copy interactions: %w", err)
	}
	return nil
}

var leadColumns = []string{
	"id", "name", "email", "phone", "phone_e164", "company", "source", "status", "priority",
	"assigned_to", "created_by", "notes", "tags", "custom_fields", "next_follow_up_at",
	"last_contacted_at", "attempt_count", "version", "created_at", "updated_at", "deleted_at",
	"first_contacted_at", "converted_at", "stage",
}

var interactionColumns = []string{
	"id", "lead_id", "telecaller_id", "type", "direction", "outcome", "duration_seconds",
	"notes", "follow_up_at", "status_after", "occurred_at", "created_at", "followed_up_at",
}

// leadRows is a pgx.CopyFromSource over leads. Values reuses one slice: pgx
// encodes each row before asking for the next.
type leadRows struct {
	rows []db.Lead
	i    int
	vals []any
}

func (r *leadRows) Next() bool { r.i++; return r.i <= len(r.rows) }
func (r *leadRows) Err() error { return nil }

func (r *leadRows) Values() ([]any, error) {
	l := &r.rows[r.i-1]
	fields := []byte("{}")
	if len(l.CustomFields) > 0 {
		var err error
		if fields, err = json.Marshal(l.CustomFields); err != nil {
			return nil, fmt.Errorf("custom fields of lead %s: %w", l.ID, err)
		}
	}
	r.vals = append(r.vals[:0],
		[16]byte(l.ID), l.Name, l.Email, l.Phone, l.PhoneE164, l.Company,
		string(l.Source), string(l.Status), string(l.Priority),
		(*[16]byte)(l.AssignedToID), (*[16]byte)(l.CreatedByID), l.Notes, l.Tags, fields,
		l.NextFollowUpAt, l.LastContactedAt, l.AttemptCount, l.Version,
		l.CreatedAt, l.UpdatedAt, l.DeletedAt,
		l.FirstContactedAt, l.ConvertedAt, int16(l.Stage))
	return r.vals, nil
}

// interactionRows is a pgx.CopyFromSource over interactions.
type interactionRows struct {
	rows []db.Interaction
	i    int
	vals []any
}

func (r *interactionRows) Next() bool { r.i++; return r.i <= len(r.rows) }
func (r *interactionRows) Err() error { return nil }

func (r *interactionRows) Values() ([]any, error) {
	it := &r.rows[r.i-1]
	r.vals = append(r.vals[:0],
		[16]byte(it.ID), [16]byte(it.LeadID), [16]byte(it.TelecallerID),
		string(it.Type), string(it.Direction), (*string)(it.Outcome), it.DurationSeconds,
		it.Notes, it.FollowUpAt, (*string)(it.StatusAfter), it.OccurredAt, it.CreatedAt, it.FollowedUpAt)
	return r.vals, nil
}
