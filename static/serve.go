package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// served reports whether a browser needs name: scripts, styles, images and
// the SDK's type declarations. Unit tests (*.test.js) and anything else
// embedded stay on the server.
func served(name string) bool {
	if strings.HasSuffix(name, ".test.js") {
		return false
	}
	switch path.Ext(name) {
	case ".js", ".css", ".svg", ".png", ".ico", ".woff2":
		return true
	}
	return strings.HasSuffix(name, ".d.ts")
}

// asset is one served file, prepared once.
type asset struct {
	body []byte
	etag string
}

// assets reads every served file of FS once, stripped (Strip), with a
// content ETag. The files are embedded in the binary: failing to read one is
// a build defect, hence the panic.
var assets = sync.OnceValue(func() map[string]asset {
	m := make(map[string]asset)
	err := fs.WalkDir(FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !served(name) {
			return err
		}
		b, err := fs.ReadFile(FS, name)
		if err != nil {
			return err
		}
		b = Strip(name, b)
		sum := sha256.Sum256(b)
		m[name] = asset{body: b, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("read embedded static files: %v", err))
	}
	return m
})

// Serve answers a request for the browser file name (a path below /static/,
// e.g. "planner/main.js") and reports true, or reports false, having written
// nothing, when no such file is served: directories are never listed, and
// tests and sources that browsers do not need are not served. Both servers
// (the planner service and the host site) serve /static/ through it.
//
// Module scripts are fetched same-origin by the planner page, and
// cross-origin by host pages that import the SDK, hence the CORS header on
// embed/ only. Every file carries a content ETag, so the browser's
// revalidation (Cache-Control: no-cache) costs a 304.
func Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	a, ok := assets()[name]
	if !ok {
		return false
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	if strings.HasPrefix(name, "embed/") {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	if strings.HasSuffix(name, ".d.ts") { // .ts is video/mp2t to the mime table
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
	return true
}
