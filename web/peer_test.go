package web_test

import (
	"net"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
)

func TestIPExtractor(t *testing.T) {
	t.Parallel()
	cidr := func(s string) *net.IPNet {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	proxies := []*net.IPNet{cidr("10.0.0.0/8"), cidr("2001:db8::/32")}
	tests := []struct {
		name    string
		trusted []*net.IPNet
		peer    string
		xff     []string
		want    string
	}{
		{"direct peer", nil, "203.0.113.5:4000", nil, "203.0.113.5"},
		{"no proxies: X-Forwarded-For ignored", nil, "203.0.113.5:4000", []string{"198.51.100.7"}, "203.0.113.5"},
		{"no proxies: loopback peer ignored too", nil, "127.0.0.1:4000", []string{"198.51.100.7"}, "127.0.0.1"},
		{"peer without a port", nil, "203.0.113.5", nil, "203.0.113.5"},
		{"peer that is no address", nil, "pipe", nil, ""},
		{"trusted proxy, no header", proxies, "10.0.0.1:4000", nil, "10.0.0.1"},
		{"trusted proxy names the client", proxies, "10.0.0.1:4000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"untrusted peer cannot name one", proxies, "203.0.113.5:4000", []string{"198.51.100.7"}, "203.0.113.5"},
		{"loopback peer is not trusted unless listed", proxies, "127.0.0.1:4000", []string{"198.51.100.7"}, "127.0.0.1"},
		{"private peer outside the list is not trusted", proxies, "192.168.1.1:4000", []string{"198.51.100.7"}, "192.168.1.1"},
		{"nearest untrusted address wins", proxies, "10.0.0.1:4000", []string{"192.0.2.9, 198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
		{"several header lines are one list", proxies, "10.0.0.1:4000", []string{"192.0.2.9", "198.51.100.7"}, "198.51.100.7"},
		{"all trusted: the leftmost", proxies, "10.0.0.1:4000", []string{" 10.0.0.3 , 10.0.0.2"}, "10.0.0.3"},
		{"unparsable entry: the direct peer", proxies, "10.0.0.1:4000", []string{"198.51.100.7, junk"}, "10.0.0.1"},
		{"IPv6 in brackets, canonical", proxies, "[2001:db8::1]:4000", []string{"[2001:DB9::0:1]"}, "2001:db9::1"},
		{"all trusted: the leftmost as written", proxies, "[2001:db8::1]:4000", []string{"[2001:DB8::0:2]"}, "2001:DB8::0:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := web.IPExtractor(tt.trusted)(r); got != tt.want {
				t.Errorf("IPExtractor = %q, want %q", got, tt.want)
			}
			// The same answer as the echo extractors it replaced.
			old := echo.ExtractIPDirect()
			if len(tt.trusted) > 0 {
				opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
				for _, n := range tt.trusted {
					opts = append(opts, echo.TrustIPRange(n))
				}
				old = echo.ExtractIPFromXFFHeader(opts...)
			}
			if got, was := web.IPExtractor(tt.trusted)(r), old(r); got != was {
				t.Errorf("IPExtractor = %q, echo's extractor said %q", got, was)
			}
		})
	}
}
