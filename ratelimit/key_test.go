package ratelimit_test

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/telecaller-crm/api/ratelimit"
)

// trustedProxies are 10.0.0.0/8 and one IPv6 proxy.
func trustedProxies() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::1/128")}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(nil, ratelimit.Config{TrustedProxies: trustedProxies()})
	tests := []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{"no proxy", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"untrusted peer: X-Forwarded-For ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"trusted peer: the hop it reports", "10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"trusted peer: right-most untrusted hop, forged hops ignored", "10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several X-Forwarded-For headers are one list", "10.1.2.3:4000", []string{"6.6.6.6", "198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"trusted peer without X-Forwarded-For", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"every hop trusted: the left-most", "10.1.2.3:4000", []string{"10.0.0.7, 10.0.0.8"}, "10.0.0.7"},
		{"unparsable hop: the trusted hop that reported it", "10.1.2.3:4000", []string{"198.51.100.1, unknown, 10.0.0.8"}, "10.0.0.8"},
		{"hop with a port", "10.1.2.3:4000", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"IPv6 hop with a port", "10.1.2.3:4000", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"IPv6 trusted peer", "[2001:db8:ffff::1]:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped peer is unmapped", "[::ffff:10.1.2.3]:4000", []string{"198.51.100.1"}, "198.51.100.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := req(http.MethodGet, "/", from(tc.peer), xff(tc.xff...))
			if got := l.ClientIP(r); got.String() != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}
