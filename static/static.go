// Package static embeds the browser code: the planner iframe app (planner/),
// the host SDK (embed/), the reference host site's page script (host/) and
// the retailer console's dashboard (console/).
// Both servers serve it from here, so a clean clone runs with no build step.
package static

import "embed"

// FS holds the browser code, served under /static/.
//
//go:embed embed planner host console
var FS embed.FS
