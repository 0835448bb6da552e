// Package static embeds the browser code, the planner iframe app (planner/),
// the host SDK (embed/), the reference host site's page script (host/) and
// the retailer console's scripts and stylesheet (console/),
// and serves it bundled: at start-up esbuild bundles and minifies each page's
// entry points (Build), and every output is precompressed with brotli and
// gzip. Both servers serve it from here, so a clean clone runs with no build
// step, and the sources stay as node's unit tests import them.
package static

import "embed"

// FS holds the browser code's sources, bundled by Build.
//
//go:embed embed planner host console
var FS embed.FS
