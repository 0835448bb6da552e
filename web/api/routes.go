package api

import (
	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web/ratelimit"
)

// addRoutes lists every route of the API, grouped by who may call it.
// auth is the Bearer-token middleware (benchmarks swap it to measure its cost).
func addRoutes(e *echo.Echo, s *Server, auth echo.MiddlewareFunc) {
	e.Use(requestID(), s.logRequests, s.requireTLS, securityHeaders(s.cfg.TLS), contextTimeout(s.cfg.RequestTimeout))

	// public
	e.GET("/healthz", handleHealthz())
	e.GET("/readyz", handleReadyz(s.store))
	e.GET("/.well-known/jwks.json", handleJWKS(s.jwks))
	e.GET("/planner", handlePlannerPage(s.store, s.cfg.PublicURL))
	e.GET("/static/*", handleStatic())
	e.GET("/favicon.ico", handleFavicon())
	if s.cfg.Live != nil {
		// Tokens travel in-band (an "authenticate" message), not in a header.
		e.GET("/ws", func(c echo.Context) error { return s.cfg.Live.ServeWS(c.Response(), c.Request()) })
	}

	// apiKey: retailers' backends
	tokens := tokenLimits{
		ok:      ratelimit.New(float64(s.cfg.TokenRate), s.cfg.TokenBurst, s.cfg.Clock),
		failKey: ratelimit.New(float64(s.cfg.TokenFailRate), s.cfg.TokenFailBurst, s.cfg.Clock),
		failIP:  ratelimit.New(float64(s.cfg.TokenFailRate), s.cfg.TokenFailBurst, s.cfg.Clock),
	}
	creds := s.cfg.Credentials
	if creds == nil {
		creds = s.store
	}
	e.POST("/v1/tokens", handleTokenCreate(creds, s.issuer, tokens, s.cfg.Clock))

	// token: the embedded planner
	v1 := e.Group("/v1", auth)
	v1.GET("/me", handleMe(s.store, s.cfg.Clock))
	v1.GET("/catalog/categories", handleCategories(s.store))
	v1.GET("/catalog/products", handleProducts(s.store))
	v1.GET("/catalog/products/:id", handleProduct(s.store))

	projects := v1.Group("/projects", requireUser)
	projects.GET("", handleProjectList(s.store))
	projects.GET("/:id", handleProjectGet(s.store))
	projects.POST("", handleProjectCreate(s.store, s.cfg.Clock), requireWrite)
	projects.PUT("/:id", handleProjectUpdate(s.store, s.cfg.Clock), requireWrite)
	projects.DELETE("/:id", handleProjectDelete(s.store), requireWrite)
}
