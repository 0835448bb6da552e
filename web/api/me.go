package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailermetrics"
)

// meResponse tells the planner who its token speaks for, so it can check the
// token belongs to its retailer and kind before trusting it.
type meResponse struct {
	Kind       string     `json:"kind"`
	Retailer   meRetailer `json:"retailer"`
	UID        string     `json:"uid,omitempty"`
	Scope      []string   `json:"scope"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	ServerTime time.Time  `json:"serverTime"`
}

type meRetailer struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	DistributionID string   `json:"distributionId"`
	Plan           web.Plan `json:"plan"`
}

func handleMe(retailers RetailerStore, metrics MetricsRecorder, clock func() time.Time) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		r, err := retailers.Retailer(c.Request().Context(), p.RetailerID)
		if web.ErrorCode(err) == web.ENotFound {
			return web.Errorf(web.EInvalidToken, "the token's retailer no longer exists")
		} else if err != nil {
			return err
		}
		metrics.Add(p.RetailerID, retailermetrics.MeChecks, 1)
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, meResponse{
			Kind:       p.Kind,
			Retailer:   meRetailer{ID: r.ID, Name: r.Name, DistributionID: r.DistributionID, Plan: r.Plan},
			UID:        p.UID,
			Scope:      p.Scopes,
			ExpiresAt:  p.ExpiresAt.UTC(),
			ServerTime: clock().UTC(),
		})
	}
}
