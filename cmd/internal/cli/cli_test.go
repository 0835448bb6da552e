package cli

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestEnvOr(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SET": "v", "EMPTY": ""}
	getenv := func(k string) string { return env[k] }
	tests := []struct{ name, key, want string }{
		{"set", "SET", "v"},
		{"empty is unset", "EMPTY", "def"},
		{"unset", "MISSING", "def"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := EnvOr(getenv, tt.key, "def"); got != tt.want {
				t.Errorf("EnvOr(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestStringList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  string // the value of LIST
		want []string
	}{
		{"neither", nil, "", nil},
		{"repeated flag", []string{"--p", "a", "--p", "b"}, "", []string{"a", "b"}},
		{"env, comma separated and trimmed", nil, "a, b ,c", []string{"a", "b", "c"}},
		{"env keeps empty entries", nil, "a,,b", []string{"a", "", "b"}},
		{"the flag replaces the env", []string{"--p", "x"}, "a,b", []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var l StringList
			fs.Var(&l, "p", "repeatable")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got := l.OrEnv(func(k string) string {
				if k == "LIST" {
					return tt.env
				}
				return ""
			}, "LIST")
			if !slices.Equal(got, tt.want) {
				t.Errorf("list = %q, want %q", got, tt.want)
			}
			if s := l.String(); s != strings.Join(l, ",") {
				t.Errorf("String() = %q, want the flag values joined", s)
			}
		})
	}
}

func TestParseCIDRs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []string
		want    []string // the networks, as net.IPNet.String prints them
		wantErr string
	}{
		{"none", nil, nil, ""},
		{"IPv4 and IPv6", []string{"10.0.0.0/8", "2001:db8::/32"}, []string{"10.0.0.0/8", "2001:db8::/32"}, ""},
		{"host bits are masked", []string{"192.168.1.7/24"}, []string{"192.168.1.0/24"}, ""},
		{"an address is no CIDR", []string{"10.0.0.0/8", "10.0.0.1"}, nil, `--trusted-proxy "10.0.0.1"`},
		{"empty entry", []string{""}, nil, `--trusted-proxy ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			nets, err := ParseCIDRs("--trusted-proxy", tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range nets {
				got = append(got, n.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("networks = %q, want %q", got, tt.want)
			}
		})
	}
}
