package db

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/telecaller-crm/api/apperr"
)

// The enums of the data model are Go string types holding the lower-case
// database and REST value ("new"). GraphQL shows them upper-case ("NEW"):
// the MarshalGQLContext/UnmarshalGQLContext methods map between the two and
// reject anything else, so an unknown value can never be stored as "".

// LeadStatus is where a lead stands in the calling pipeline.
type LeadStatus string

// LeadSource is where a lead came from.
type LeadSource string

// LeadPriority orders the calling queue.
type LeadPriority string

// InteractionType is the channel of an interaction.
type InteractionType string

// Direction says who started an interaction.
type Direction string

// Outcome is the disposition of an interaction.
type Outcome string

// UserRole is a user's authorisation role.
type UserRole string

// Enum values, as stored.
const (
	StatusNew           LeadStatus = "new"
	StatusContacted     LeadStatus = "contacted"
	StatusInterested    LeadStatus = "interested"
	StatusFollowUp      LeadStatus = "follow_up"
	StatusQualified     LeadStatus = "qualified"
	StatusConverted     LeadStatus = "converted"
	StatusNotInterested LeadStatus = "not_interested"
	StatusLost          LeadStatus = "lost"
	StatusDoNotCall     LeadStatus = "do_not_call"

	SourceWebsite       LeadSource = "website"
	SourceReferral      LeadSource = "referral"
	SourceColdCall      LeadSource = "cold_call"
	SourceSocialMedia   LeadSource = "social_media"
	SourceAdvertisement LeadSource = "advertisement"
	SourceEvent         LeadSource = "event"
	SourceImport        LeadSource = "import"
	SourceOther         LeadSource = "other"

	PriorityLow    LeadPriority = "low"
	PriorityMedium LeadPriority = "medium"
	PriorityHigh   LeadPriority = "high"
	PriorityUrgent LeadPriority = "urgent"

	TypeCall     InteractionType = "call"
	TypeEmail    InteractionType = "email"
	TypeSMS      InteractionType = "sms"
	TypeWhatsApp InteractionType = "whatsapp"
	TypeMeeting  InteractionType = "meeting"
	TypeNote     InteractionType = "note"

	Outbound Direction = "outbound"
	Inbound  Direction = "inbound"

	OutcomeConnected         Outcome = "connected"
	OutcomeNoAnswer          Outcome = "no_answer"
	OutcomeBusy              Outcome = "busy"
	OutcomeVoicemail         Outcome = "voicemail"
	OutcomeWrongNumber       Outcome = "wrong_number"
	OutcomeCallbackRequested Outcome = "callback_requested"
	OutcomeInterested        Outcome = "interested"
	OutcomeNotInterested     Outcome = "not_interested"
	OutcomeConverted         Outcome = "converted"
	OutcomeDoNotCall         Outcome = "do_not_call"

	RoleAdmin      UserRole = "admin"
	RoleManager    UserRole = "manager"
	RoleTelecaller UserRole = "telecaller"
)

// Values lists every value of each enum in display order.
var (
	LeadStatuses     = []LeadStatus{StatusNew, StatusContacted, StatusInterested, StatusFollowUp, StatusQualified, StatusConverted, StatusNotInterested, StatusLost, StatusDoNotCall}
	LeadSources      = []LeadSource{SourceWebsite, SourceReferral, SourceColdCall, SourceSocialMedia, SourceAdvertisement, SourceEvent, SourceImport, SourceOther}
	LeadPriorities   = []LeadPriority{PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent}
	InteractionTypes = []InteractionType{TypeCall, TypeEmail, TypeSMS, TypeWhatsApp, TypeMeeting, TypeNote}
	Directions       = []Direction{Outbound, Inbound}
	Outcomes         = []Outcome{OutcomeConnected, OutcomeNoAnswer, OutcomeBusy, OutcomeVoicemail, OutcomeWrongNumber, OutcomeCallbackRequested, OutcomeInterested, OutcomeNotInterested, OutcomeConverted, OutcomeDoNotCall}
	UserRoles        = []UserRole{RoleAdmin, RoleManager, RoleTelecaller}
)

// ParseEnum checks s against values (lower-case form) and returns the value.
// It returns a VALIDATION_ERROR listing the allowed values otherwise.
func ParseEnum[T ~string](values []T, s string) (T, error) {
	if slices.Contains(values, T(s)) {
		return T(s), nil
	}
	return "", apperr.New(apperr.Validation, "must be one of %s", joinEnum(values, false))
}

func joinEnum[T ~string](values []T, upper bool) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
		if upper {
			parts[i] = gqlName(v)
		}
	}
	return strings.Join(parts, ", ")
}

// gqlName is a value's GraphQL spelling: upper case, with dots (as in
// "lead.created") as underscores.
func gqlName[T ~string](v T) string {
	return strings.ToUpper(strings.ReplaceAll(string(v), ".", "_"))
}

func marshalGQL[T ~string](w io.Writer, v T) error {
	_, err := io.WriteString(w, strconv.Quote(gqlName(v)))
	return err
}

