package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web"
)

func handleHealthz() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
}

// handleReadyz reports ready when the database answers.
func handleReadyz(db interface {
	Ping(ctx context.Context) error
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := db.Ping(c.Request().Context()); err != nil {
			c.Set(errorCodeKey, web.EInternal)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
}

func handleJWKS(src JWKSource) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, "application/json", src.JWKS())
	}
}
