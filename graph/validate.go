package graph

import (
	"encoding/json"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/telecaller-crm/api/apperr"
)

// Input limits, shared by every entry point.
const (
	maxNameLen         = 200
	maxCompanyLen      = 200
	maxNotesLen        = 10000
	maxTags            = 20
	maxTagLen          = 50
	maxCustomFieldSize = 16 << 10
	maxSearchLen       = 200
	maxPageSize        = 100
	defaultPageSize    = 20
	maxDuration        = 86400
	// futureSkew tolerates clocks slightly ahead of ours for "not in the future".
	futureSkew = 5 * time.Minute
)

// cleanName trims a lead's name and checks its length.
func cleanName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.Invalid(field, "is required")
	}
	if err := checkNUL(field, s); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > maxNameLen {
		return "", apperr.Invalid(field, "must be at most 200 characters")
	}
	return s, nil
}

// cleanText trims optional free text; blank becomes nil.
func cleanText(field string, s *string, max int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil, nil
	}
	if err := checkNUL(field, t); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(t) > max {
		return nil, apperr.Invalid(field, "is too long")
	}
	return &t, nil
}

// cleanEmail lower-cases and checks an address; blank becomes nil.
func cleanEmail(field string, s *string) (*string, error) {
	t, err := cleanText(field, s, 254)
	if err != nil || t == nil {
		return nil, err
	}
	e := strings.ToLower(*t)
	addr, perr := mail.ParseAddress(e)
	at := strings.LastIndexByte(e, '@')
	if perr != nil || addr.Address != e || at < 1 || !strings.Contains(e[at:], ".") {
		return nil, apperr.Invalid(field, "is not a valid email address")
	}
	return &e, nil
}

// cleanPhone keeps the raw number and returns its E.164 form, reading numbers
// without a country code in region. Blank becomes nil.
func cleanPhone(field string, s *string, region string) (raw, e164 *string, err error) {
	t, err := cleanText(field, s, 50)
	if err != nil || t == nil {
		return nil, nil, err
	}
	num, perr := phonenumbers.Parse(*t, region)
	if perr != nil || !phonenumbers.IsValidNumber(num) {
		return nil, nil, apperr.Invalid(field, "is not a valid phone number")
	}
	f := phonenumbers.Format(num, phonenumbers.E164)
	return t, &f, nil
}

// cleanTags trims, de-duplicates and checks tags.
func cleanTags(field string, tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" || utf8.RuneCountInString(tag) > maxTagLen {
			return nil, apperr.Invalid(field, "each tag must be 1 to 50 characters")
		}
		if err := checkNUL(field, tag); err != nil {
			return nil, err
		}
		if !seen[tag] {
			seen[tag] = true
			out = append(out, tag)
		}
	}
	if len(out) > maxTags {
		return nil, apperr.Invalid(field, "at most 20 tags")
	}
	return out, nil
}

// checkCustomFields bounds the encoded size of a custom-fields object.
func checkCustomFields(field string, m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return apperr.Invalid(field, "must be a JSON object")
	}
	if len(b) > maxCustomFieldSize {
		return apperr.Invalid(field, "must be at most 16 KB")
	}
	if hasNUL(m) {
		return apperr.Invalid(field, "must not contain NUL characters")
	}
	return nil
}

// hasNUL reports whether a decoded JSON value holds the NUL character in a
// key or string, which Postgres jsonb refuses.
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || hasNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// checkNUL rejects the NUL character, which Postgres text cannot hold (the
// query would fail as a server error).
func checkNUL(field, s string) error {
	if strings.ContainsRune(s, 0) {
		return apperr.Invalid(field, "must not contain NUL characters")
	}
	return nil
}

// checkFuture requires t to be after now.
func checkFuture(field string, t *time.Time, now time.Time) error {
	if t != nil && !t.After(now) {
		return apperr.Invalid(field, "must be in the future")
	}
	return nil
}

// checkPast requires t not to be in the future.
func checkPast(field string, t time.Time, now time.Time) error {
	if t.After(now.Add(futureSkew)) {
		return apperr.Invalid(field, "must not be in the future")
	}
	return nil
}

// pageSize checks a first/last/limit argument: 1 to 100, default 20.
// pageOffset reads an optional offset: rows to skip, never negative.
func pageOffset(offset *int) (int, error) {
	if offset == nil {
		return 0, nil
	}
	if *offset < 0 {
		return 0, apperr.Invalid("offset", "must not be negative")
	}
	return *offset, nil
}

func pageSize(field string, n *int) (int, error) {
	if n == nil {
		return defaultPageSize, nil
	}
	if *n < 0 || *n > maxPageSize {
		return 0, apperr.Invalid(field, "must be between 0 and 100")
	}
	return *n, nil
}