func unmarshalGQL[T ~string](values []T, dst *T, v any) error {
	if s, ok := v.(string); ok {
		for _, val := range values {
			if gqlName(val) == s {
				*dst = val
				return nil
			}
		}
	}
	return apperr.New(apperr.Validation, "must be one of %s", joinEnum(values, true))
}

func unmarshalJSON[T ~string](values []T, dst *T, b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return apperr.New(apperr.Validation, "must be a string, one of %s", joinEnum(values, false))
	}
	v, err := ParseEnum(values, s)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e LeadStatus) MarshalGQLContext(_ context.Context, w io.Writer) error { return marshalGQL(w, e) }

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *LeadStatus) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(LeadStatuses, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *LeadStatus) UnmarshalJSON(b []byte) error { return unmarshalJSON(LeadStatuses, e, b) }

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e LeadSource) MarshalGQLContext(_ context.Context, w io.Writer) error { return marshalGQL(w, e) }

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *LeadSource) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(LeadSources, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *LeadSource) UnmarshalJSON(b []byte) error { return unmarshalJSON(LeadSources, e, b) }

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e LeadPriority) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *LeadPriority) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(LeadPriorities, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *LeadPriority) UnmarshalJSON(b []byte) error { return unmarshalJSON(LeadPriorities, e, b) }

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e InteractionType) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *InteractionType) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(InteractionTypes, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *InteractionType) UnmarshalJSON(b []byte) error {
	return unmarshalJSON(InteractionTypes, e, b)
}

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e Direction) MarshalGQLContext(_ context.Context, w io.Writer) error { return marshalGQL(w, e) }

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *Direction) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(Directions, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *Direction) UnmarshalJSON(b []byte) error { return unmarshalJSON(Directions, e, b) }

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e Outcome) MarshalGQLContext(_ context.Context, w io.Writer) error { return marshalGQL(w, e) }

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *Outcome) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(Outcomes, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *Outcome) UnmarshalJSON(b []byte) error { return unmarshalJSON(Outcomes, e, b) }

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e UserRole) MarshalGQLContext(_ context.Context, w io.Writer) error { return marshalGQL(w, e) }

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *UserRole) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(UserRoles, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *UserRole) UnmarshalJSON(b []byte) error { return unmarshalJSON(UserRoles, e, b) }

// AnalyticsInterval is the width of an analytics time bucket.
type AnalyticsInterval string

// Analytics bucket widths.
const (
	IntervalDay   AnalyticsInterval = "day"
	IntervalWeek  AnalyticsInterval = "week"
	IntervalMonth AnalyticsInterval = "month"
)

// AnalyticsIntervals lists the bucket widths.
var AnalyticsIntervals = []AnalyticsInterval{IntervalDay, IntervalWeek, IntervalMonth}

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e AnalyticsInterval) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *AnalyticsInterval) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(AnalyticsIntervals, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *AnalyticsInterval) UnmarshalJSON(b []byte) error {
	return unmarshalJSON(AnalyticsIntervals, e, b)
}

// BulkMode says what a bulk write does with a lead that already exists.
type BulkMode string

// BulkRowStatus is what happened to one row of a bulk write.
type BulkRowStatus string

// Bulk modes and row statuses.
const (
	// BulkCreate reports existing leads as errors (CONFLICT).
	BulkCreate BulkMode = "create"
	// BulkUpsert updates the existing lead matched by E.164 phone, then email.
	BulkUpsert BulkMode = "upsert"
	// BulkSkip leaves existing leads alone and reports them skipped.
	BulkSkip BulkMode = "skip"

	RowCreated BulkRowStatus = "created"
	RowUpdated BulkRowStatus = "updated"
	RowSkipped BulkRowStatus = "skipped"
	RowError   BulkRowStatus = "error"
)

// BulkModes and BulkRowStatuses list the values.
var (
	BulkModes       = []BulkMode{BulkCreate, BulkUpsert, BulkSkip}
	BulkRowStatuses = []BulkRowStatus{RowCreated, RowUpdated, RowSkipped, RowError}
)

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e BulkMode) MarshalGQLContext(_ context.Context, w io.Writer) error { return marshalGQL(w, e) }

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *BulkMode) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(BulkModes, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *BulkMode) UnmarshalJSON(b []byte) error { return unmarshalJSON(BulkModes, e, b) }

// MarshalGQLContext writes the GraphQL (upper-case) form.
func (e BulkRowStatus) MarshalGQLContext(_ context.Context, w io.Writer) error {
	return marshalGQL(w, e)
}

// UnmarshalGQLContext accepts only the GraphQL (upper-case) form.
func (e *BulkRowStatus) UnmarshalGQLContext(_ context.Context, v any) error {
	return unmarshalGQL(BulkRowStatuses, e, v)
}

// UnmarshalJSON accepts only the REST (lower-case) form.
func (e *BulkRowStatus) UnmarshalJSON(b []byte) error {
	return unmarshalJSON(BulkRowStatuses, e, b)
}
