package web

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseImageURL(t *testing.T) {
	t.Parallel()
	long := "https://img.shop.example/" + strings.Repeat("a", MaxImageURLLen-len("https://img.shop.example/"))
	tests := []struct {
		name       string
		in         string
		wantOrigin string // "" means refused
		wantInErr  string
	}{
		{"https", "https://img.shop.example/p/sofa.jpg", "https://img.shop.example", ""},
		{"https default port", "https://IMG.Shop.example:443/p.png?v=2", "https://img.shop.example", ""},
		{"https other port", "https://img.shop.example:8443/p.png", "https://img.shop.example:8443", ""},
		{"http on 127.0.0.1", "http://127.0.0.1:9000/sofa.svg", "http://127.0.0.1:9000", ""},
		{"http on localhost", "http://localhost:9000/sofa.svg", "http://localhost:9000", ""},
		{"http on ::1", "http://[::1]:9000/sofa.svg", "http://[::1]:9000", ""},
		{"punycode host", "https://xn--bcher-kva.example/a.jpg", "https://xn--bcher-kva.example", ""},
		{"percent-encoded path", "https://img.shop.example/a%20b.jpg", "https://img.shop.example", ""},
		{"at the length limit", long, "https://img.shop.example", ""},

		{"empty", "", "", "empty"},
		{"over the length limit", long + "a", "", "at most 2048 bytes"},
		{"relative", "/static/sofa.png", "", "absolute https"},
		{"scheme-relative", "//img.shop.example/a.jpg", "", "absolute https"},
		{"http elsewhere", "http://img.shop.example/a.jpg", "", "must use https"},
		{"http on a private address", "http://192.168.1.2/a.jpg", "", "must use https"},
		{"data URL", "data:image/png;base64,AAAA", "", "absolute https"},
		{"javascript", "javascript:alert(1)", "", "absolute https"},
		{"credentials", "https://user:pw@img.shop.example/a.jpg", "", "user name or password"},
		{"user only", "https://user@img.shop.example/a.jpg", "", "user name or password"},
		{"space", "https://img.shop.example/a b.jpg", "", "printable ASCII"},
		{"non-ASCII host", "https://bücher.example/a.jpg", "", "printable ASCII"},
		{"backslash", `https://img.shop.example\@evil.example/a.jpg`, "", "printable ASCII"},
		{"quote", `https://img.shop.example/a".jpg`, "", "printable ASCII"},
		{"numeric host", "https://2130706433/a.jpg", "", "host of letters"},
		{"short IPv4", "http://127.1/a.jpg", "", "host of letters"},
		{"hex host", "http://0x7f.1/a.jpg", "", "host of letters"},
		{"escaped host", "https://%69mg.shop.example/a.jpg", "", ""},
		{"underscore host", "https://img_1.shop.example/a.jpg", "", "host of letters"},
		{"empty port", "https://img.shop.example:/a.jpg", "", "port"},
		{"port zero", "https://img.shop.example:0/a.jpg", "", "port"},
		{"port too big", "https://img.shop.example:65536/a.jpg", "", ""},
		{"no host", "https:///a.jpg", "", "host"},
		{"wildcard host", "https://*.shop.example/a.jpg", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseImageURL(tt.in)
			if tt.wantOrigin != "" {
				if err != nil || got != tt.wantOrigin {
					t.Fatalf("ParseImageURL(%q) = %q, %v; want %q", tt.in, got, err, tt.wantOrigin)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseImageURL(%q) = %q, want a refusal", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q, want it to say %q", err, tt.wantInErr)
			}
		})
	}
}

func TestNormalizeImageOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"https://img.shop.example", "https://img.shop.example"},
		{"https://IMG.shop.example:443/", "https://img.shop.example"},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"http://localhost:9000", "http://localhost:9000"},
		{"http://img.shop.example", ""},
		{"https://img.shop.example/path", ""},
		{"https://*.shop.example", ""},
		{"img.shop.example", ""},
		{"https://user@img.shop.example", ""},
		{"'self'", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeImageOrigin(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalizeImageOrigin(%q) = %q, want a refusal", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeImageOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseImageURL checks what the planner page's CSP and the browser rely
// on for any accepted URL: it is short printable ASCII, Go parses it to the
// origin returned, that origin is canonical and passes NormalizeImageOrigin
// unchanged, and http is only ever on a loopback host.
func FuzzParseImageURL(f *testing.F) {
	for _, s := range []string{"https://img.shop.example/p/sofa.jpg", "http://127.0.0.1:9000/a.svg",
		"http://[::1]:80/a", "https://u:p@h.example/", "https://2130706433/", "http://0x7f.1/",
		"https://h.example:443/a?b#c", "https://%41.example/", "https://h.example\\@e.example/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		origin, err := ParseImageURL(s)
		if err != nil {
			return
		}
		if len(s) > MaxImageURLLen {
			t.Fatalf("accepted %d bytes", len(s))
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '\\' {
				t.Fatalf("accepted byte %q in %q", s[i], s)
			}
		}
		u, err := url.Parse(s)
		if err != nil || u.User != nil {
			t.Fatalf("accepted %q: parse %v, user %v", s, err, u.User)
		}
		again, err := NormalizeImageOrigin(origin)
		if err != nil || again != origin {
			t.Fatalf("origin %q of %q normalises to %q, %v", origin, s, again, err)
		}
		if want, _ := NormalizeOrigin(u.Scheme + "://" + u.Host); want != origin {
			t.Fatalf("origin %q of %q, want %q", origin, s, want)
		}
		if strings.ContainsAny(origin, " *;,'\"") {
			t.Fatalf("origin %q would break a CSP source list", origin)
		}
		if u.Scheme == "http" {
			h := u.Hostname()
			if h != "localhost" && !strings.HasPrefix(h, "127.") && h != "::1" {
				t.Fatalf("accepted http on %q", h)
			}
		}
	})
}
