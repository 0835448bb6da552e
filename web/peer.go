package web

import (
	"net"
	"net/http"
	"strings"
)

// IPExtractor returns the function that names a request's client address
// (an echo.IPExtractor). With no trusted proxies it is the direct peer, so a
// forwarded header cannot fake an address. Otherwise X-Forwarded-For is read
// from the right: the first address that is not in a trusted range is the
// client, or the leftmost when all are trusted; an unparsable entry makes
// the whole header untrusted (the direct peer). Unlike echo's own extractors,
// loopback, link-local and private peers are not trusted unless listed:
// listing a range lets any peer in it claim any client address.
func IPExtractor(trusted []*net.IPNet) func(*http.Request) string {
	if len(trusted) == 0 {
		return directPeer
	}
	isTrusted := func(ip net.IP) bool {
		for _, n := range trusted {
			if n.Contains(ip) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		direct := directPeer(r)
		xffs := r.Header.Values("X-Forwarded-For")
		if len(xffs) == 0 {
			return direct
		}
		ips := append(strings.Split(strings.Join(xffs, ","), ","), direct)
		for i := len(ips) - 1; i >= 0; i-- {
			ips[i] = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(ips[i]), "["), "]")
			ip := net.ParseIP(ips[i])
			if ip == nil {
				return direct
			}
			if !isTrusted(ip) {
				return ip.String()
			}
		}
		return ips[0]
	}
}

// directPeer is the connection's remote address without its port, the
// address as is when it has no port, or "" when it is not an address.
func directPeer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		if net.ParseIP(r.RemoteAddr) != nil {
			return r.RemoteAddr
		}
		return ""
	}
	return host
}
