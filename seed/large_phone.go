package seed

import (
	"math/rand/v2"
	"strconv"
)

// phonePool draws unique valid Indian mobile numbers fast enough for a
// million leads. Whether a ten-digit Indian number is valid depends only on
// its first six digits (every libphonenumber pattern for India ends in free
// digits), so the pool checks a set of six-digit prefixes once, with the same
// normalisation the demo data uses, and then appends random four-digit line
// numbers to them: real numbers cluster in operator series the same way.
type phonePool struct {
	prefixes []int
	// used has a bit per number of the pool: prefix index × 10,000 + line.
	used []uint64
}

// newPhonePool validates enough prefixes that leads numbers fill about 1% of
// the pool, which keeps redraws rare.
func newPhonePool(rng *rand.Rand, leads int) *phonePool {
	want := min(max(leads/100, 100), 100_000)
	p := &phonePool{}
	seen := make(map[int]bool, want)
	for len(p.prefixes) < want {
		prefix := int(pickWeighted(rng, mobileFirstDigits)-'0')*100_000 + rng.IntN(100_000)
		if seen[prefix] {
			continue
		}
		seen[prefix] = true
		lo, hi := strconv.Itoa(prefix*10_000), strconv.Itoa(prefix*10_000+9_999)
		if normalizePhone(lo) == "+91"+lo && normalizePhone(hi) == "+91"+hi {
			p.prefixes = append(p.prefixes, prefix)
		}
	}
	p.used = make([]uint64, (want*10_000+63)/64)
	return p
}

// draw returns an unused number as a person would type it and its E.164 form.
func (p *phonePool) draw(rng *rand.Rand) (raw, e164 string) {
	for {
		k := rng.IntN(len(p.prefixes))*10_000 + rng.IntN(10_000)
		if p.used[k/64]&(1<<(k%64)) != 0 {
			continue
		}
		p.used[k/64] |= 1 << (k % 64)
		digits := strconv.Itoa(p.prefixes[k/10_000]*10_000 + k%10_000)
		return pick(rng, phoneFormats)(digits), "+91" + digits
	}
}
