package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// server serves b under /static/ on a real loopback server.
func server(t *testing.T, b *Bundle) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.Serve(w, r, strings.TrimPrefix(r.URL.Path, "/static/")) {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fetched is an answer read as it came over the wire (no transparent
// decompression) and decoded.
type fetched struct {
	res     *http.Response
	wire    []byte
	decoded []byte
}

func fetch(t *testing.T, url string, header ...string) fetched {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// DisableCompression: Go's transport would otherwise ask for gzip and
	// hide what was sent.
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	wire, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	f := fetched{res: res, wire: wire, decoded: wire}
	var rd io.Reader
	switch res.Header.Get("Content-Encoding") {
	case "br":
		rd = brotli.NewReader(bytes.NewReader(wire))
	case "gzip":
		if rd, err = gzip.NewReader(bytes.NewReader(wire)); err != nil {
			t.Fatalf("%s: gzip: %v", url, err)
		}
	}
	if rd != nil {
		if f.decoded, err = io.ReadAll(rd); err != nil {
			t.Fatalf("%s: decode %s: %v", url, res.Header.Get("Content-Encoding"), err)
		}
	}
	return f
}

func TestServeNegotiatesEncodings(t *testing.T) {
	t.Parallel()
	b := fixture(t)
	srv := server(t, b)
	url := srv.URL + b.URL("app/main.js")
	want := body(t, b, b.URL("app/main.js"))
	tests := []struct {
		name, accept, wantEncoding string
	}{
		{"browser", "gzip, deflate, br, zstd", "br"},
		{"gzip only", "gzip", "gzip"},
		{"q-values", "br;q=0.2, gzip;q=0.8", "gzip"},
		{"br refused", "br;q=0, *", "gzip"},
		{"everything refused", "*;q=0", ""},
		{"none asked", "", ""},
	}
	etags := map[string]string{}
	for _, tt := range tests {
		f := fetch(t, url, "Accept-Encoding", tt.accept)
		h := f.res.Header
		if f.res.StatusCode != http.StatusOK || h.Get("Content-Encoding") != tt.wantEncoding {
			t.Errorf("%s: %d, Content-Encoding %q, want 200 %q", tt.name, f.res.StatusCode, h.Get("Content-Encoding"), tt.wantEncoding)
		}
		if string(f.decoded) != want {
			t.Errorf("%s: decoded body differs from the file", tt.name)
		}
		if tt.wantEncoding != "" && len(f.wire) >= len(want) {
			t.Errorf("%s: %d bytes on the wire for a %d-byte file", tt.name, len(f.wire), len(want))
		}
		if h.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: Vary %q", tt.name, h.Get("Vary"))
		}
		if got := h.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", tt.name, got)
		}
		if got := h.Get("Content-Type"); got != "text/javascript; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.name, got)
		}
		if prev, ok := etags[tt.wantEncoding]; ok && prev != h.Get("ETag") {
			t.Errorf("%s: ETag %s, another request of the same encoding got %s", tt.name, h.Get("ETag"), prev)
		}
		etags[tt.wantEncoding] = h.Get("ETag")
	}
	if len(etags) != 3 || etags["br"] == etags["gzip"] || etags["br"] == etags[""] || etags["gzip"] == etags[""] {
		t.Errorf("ETags by encoding %v, want three different ones", etags)
	}

	// A revalidation is answered 304 for the variant it holds, and 200 with
	// the bytes when it holds another encoding's ETag.
	for enc, accept := range map[string]string{"br": "br", "gzip": "gzip", "": "identity"} {
		f := fetch(t, url, "Accept-Encoding", accept, "If-None-Match", etags[enc])
		if f.res.StatusCode != http.StatusNotModified || len(f.wire) != 0 {
			t.Errorf("revalidate %q: %d with %d bytes, want 304", enc, f.res.StatusCode, len(f.wire))
		}
		if f.res.Header.Get("ETag") != etags[enc] {
			t.Errorf("revalidate %q: ETag %q, want %q", enc, f.res.Header.Get("ETag"), etags[enc])
		}
	}
	if f := fetch(t, url, "Accept-Encoding", "gzip", "If-None-Match", etags["br"]); f.res.StatusCode != http.StatusOK || f.res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip request holding the brotli ETag: %d %q, want 200 gzip", f.res.StatusCode, f.res.Header.Get("Content-Encoding"))
	}
	// HEAD answers the headers of the variant, with no body.
	req, _ := http.NewRequest(http.MethodHead, url, nil)
	req.Header.Set("Accept-Encoding", "br")
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "br" || res.Header.Get("ETag") != etags["br"] {
		t.Errorf("HEAD: %d %q %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("ETag"))
	}
}

// The SDK keeps its stable URL (integrators hard-code it), revalidated on
// every use, beside its hashed one; both may be imported cross-origin.
func TestServeSDK(t *testing.T) {
	t.Parallel()
	if err := Load(); err != nil {
		t.Fatal(err)
	}
	b := Default()
	srv := server(t, b)
	stable := fetch(t, srv.URL+"/static/embed/planner-embed.js", "Accept-Encoding", "br, gzip")
	hashed := fetch(t, srv.URL+b.URL("embed/planner-embed.js"), "Accept-Encoding", "br, gzip")
	for name, f := range map[string]fetched{"stable": stable, "hashed": hashed} {
		h := f.res.Header
		if f.res.StatusCode != 200 || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Content-Encoding") != "br" {
			t.Errorf("%s SDK: %d, ACAO %q, encoding %q", name, f.res.StatusCode, h.Get("Access-Control-Allow-Origin"), h.Get("Content-Encoding"))
		}
		if !bytes.Contains(f.decoded, []byte("createPlanner")) {
			t.Errorf("%s SDK lacks createPlanner", name)
		}
	}
	if got := stable.res.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("stable SDK URL: Cache-Control %q, want no-cache", got)
	}
	if got := hashed.res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("hashed SDK URL: Cache-Control %q, want immutable", got)
	}
	if !bytes.Equal(stable.decoded, hashed.decoded) || stable.res.Header.Get("ETag") != hashed.res.Header.Get("ETag") {
		t.Errorf("stable and hashed SDK differ")
	}
	again := fetch(t, srv.URL+"/static/embed/planner-embed.js", "Accept-Encoding", "br, gzip", "If-None-Match", stable.res.Header.Get("ETag"))
	if again.res.StatusCode != http.StatusNotModified {
		t.Errorf("stable SDK revalidation: %d, want 304", again.res.StatusCode)
	}
	types := fetch(t, srv.URL+"/static/embed/planner-embed.d.ts")
	if types.res.StatusCode != 200 || types.res.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !bytes.Contains(types.decoded, []byte("createPlanner")) {
		t.Errorf("planner-embed.d.ts: %d %q", types.res.StatusCode, types.res.Header.Get("Content-Type"))
	}
	// The planner's own code is same-origin only.
	if got := fetch(t, srv.URL+b.URL("planner/main.js")).res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("planner code: ACAO %q, want none", got)
	}
}

func TestServeRefusesWhatIsNotBuilt(t *testing.T) {
	t.Parallel()
	if err := Load(); err != nil {
		t.Fatal(err)
	}
	srv := server(t, Default())
	for _, p := range []string{"/static/planner/app.js", "/static/planner/app.test.js", "/static/planner/", "/static/", "/static/static.go", "/static/tsconfig.json", "/static/embed/guards.js", "/static/planner/main.AAAAAAAA.js"} {
		if f := fetch(t, srv.URL+p); f.res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, f.res.StatusCode)
		}
	}
}
