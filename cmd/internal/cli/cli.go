// Package cli holds the flag and environment helpers the commands share.
package cli

import (
	"fmt"
	"net"
	"strings"
)

// EnvOr returns the environment value of key, or def when it is unset or empty.
func EnvOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// StringList is a repeatable string flag: each use appends one value.
type StringList []string

// String joins the values with commas.
func (s *StringList) String() string { return strings.Join(*s, ",") }

// Set appends v.
func (s *StringList) Set(v string) error { *s = append(*s, v); return nil }

// OrEnv returns s when the flag was given, else the comma-separated entries
// of the environment value of key (each trimmed), else nil. A flag given on
// the command line thus replaces the environment's list; it does not add to it.
func (s StringList) OrEnv(getenv func(string) string, key string) StringList {
	if len(s) > 0 {
		return s
	}
	v := getenv(key)
	if v == "" {
		return nil
	}
	var out StringList
	for _, p := range strings.Split(v, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// ParseCIDRs parses each entry as a CIDR such as 10.0.0.0/8. The first that
// is not one fails the lot, in an error naming the flag (e.g. "--trusted-proxy").
func ParseCIDRs(flagName string, cidrs []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, p := range cidrs {
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", flagName, p, err)
		}
		out = append(out, n)
	}
	return out, nil
}
