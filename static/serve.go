package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// Bundle is the served browser code: every output of the build under its
// path below /static/, and which hashed file each entry point became.
type Bundle struct {
	files   map[string]*asset
	entries map[string]string   // entry point ("planner/main.js") → its hashed output
	deps    map[string][]string // output → outputs it imports statically
}

// asset is one served file with its precompressed variants.
type asset struct {
	name      string
	body      []byte
	immutable bool // under a content-hashed name: cached for a year
	variants  [nCodings]variant
	have      [nCodings]bool
}

// variant is one encoding of an asset, with its own ETag (a cache must
// never answer a brotli request's revalidation with the gzip bytes).
type variant struct {
	body []byte
	etag string
}

// Compression levels: the scripts and styles a page loads get brotli's and
// gzip's best; source maps, fetched only by developer tools and ten times
// larger, a fast brotli level (quality 11 would cost seconds at start-up).
const (
	brotliBest = brotli.BestCompression
	brotliMaps = 5
)

// prepare computes the asset's ETag and its brotli and gzip variants,
// keeping only those smaller than the file itself.
func (a *asset) prepare() error {
	sum := sha256.Sum256(a.body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:12])
	a.variants[identity] = variant{body: a.body, etag: `"` + tag + `"`}
	a.have[identity] = true

	var br bytes.Buffer
	q := brotliBest
	if strings.HasSuffix(a.name, ".map") {
		q = brotliMaps
	}
	bw := brotli.NewWriterLevel(&br, q)
	if _, err := bw.Write(a.body); err != nil {
		return fmt.Errorf("brotli %s: %w", a.name, err)
	}
	if err := bw.Close(); err != nil {
		return fmt.Errorf("brotli %s: %w", a.name, err)
	}
	var gz bytes.Buffer
	gw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := gw.Write(a.body); err != nil {
		return fmt.Errorf("gzip %s: %w", a.name, err)
	}
	if err := gw.Close(); err != nil {
		return fmt.Errorf("gzip %s: %w", a.name, err)
	}
	for c, b := range map[coding][]byte{brotliCoding: br.Bytes(), gzipCoding: gz.Bytes()} {
		if len(b) < len(a.body) {
			a.variants[c] = variant{body: b, etag: `"` + tag + "-" + c.token() + `"`}
			a.have[c] = true
		}
	}
	return nil
}

// contentTypes are the served files' types, by extension.
var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".map":   "application/json",
	".ts":    "text/plain; charset=utf-8", // .d.ts: video/mp2t to the mime table
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".woff2": "font/woff2",
}

// Cache-Control values: a hashed name never changes content; a stable name
// (the SDK's, the type declarations) is revalidated on every use, at the
// cost of a 304.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheRevalid   = "no-cache"
)

// Serve answers a request for the file name (a path below /static/, e.g.
// "planner/main.3F2A9C1B.js") and reports true, or reports false, having
// written nothing, when no such file is served: only the build's outputs,
// each entry point's stable name and the SDK's type declarations are;
// never a source module, a unit test or a directory listing.
//
// The variant sent follows Accept-Encoding (brotli, gzip or identity; see
// parseAcceptEncoding), with Vary: Accept-Encoding and an ETag per variant,
// so revalidations get their 304. The host SDK and what it loads (embed/)
// are imported cross-origin by host pages, hence the CORS header there.
func (b *Bundle) Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	a, ok := b.files[name]
	if !ok {
		return false
	}
	h := w.Header()
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", cacheRevalid)
	if a.immutable {
		h.Set("Cache-Control", cacheImmutable)
	}
	if strings.HasPrefix(name, "embed/") {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	h.Add("Vary", "Accept-Encoding")
	c := parseAcceptEncoding(r.Header.Get("Accept-Encoding")).choose(a.have)
	v := a.variants[c]
	if c != identity {
		h.Set("Content-Encoding", c.token())
	}
	h.Set("ETag", v.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(v.body))
	return true
}

// URL is the path the entry point name ("planner/main.js") is served at
// under its content-hashed name ("/static/planner/main.3F2A9C1B.js"). It
// panics for a name that is no entry point: a page referencing a file the
// build does not make is a defect of this program.
func (b *Bundle) URL(name string) string {
	out, ok := b.entries[name]
	if !ok {
		panic(fmt.Sprintf("static: %s is not an entry point of the build", name))
	}
	return "/static/" + out
}

// Preloads are the paths of the chunks the entry point name imports
// statically, directly or not, in load order: a page lists them as
// <link rel="modulepreload"> so the browser fetches them with the entry
// instead of after it. Chunks loaded with import() are not among them.
func (b *Bundle) Preloads(name string) []string {
	var urls []string
	seen := map[string]bool{}
	var walk func(out string)
	walk = func(out string) {
		for _, d := range b.deps[out] {
			if !seen[d] {
				seen[d] = true
				urls = append(urls, "/static/"+d)
				walk(d)
			}
		}
	}
	out, ok := b.entries[name]
	if !ok {
		panic(fmt.Sprintf("static: %s is not an entry point of the build", name))
	}
	walk(out)
	return urls
}

// Names lists every served path, for tests and tools.
func (b *Bundle) Names() []string {
	names := make([]string, 0, len(b.files))
	for n := range b.files {
		names = append(names, n)
	}
	return names
}

// built is the bundle of FS, made once per process.
var built = sync.OnceValues(func() (*Bundle, error) { return Build(FS, pages, rawFiles) })

// Load builds the served bundle from FS (once per process; later calls
// return at once) and reports a build error. Servers call it when they are
// constructed, so the cost is paid at start-up and never by a visitor.
func Load() error {
	_, err := built()
	return err
}

// Default is the bundle both servers serve. It panics if the build fails,
// which Load reports first: the files are embedded in the binary, so a
// failing build is a defect of the binary.
func Default() *Bundle {
	b, err := built()
	if err != nil {
		panic(fmt.Sprintf("static: %v", err))
	}
	return b
}

// Serve serves name from the Default bundle (see Bundle.Serve). Both
// servers (the planner service and the host site) serve /static/ through it.
func Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	return Default().Serve(w, r, name)
}

// URL is the Default bundle's hashed path of an entry point (see Bundle.URL).
func URL(name string) string { return Default().URL(name) }

// Preloads are the Default bundle's static chunks of an entry point (see Bundle.Preloads).
func Preloads(name string) []string { return Default().Preloads(name) }
