package ratelimit

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/telecaller-crm/api/auth"
)

// subject names whose budget a request spends: the user for a signed-in
// caller, else the client IP. IPv6 clients are grouped by /64, the block one
// subscriber usually gets, so rotating addresses does not buy more budget.
func (l *Limiter) subject(r *http.Request) (subject string, signedIn bool) {
	if p, ok := auth.FromContext(r.Context()); ok {
		return "u:" + p.UserID.String(), true
	}
	ip := l.ClientIP(r)
	if ip.Is6() {
		return "ip:" + netip.PrefixFrom(ip, 64).Masked().String(), false
	}
	return "ip:" + ip.String(), false
}

// keys are the Redis keys (without redis_rate's prefix) of a subject's hourly
// and bulk budgets. The braces are a Redis Cluster hash tag: both keys live in
// one slot, so one script can update them together.
func (l *Limiter) keys(subject string) (hourly, bulk string) {
	base := l.cfg.KeyPrefix + "{" + subject + "}"
	return base + ":h", base + ":bulk"
}

// ClientIP is the caller's address: the TCP peer, or, when the peer is a
// trusted proxy, the right-most X-Forwarded-For hop that is not a trusted
// proxy (hops further left were written by the client and can be forged).
// When every hop is trusted it is the left-most; an unparsable hop ends the
// walk at the trusted hop that reported it.
func (l *Limiter) ClientIP(r *http.Request) netip.Addr {
	ip := parseHop(r.RemoteAddr)
	if !ip.IsValid() || !l.trusted(ip) {
		return ip
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			hop := parseHop(strings.TrimSpace(parts[j]))
			if !hop.IsValid() {
				return ip
			}
			ip = hop
			if !l.trusted(ip) {
				return ip
			}
		}
	}
	return ip
}

func (l *Limiter) trusted(ip netip.Addr) bool {
	for _, p := range l.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseHop reads "ip", "ip:port" or "[ipv6]:port", dropping any zone and
// unmapping IPv4-in-IPv6. It returns the zero Addr when s is not an address.
func parseHop(s string) netip.Addr {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(s); err == nil {
		ip = ap.Addr()
	} else if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		ip = a
	}
	return ip.WithZone("").Unmap()
}
