package seed

import (
	"fmt"

	"github.com/nyaruka/phonenumbers"
)

// phoneRegion is the region demo numbers are written for (DEFAULT_PHONE_REGION).
const phoneRegion = "IN"

// phoneFormats write a 10-digit Indian mobile number the ways people type it.
var phoneFormats = []func(d string) string{
	func(d string) string { return d[:5] + " " + d[5:] },
	func(d string) string { return d },
	func(d string) string { return "+91 " + d[:5] + " " + d[5:] },
	func(d string) string { return "+91 " + d[:5] + "-" + d[5:] },
	func(d string) string { return "+91-" + d[:5] + "-" + d[5:] },
	func(d string) string { return "+91" + d },
	func(d string) string { return "0" + d[:5] + " " + d[5:] },
	func(d string) string { return d[:3] + "-" + d[3:6] + "-" + d[6:] },
	func(d string) string { return "(+91) " + d[:5] + " " + d[5:] },
}

var mobileFirstDigits = []weighted[byte]{{'9', 5}, {'8', 3}, {'7', 2}}

// phone returns an unused Indian mobile number as a person would type it and
// its E.164 form, as the API would normalise it.
func (g *generator) phone() (raw, e164 string) {
	for {
		digits := fmt.Sprintf("%c%09d", pickWeighted(g.rng, mobileFirstDigits), g.rng.IntN(1_000_000_000))
		raw = pick(g.rng, phoneFormats)(digits)
		e164 = "+91" + digits
		// Not every 10-digit number starting 7–9 is allocated; draw again
		// until one is valid and the raw text normalises back to it.
		if g.phones[e164] || normalizePhone(raw) != e164 {
			continue
		}
		g.phones[e164] = true
		return raw, e164
	}
}

// normalizePhone returns the E.164 form of a valid number, or "".
func normalizePhone(raw string) string {
	n, err := phonenumbers.Parse(raw, phoneRegion)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}
