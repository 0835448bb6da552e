package static

import (
	"strconv"
	"strings"
)

// coding is a content coding the server has a variant in.
type coding int

const (
	identity coding = iota
	gzipCoding
	brotliCoding
	nCodings
)

// token is the coding's name in Accept-Encoding and Content-Encoding.
func (c coding) token() string {
	return [...]string{"identity", "gzip", "br"}[c]
}

// weights are the q-values a request's Accept-Encoding gives our codings,
// 0 for one it refuses (RFC 9110, section 12.5.3).
type weights [nCodings]float64

// parseAcceptEncoding reads an Accept-Encoding value. A coding named
// explicitly gets its q-value (1 when none is given); one not named gets
// the q-value of "*" when there is one, else 0. For identity, 0 means "not
// preferred" rather than refused: choose falls back to it whatever the
// header says. An absent or empty header asks for no coding at all. An
// element with a malformed q-value is ignored, as if not sent.
func parseAcceptEncoding(h string) weights {
	var w weights
	var named [nCodings]bool
	star := -1.0
	for elem := range strings.SplitSeq(h, ",") {
		name, params, _ := strings.Cut(elem, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		q, ok := qValue(params)
		if !ok {
			continue
		}
		c := identity
		switch name {
		case "*":
			star = q
			continue
		case "identity":
		case "gzip", "x-gzip":
			c = gzipCoding
		case "br":
			c = brotliCoding
		default:
			continue
		}
		if !named[c] || q > w[c] { // a repeated coding counts at its best
			w[c] = q
		}
		named[c] = true
	}
	for c := identity; c < nCodings; c++ {
		if !named[c] && star >= 0 {
			w[c] = star
		}
	}
	return w
}

// qValue reads the q parameter of an element's parameters (";q=0.5"), 1
// when there is none; ok is false when it is malformed: not 0 to 1 with at
// most three decimals.
func qValue(params string) (q float64, ok bool) {
	q = 1
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if !validQ(v) {
			return 0, false
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, false
		}
		q = f
	}
	return q, true
}

// validQ is RFC 9110's qvalue: "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ].
func validQ(v string) bool {
	if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return false
	}
	if len(v) == 1 {
		return true
	}
	if v[1] != '.' {
		return false
	}
	for _, d := range v[2:] {
		if d < '0' || d > '9' || (v[0] == '1' && d != '0') {
			return false
		}
	}
	return true
}

// choose picks the variant to send among those available (have): the
// acceptable one with the highest q-value, the smaller body (brotli, then
// gzip) when q-values tie, and identity when nothing is acceptable, as the
// representation every client can read.
func (w weights) choose(have [nCodings]bool) coding {
	best, bestQ := identity, 0.0
	for c := brotliCoding; c >= identity; c-- {
		if have[c] && w[c] > bestQ {
			best, bestQ = c, w[c]
		}
	}
	return best
}
