package graph

import (
	"context"

	"github.com/google/uuid"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/graph/model"
)

// newLead validates a CreateLeadInput for p and builds the row to insert.
// Returns VALIDATION_ERROR naming the field, or FORBIDDEN when a telecaller
// assigns the lead to someone else.
func (r *Resolver) newLead(p *auth.Principal, in model.CreateLeadInput) (*db.Lead, error) {
	var err error
	l := &db.Lead{Source: db.SourceOther, Status: db.StatusNew, Priority: db.PriorityMedium, CreatedByID: &p.UserID}
	if l.Name, err = cleanName("name", in.Name); err != nil {
		return nil, err
	}
	if l.Email, err = cleanEmail("email", in.Email); err != nil {
		return nil, err
	}
	if l.Phone, l.PhoneE164, err = cleanPhone("phone", in.Phone, r.Settings.PhoneRegion); err != nil {
		return nil, err
	}
	if l.Email == nil && l.Phone == nil {
		return nil, apperr.Invalid("phone", "a lead needs a phone or an email")
	}
	if l.Company, err = cleanText("company", in.Company, maxCompanyLen); err != nil {
		return nil, err
	}
	if l.Notes, err = cleanText("notes", in.Notes, maxNotesLen); err != nil {
		return nil, err
	}
	if l.Tags, err = cleanTags("tags", in.Tags); err != nil {
		return nil, err
	}
	if in.CustomFields != nil {
		if err := checkCustomFields("customFields", in.CustomFields); err != nil {
			return nil, err
		}
		l.CustomFields = in.CustomFields
	}
	if err := checkFuture("nextFollowUpAt", in.NextFollowUpAt, r.now()); err != nil {
		return nil, err
	}
	l.NextFollowUpAt = in.NextFollowUpAt
	setIf(&l.Source, in.Source)
	setIf(&l.Status, in.Status)
	setIf(&l.Priority, in.Priority)
	l.AssignedToID, err = assignee(p, in.AssignedToID)
	return l, err
}

// assignee decides who a new lead is assigned to: telecallers' leads go to
// themselves; managers choose, or leave it unassigned.
func assignee(p *auth.Principal, requested *uuid.UUID) (*uuid.UUID, error) {
	if p.Role.AtLeastManager() {
		return requested, nil
	}
	if requested != nil && *requested != p.UserID {
		return nil, apperr.New(apperr.Forbidden, "Only managers and admins can assign leads to others.")
	}
	id := p.UserID
	return &id, nil
}

// leadUpdate validates an UpdateLeadInput for p and builds the patch.
func (r *Resolver) leadUpdate(p *auth.Principal, in model.UpdateLeadInput) (db.LeadUpdate, error) {
	var u db.LeadUpdate
	if in.Name != nil {
		name, err := cleanName("name", *in.Name)
		if err != nil {
			return u, err
		}
		u.Name = &name
	}
	if v, ok := in.Email.ValueOK(); ok {
		e, err := cleanEmail("email", v)
		if err != nil {
			return u, err
		}
		u.Email = e
		u.Clear = clearIfNil(u.Clear, "email", e)
	}
	if v, ok := in.Phone.ValueOK(); ok {
		raw, e164, err := cleanPhone("phone", v, r.Settings.PhoneRegion)
		if err != nil {
			return u, err
		}
		u.Phone, u.PhoneE164 = raw, e164
		u.Clear = clearIfNil(u.Clear, "phone", raw)
		u.Clear = clearIfNil(u.Clear, "phone_e164", raw)
	}
	if v, ok := in.Company.ValueOK(); ok {
		c, err := cleanText("company", v, maxCompanyLen)
		if err != nil {
			return u, err
		}
		u.Company = c
		u.Clear = clearIfNil(u.Clear, "company", c)
	}
	if v, ok := in.Notes.ValueOK(); ok {
		n, err := cleanText("notes", v, maxNotesLen)
		if err != nil {
			return u, err
		}
		u.Notes = n
		u.Clear = clearIfNil(u.Clear, "notes", n)
	}
	if in.Tags != nil {
		tags, err := cleanTags("tags", in.Tags)
		if err != nil {
			return u, err
		}
		u.Tags = &tags
	}
	if in.CustomFields != nil {
		if err := checkCustomFields("customFields", in.CustomFields); err != nil {
			return u, err
		}
		u.CustomFields = in.CustomFields
	}
	if v, ok := in.NextFollowUpAt.ValueOK(); ok {
		if err := checkFuture("nextFollowUpAt", v, r.now()); err != nil {
			return u, err
		}
		u.NextFollowUpAt = v
		u.Clear = clearIfNil(u.Clear, "next_follow_up_at", v)
	}
	if v, ok := in.AssignedToID.ValueOK(); ok {
		if err := requireManager(p, "assign leads"); err != nil {
			return u, err
		}
		u.AssignedToID = v
		u.Clear = clearIfNil(u.Clear, "assigned_to", v)
	}
	u.Source, u.Status, u.Priority = in.Source, in.Status, in.Priority
	return u, nil
}

func clearIfNil[T any](clear []string, col string, v *T) []string {
	if v == nil {
		return append(clear, col)
	}
	return clear
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// visibleLead loads a lead the caller may see. Returns NOT_FOUND otherwise.
func (r *Resolver) visibleLead(ctx context.Context, p *auth.Principal, id uuid.UUID) (*db.Lead, error) {
	return db.FindLeadByID(ctx, r.DB, id, leadScope(p), false)
}
