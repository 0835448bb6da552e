package static

import (
	"strings"
	"testing"
)

var all = [nCodings]bool{true, true, true}

func TestChooseEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header string
		have         [nCodings]bool
		want         coding
	}{
		{"no header", "", all, identity},
		{"a browser", "gzip, deflate, br, zstd", all, brotliCoding},
		{"gzip only", "gzip", all, gzipCoding},
		{"x-gzip", "x-gzip", all, gzipCoding},
		{"q-values prefer gzip", "br;q=0.5, gzip;q=0.9", all, gzipCoding},
		{"ties go to the smaller", "gzip;q=0.8, br;q=0.8", all, brotliCoding},
		{"br refused", "br;q=0, gzip", all, gzipCoding},
		{"br refused with spaces and case", "BR ; Q=0 , GZIP", all, gzipCoding},
		{"all refused but identity", "br;q=0, gzip;q=0", all, identity},
		{"identity asked for", "identity", all, identity},
		{"identity preferred", "identity;q=1, br;q=0.5", all, identity},
		{"wildcard", "*", all, brotliCoding},
		{"wildcard below identity", "*;q=0.1, identity", all, identity},
		{"nothing acceptable falls back to identity", "*;q=0", all, identity},
		{"identity refused, gzip allowed", "identity;q=0, gzip;q=0.1", all, gzipCoding},
		{"named beats wildcard", "*;q=0.9, br;q=0", all, gzipCoding},
		{"repeated coding counts at its best", "br;q=0, br;q=0.7, gzip;q=0.5", all, brotliCoding},
		{"malformed q ignored", "br;q=2, gzip;q=0.5", all, gzipCoding},
		{"too many decimals ignored", "br;q=0.0001, gzip;q=0.001", all, gzipCoding},
		{"q above one ignored", "br;q=1.001, gzip", all, gzipCoding},
		{"unknown codings", "zstd, deflate", all, identity},
		{"variant missing", "br, gzip;q=0.5", [nCodings]bool{true, true, false}, gzipCoding},
		{"only identity exists", "br, gzip", [nCodings]bool{true, false, false}, identity},
		{"other parameters", "br;level=5;q=0.3, gzip;q=0.2", all, brotliCoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := parseAcceptEncoding(tt.header).choose(tt.have); got != tt.want {
				t.Errorf("choose(%q) = %s, want %s (weights %v)", tt.header, got.token(), tt.want.token(), parseAcceptEncoding(tt.header))
			}
		})
	}
}

// FuzzAcceptEncoding checks, for any header, that the parser does not
// panic, that every weight is a q-value, and that a coding chosen is one
// that exists and is acceptable (identity being the fallback).
func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"", "gzip, deflate, br", "br;q=0, gzip;q=0.5", "*;q=0", "identity;q=0", "br;q=0.001,*", ";;,,q=1", "gzip;q=", "br;q=1.000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		w := parseAcceptEncoding(h)
		for c, q := range w {
			if q < 0 || q > 1 {
				t.Fatalf("weight of %s = %v for %q", coding(c).token(), q, h)
			}
		}
		for mask := 1; mask < 1<<nCodings; mask += 2 { // identity always exists
			var have [nCodings]bool
			for c := range have {
				have[c] = mask&(1<<c) != 0
			}
			got := w.choose(have)
			if !have[got] {
				t.Fatalf("choose(%q) = %s, which does not exist", h, got.token())
			}
			if got != identity && w[got] <= 0 {
				t.Fatalf("choose(%q) = %s, which it refuses", h, got.token())
			}
			for c := range have {
				if have[c] && w[c] > w[got] {
					t.Fatalf("choose(%q) = %s (q=%v) over %s (q=%v)", h, got.token(), w[got], coding(c).token(), w[c])
				}
			}
		}
		// An explicit refusal of br is honoured whatever else is said.
		if !strings.Contains(strings.ToLower(h), "br") && w[brotliCoding] > 0 && !strings.Contains(h, "*") {
			t.Fatalf("br accepted by %q, which does not name it", h)
		}
	})
}
