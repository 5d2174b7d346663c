package graph

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// The queue looks at candidates in batches and at most queueScanLimit of
// them per call, so a floor whose leads are all outside calling hours
// costs a bounded amount of work.
const (
	queueBatch     = 100
	queueScanLimit = 1000
)

// nextLead finds the next lead p should call: their own first, then an
// unassigned one claimed for them. Nil when nothing is callable now.
func (r *Resolver) nextLead(ctx context.Context) (*db.QueueItem, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	now := r.now()
	own, err := r.scanQueue(ctx, db.QueueFilter{AssignedTo: &p.UserID, Now: now}, 1)
	if err != nil || len(own) > 0 || r.Settings.Queue.DisableClaims {
		return first(own), err
	}
	// Candidates are read without locks; the claim then takes the first one
	// nobody else took meanwhile. When others took them all, look again.
	for range claimRounds {
		candidates, err := r.scanQueue(ctx, db.QueueFilter{Now: now}, claimCandidates)
		if err != nil || len(candidates) == 0 {
			return nil, err
		}
		ids := make([]uuid.UUID, len(candidates))
		for i, c := range candidates {
			ids[i] = c.Lead.ID
		}
		lead, err := asActor(ctx, r, p, db.SourcePlain, func(ctx context.Context, tx bun.IDB) (*db.Lead, error) {
			return db.ClaimFirstLead(ctx, tx, ids, p.UserID)
		})
		if err != nil {
			return nil, err
		}
		for _, c := range candidates {
			if lead != nil && c.Lead.ID == lead.ID {
				c.Lead, c.Reason = lead, db.QueueClaimed
				return c, nil
			}
		}
	}
	return nil, nil
}

// Claims consider up to claimCandidates callable leads at a time, and look
// again at most claimRounds times when concurrent callers took them all.
const (
	claimCandidates = 20
	claimRounds     = 5
)

func first(items []*db.QueueItem) *db.QueueItem {
	if len(items) == 0 {
		return nil
	}
	return items[0]
}

// scanQueue returns up to n candidates in queue order that are inside
// calling hours in their own time zone.
func (r *Resolver) scanQueue(ctx context.Context, f db.QueueFilter, n int) ([]*db.QueueItem, error) {
	var out []*db.QueueItem
	for offset := 0; offset < queueScanLimit; offset += queueBatch {
		rows, err := db.FindQueueLeads(ctx, r.DB, f, queueBatch, offset)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			zone, local, ok := r.callingHours(&row.Lead, f.Now)
			if ok {
				out = append(out, &db.QueueItem{Lead: &row.Lead, Reason: row.Reason(), TimeZone: zone, LocalTime: local.Format("15:04")})
				if len(out) == n {
					return out, nil
				}
			}
		}
		if len(rows) < queueBatch {
			break
		}
	}
	return out, nil
}

// callingHours reports whether now lies inside the calling window in the
// lead's time zone, and names the zone and the local time. A phone whose
// region spans several zones is callable only when the window holds in all
// of them (the first one is reported).
func (r *Resolver) callingHours(l *db.Lead, now time.Time) (string, time.Time, bool) {
	zones := leadZones(l, r.Settings.Queue.DefaultTimeZone)
	var first time.Time
	for i, name := range zones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			loc = time.UTC
		}
		local := now.In(loc)
		if i == 0 {
			first = local
		}
		// Wall-clock offset, so DST days keep the same window.
		since := time.Duration(local.Hour())*time.Hour + time.Duration(local.Minute())*time.Minute + time.Duration(local.Second())*time.Second
		if since < r.Settings.Queue.CallingStart || since >= r.Settings.Queue.CallingEnd {
			return zones[0], first, false
		}
	}
	return zones[0], first, true
}

// leadZones are the IANA zones a lead may be in: custom_fields.timezone
// when it names a zone, else the zones of the phone's number prefix, else
// the default.
func leadZones(l *db.Lead, def string) []string {
	if tz, ok := l.CustomFields["timezone"].(string); ok && tz != "" {
		if _, err := time.LoadLocation(tz); err == nil {
			return []string{tz}
		}
	}
	if l.PhoneE164 != nil {
		zones, err := phonenumbers.GetTimezonesForPrefix(*l.PhoneE164)
		if err == nil && len(zones) > 0 && zones[0] != phonenumbers.UNKNOWN_TIMEZONE {
			return zones
		}
	}
	return []string{def}
}

// Follow-up agenda bounds.
const (
	maxAgendaItems        = 200
	defaultAgendaLookback = 30 * 24 * time.Hour
	defaultAgendaAhead    = 7 * 24 * time.Hour
)

// followUps builds a telecaller's agenda; see myFollowUps in the schema.
func (r *Resolver) followUps(ctx context.Context, from, to *time.Time, telecallerID *uuid.UUID, tz *string) (*model.FollowUpAgenda, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	who, err := agendaSubject(p, telecallerID)
	if err != nil {
		return nil, err
	}
	zone := "UTC"
	if tz != nil && *tz != "" {
		zone = *tz
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, apperr.Invalid("tz", "is not an IANA time zone")
	}
	now := r.now()
	a := &model.FollowUpAgenda{TelecallerID: who, TimeZone: zone, From: now.Add(-defaultAgendaLookback), To: now.Add(defaultAgendaAhead),
		Overdue: []*db.Lead{}, DueToday: []*db.Lead{}, Upcoming: []*db.Lead{}}
	if from != nil {
		a.From = from.UTC()
	}
	if to != nil {
		a.To = to.UTC()
	}
	if !a.From.Before(a.To) {
		return nil, apperr.Invalid("to", "must be after from")
	}
	local := now.In(loc)
	endOfToday := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	parts := []struct {
		from, to time.Time
		dst      *[]*db.Lead
	}{{a.From, now, &a.Overdue}, {now, endOfToday, &a.DueToday}, {endOfToday, a.To, &a.Upcoming}}
	for _, part := range parts {
		lo, hi := maxTime(part.from, a.From), minTime(part.to, a.To)
		if !lo.Before(hi) {
			continue
		}
		leads, err := db.FindFollowUps(ctx, r.DB, db.FollowUpFilter{AssignedTo: &who, From: lo, To: hi}, maxAgendaItems)
		if err != nil {
			return nil, err
		}
		if leads != nil {
			*part.dst = leads
		}
	}
	return a, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
