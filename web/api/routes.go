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
	if s.cfg.Live != nil {
		// Tokens travel in-band (an "authenticate" message), not in a header.
		e.GET("/ws", func(c echo.Context) error { return s.cfg.Live.ServeWS(c.Response(), c.Request()) })
	}

	// console: retailers' staff, signed in with their own session
	if s.cfg.Console != nil {
		e.Any("/console", echo.WrapHandler(s.cfg.Console))
		e.Any("/console/*", echo.WrapHandler(s.cfg.Console))
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
	e.POST("/v1/tokens", handleTokenCreate(creds, s.issuer, tokens, s.cfg.Metrics, s.cfg.Clock))

	// token: the embedded planner (any token may ask /v1/me who it is)
	v1 := e.Group("/v1", auth)
	v1.GET("/me", handleMe(s.store, s.cfg.Metrics, s.cfg.Clock))
	visitor := v1.Group("", requireVisitor)
	visitor.GET("/catalog/categories", handleCategories(s.store))
	visitor.GET("/catalog/products", handleProducts(s.store))
	visitor.GET("/catalog/products/:id", handleProduct(s.store))
	visitor.POST("/events", handleEvents(s.cfg.Metrics))

	projects := v1.Group("/projects", requireUser)
	projects.GET("", handleProjectList(s.store))
	projects.GET("/:id", handleProjectGet(s.store))
	projects.POST("", handleProjectCreate(s.store, s.cfg.Metrics, s.cfg.Clock), requireWrite)
	projects.PUT("/:id", handleProjectUpdate(s.store, s.cfg.Metrics, s.cfg.Clock), requireWrite)
	projects.DELETE("/:id", handleProjectDelete(s.store, s.cfg.Metrics), requireWrite)
}
