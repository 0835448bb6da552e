package web

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// MaxImageURLLen is the longest product image URL accepted, in bytes.
const MaxImageURLLen = 2048

// ParseImageURL checks a product image URL and returns its origin
// (scheme://host[:port], as NormalizeOrigin writes it): the planner page's
// CSP img-src must list that origin for the image to load. The URL must be
// absolute https, or http on a loopback host (localhost, 127.0.0.0/8, ::1);
// at most MaxImageURLLen bytes of printable ASCII (RFC 3986 characters and
// percent escapes); without user name or password; and its host a DNS name
// of letters, digits and hyphens (internationalised names in their xn--
// form) or an IP address. The host rules are narrower than Go's parser on
// purpose: browsers parse URLs by the WHATWG rules, which read a numeric host
// such as 2130706433 or 0x7f.1 as an IPv4 address and unescape %-escapes in
// hosts, so accepting only what both parse alike keeps the origin checked
// here the origin the browser fetches from. The error is a phrase to put
// after the field's name ("must be ...").
func ParseImageURL(s string) (origin string, err error) {
	if s == "" {
		return "", fmt.Errorf("must not be empty")
	}
	if len(s) > MaxImageURLLen {
		return "", fmt.Errorf("must be at most %d bytes, got %d", MaxImageURLLen, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0 {
			return "", fmt.Errorf("must be a URL of printable ASCII without spaces (percent-encode the rest), found %q at byte %d", rune(c), i)
		}
	}
	u, perr := url.Parse(s)
	switch {
	case perr != nil:
		return "", fmt.Errorf("is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("must be an absolute https:// URL (http:// only on a loopback host), got %q", truncateBytes(s, 80))
	case u.Opaque != "" || u.Host == "":
		return "", fmt.Errorf("must be an absolute URL with a host, got %q", truncateBytes(s, 80))
	case u.User != nil:
		return "", fmt.Errorf("must not carry a user name or password")
	}
	origin, err = NormalizeImageOrigin(u.Scheme + "://" + u.Host)
	if err != nil {
		return "", err
	}
	return origin, nil
}

// NormalizeImageOrigin checks that s is an origin product images may be
// served from (ParseImageURL's scheme and host rules) and returns it in
// NormalizeOrigin's canonical form. The error is a phrase, as
// ParseImageURL's.
func NormalizeImageOrigin(s string) (string, error) {
	n, err := NormalizeOrigin(s)
	if err != nil {
		return "", fmt.Errorf("must be an origin like https://images.shop.example, got %q", truncateBytes(s, 80))
	}
	u, err := url.Parse(n)
	if err != nil { // NormalizeOrigin has just parsed it
		return "", fmt.Errorf("is not a valid URL")
	}
	host := u.Hostname()
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		if !validPort(port) {
			return "", fmt.Errorf("has an invalid port in %q", truncateBytes(s, 80))
		}
	}
	loopback := host == "localhost"
	switch ip := net.ParseIP(host); {
	case ip != nil:
		loopback = ip.IsLoopback()
		if ip.To4() == nil && !strings.HasPrefix(u.Host, "[") {
			return "", fmt.Errorf("must write an IPv6 host in brackets, got %q", truncateBytes(s, 80))
		}
	case !validDNSName(host):
		return "", fmt.Errorf("must have a host of letters, digits, '-' and '.' (an IDN in its xn-- form) or an IP address, got %q", truncateBytes(host, 80))
	}
	if u.Scheme == "http" && !loopback {
		return "", fmt.Errorf("must use https:// (http:// only on a loopback host such as 127.0.0.1 or localhost), got %q", truncateBytes(s, 80))
	}
	return n, nil
}

// validDNSName reports whether host is dot-separated labels of 1-63
// letters, digits and inner hyphens, at most 253 bytes (one trailing dot
// allowed), whose last label is not numeric: browsers read a host ending in
// a number (2130706433, 10.1, 0x7f) as an IPv4 address.
func validDNSName(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := strings.ToLower(labels[len(labels)-1])
	if strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") {
		return false
	}
	return true
}

// validPort reports whether p is a decimal port 1-65535 without leading zeros.
func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' || strings.Trim(p, "0123456789") != "" {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// truncateBytes shortens an ASCII string to at most n bytes for a message.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
