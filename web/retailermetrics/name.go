package retailermetrics

import (
	"time"

	"github.com/roomplanner/planner/web"
)

// Counter is one of the counted metrics. The set is closed, so a retailer has
// a bounded number of rows a minute whatever its visitors send.
type Counter uint8

// Counters recorded from what the service sees.
const (
	TokensLegalEntity      Counter = iota // legal-entity tokens minted at POST /v1/tokens
	TokensUser                            // user tokens minted
	TokensRetailer                        // retailer tokens minted
	MeChecks                              // GET /v1/me answered
	ProjectsCreated                       // POST /v1/projects that created a project
	ProjectsSaved                         // PUT /v1/projects/{id} that stored a version
	ProjectsDeleted                       // DELETE /v1/projects/{id}
	SocketsOpened                         // live sockets opened
	AuthInvalidClient                     // POST /v1/tokens with a known key and a wrong secret
	AuthTokenExpired                      // API calls with an expired token of this retailer
	AuthFailedInvalidToken                // reported by the planner: a token it was given was refused as invalid
	AuthFailedForbidden                   // reported: a token of another retailer or kind
	AuthFailedOther                       // reported: any other reason

	// Counters the planner reports (POST /v1/events).
	PlannerOpened    // an iframe load started
	VisitorsSignedIn // iframe loads that had a signed-in user (once per load)
	ProductAdded     // products put on a plan
	BasketSent       // AddToBasket posted
	BasketLines      // lines in those baskets
	ExpiryEpisodes   // TokenExpired episodes that ended (a fresh token, or a failure)
	HeldCalls        // calls held during those episodes
	HoldMillis       // the episodes' total hold time
	HoldUnder250ms   // hold-time histogram: episodes that held at most 250 ms
	HoldUnder1s      // ... at most 1 s
	HoldUnder2s      // ... at most 2 s
	HoldUnder5s      // ... at most 5 s
	HoldUnder10s     // ... at most 10 s
	HoldUnder30s     // ... at most 30 s
	HoldOver30s      // ... longer
	HeldFailed       // held calls that failed (no fresh token in time, sign-out)
	EventsRefused    // event batches refused by the flood limits

	numCounters
)

// counterNames are the stored names, part of the schema: never rename one.
var counterNames = [numCounters]string{
	TokensLegalEntity:      "tokens.legal-entity",
	TokensUser:             "tokens.user",
	TokensRetailer:         "tokens.retailer",
	MeChecks:               "me",
	ProjectsCreated:        "projects.created",
	ProjectsSaved:          "projects.saved",
	ProjectsDeleted:        "projects.deleted",
	SocketsOpened:          "sockets.opened",
	AuthInvalidClient:      "auth.invalid_client",
	AuthTokenExpired:       "auth.token_expired",
	AuthFailedInvalidToken: "auth.invalid_token",
	AuthFailedForbidden:    "auth.forbidden",
	AuthFailedOther:        "auth.other",
	PlannerOpened:          "planner.opened",
	VisitorsSignedIn:       "visitors.signed_in",
	ProductAdded:           "product.added",
	BasketSent:             "basket.sent",
	BasketLines:            "basket.lines",
	ExpiryEpisodes:         "expiry.episodes",
	HeldCalls:              "expiry.held_calls",
	HoldMillis:             "expiry.hold_ms",
	HoldUnder250ms:         "expiry.hold_le_250ms",
	HoldUnder1s:            "expiry.hold_le_1s",
	HoldUnder2s:            "expiry.hold_le_2s",
	HoldUnder5s:            "expiry.hold_le_5s",
	HoldUnder10s:           "expiry.hold_le_10s",
	HoldUnder30s:           "expiry.hold_le_30s",
	HoldOver30s:            "expiry.hold_gt_30s",
	HeldFailed:             "held.failed",
	EventsRefused:          "events.refused",
}

// String returns the counter's stored name.
func (c Counter) String() string {
	if c < numCounters {
		return counterNames[c]
	}
	return "unknown"
}

// holdBuckets are the hold-time histogram's upper bounds, in order, with
// their counters; a longer hold counts in HoldOver30s.
var holdBuckets = []struct {
	le time.Duration
	c  Counter
}{
	{250 * time.Millisecond, HoldUnder250ms},
	{time.Second, HoldUnder1s},
	{2 * time.Second, HoldUnder2s},
	{5 * time.Second, HoldUnder5s},
	{10 * time.Second, HoldUnder10s},
	{30 * time.Second, HoldUnder30s},
}

// holdCounter returns the histogram bucket of a hold of d.
func holdCounter(d time.Duration) Counter {
	for _, b := range holdBuckets {
		if d <= b.le {
			return b.c
		}
	}
	return HoldOver30s
}

// Gauges, sampled each second and stored per minute as their maximum.
const (
	GaugePlannersOpen = web.MetricMaxPrefix + "planners_open" // iframes open now (seen within OpenWindow)
	GaugeSignedIn     = web.MetricMaxPrefix + "signed_in"     // of those, with a signed-in user
	GaugeSockets      = web.MetricMaxPrefix + "sockets"       // live sockets open (every instance's, with a Cluster)
)

// basketValuePrefix names the basket value of one currency, in minor units
// ("basket.value.EUR").
const basketValuePrefix = "basket.value."

// maxCurrencies bounds the currencies one retailer's minute holds values of;
// the value of a basket in yet another currency is not stored (its count is).
const maxCurrencies = 4
