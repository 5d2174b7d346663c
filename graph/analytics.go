package graph

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
)

const (
	defaultAnalyticsSpan = 30 * 24 * time.Hour
	maxAnalyticsSpan     = 731 * 24 * time.Hour
)

// analyticsRange checks and defaults the range, zone and interval of a
// report: to defaults to the end of the current quarter hour (so the
// performance report, read in quarter-hour slots, includes everything logged
// so far), from to 30 days before to; the range is at most two years and 800
// buckets. Returns VALIDATION_ERROR naming the field.
func (r *Resolver) analyticsRange(from, to *time.Time, tz *string, interval *db.AnalyticsInterval) (db.AnalyticsRange, error) {
	now := r.now()
	end := now.UTC().Truncate(15 * time.Minute)
	if end.Before(now) {
		end = end.Add(15 * time.Minute)
	}
	rg := db.AnalyticsRange{To: end, TimeZone: "UTC", Interval: db.IntervalDay, Now: now}
	if to != nil {
		rg.To = to.UTC()
	}
	rg.From = rg.To.Add(-defaultAnalyticsSpan)
	if from != nil {
		rg.From = from.UTC()
	}
	if !rg.From.Before(rg.To) {
		return rg, apperr.Invalid("to", "must be after from")
	}
	if rg.To.Sub(rg.From) > maxAnalyticsSpan {
		return rg, apperr.Invalid("from", "the range may span at most two years")
	}
	if tz != nil && *tz != "" {
		if _, err := time.LoadLocation(*tz); err != nil || *tz == "Local" {
			return rg, apperr.Invalid("tz", "must be an IANA time zone such as Asia/Kolkata")
		}
		rg.TimeZone = *tz
	}
	if interval != nil {
		rg.Interval = *interval
	}
	return rg, nil
}

// analyticsScope limits lead analytics to what p may see, plus the filters.
func analyticsScope(p *auth.Principal, assignedTo *string, source *db.LeadSource) (db.AnalyticsScope, error) {
	s := db.AnalyticsScope{Scope: leadScope(p), Source: source}
	if assignedTo == nil {
		return s, nil
	}
	c, err := parseAssignedTo(p, *assignedTo)
	s.AssignedTo, s.Unassigned = c.AssignedTo, c.Unassigned
	return s, err
}

// performanceSubject is whose rows a caller may see: telecallers only their
// own (asking for another is FORBIDDEN); managers anyone, or everyone.
func performanceSubject(p *auth.Principal, telecallerID *uuid.UUID) (*uuid.UUID, error) {
	if p.Role.AtLeastManager() {
		return telecallerID, nil
	}
	if telecallerID != nil && *telecallerID != p.UserID {
		return nil, apperr.New(apperr.Forbidden, "Telecallers can only see their own performance.")
	}
	return &p.UserID, nil
}

func (r *Resolver) leadAnalytics(ctx context.Context, from, to *time.Time, interval *db.AnalyticsInterval, tz, assignedTo *string, source *db.LeadSource) (*db.LeadAnalytics, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	rg, err := r.analyticsRange(from, to, tz, interval)
	if err != nil {
		return nil, err
	}
	s, err := analyticsScope(p, assignedTo, source)
	if err != nil {
		return nil, err
	}
	return db.FindLeadAnalytics(ctx, r.DB, s, rg)
}

func (r *Resolver) telecallerPerformance(ctx context.Context, from, to *time.Time, tz *string, telecallerID *uuid.UUID) (*db.TelecallerPerformance, error) {
	p, err := r.principal(ctx)
	if err != nil {
		return nil, err
	}
	rg, err := r.analyticsRange(from, to, tz, nil)
	if err != nil {
		return nil, err
	}
	who, err := performanceSubject(p, telecallerID)
	if err != nil {
		return nil, err
	}
	return db.FindTelecallerPerformance(ctx, r.DB, who, rg)
}
