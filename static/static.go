// Package static embeds the browser code: the planner iframe app (planner/),
// the host SDK (embed/) and the reference host site's page script (host/).
// Both servers serve it from here, so a clean clone runs with no build step.
package static

import "embed"

// FS holds the browser code, served under /static/.
//
//go:embed embed planner host
var FS embed.FS
