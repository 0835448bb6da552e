package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailermetrics"
)

// MetricsRecorder counts each retailer's business metrics
// (web/retailermetrics.Recorder; a nil *Recorder counts nothing).
type MetricsRecorder interface {
	Add(retailerID string, c retailermetrics.Counter, n int64)
	Minted(retailerID, kind string, n int)
	AuthFailure(retailerID, code string)
	Allow(retailerID, jti, load string) (bool, time.Duration)
	Record(retailerID string, signedIn bool, b retailermetrics.Batch)
}

// handleEvents takes the embedded planner's report: a batch of what one
// iframe load saw (retailermetrics.ParseBatch), under the visitor's token.
// It answers 202 with no body: the planner never waits on it.
func handleEvents(metrics MetricsRecorder) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		body, err := readBody(c, retailermetrics.MaxBatchBytes)
		if err != nil {
			return err
		}
		b, err := retailermetrics.ParseBatch(body)
		if err != nil {
			return err
		}
		if ok, wait := metrics.Allow(p.RetailerID, p.JTI, b.Load); !ok {
			return rateLimited("too many event batches: send them later, merged", wait)
		}
		metrics.Record(p.RetailerID, p.Kind == web.KindUser, b)
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.NoContent(http.StatusAccepted)
	}
}

// requireVisitor lets only visitors' tokens (legal-entity and user) through:
// a retailer token reads its metrics on the live channel and /v1/me, nothing
// a visitor's planner calls.
func requireVisitor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if k := principal(c).Kind; k != web.KindLegalEntity && k != web.KindUser {
			return web.Errorf(web.EForbidden, "this call is for the embedded planner's visitor tokens; a %s token may not make it", k)
		}
		return next(c)
	}
}
