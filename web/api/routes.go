package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web/ratelimit"
)

// addRoutes lists every route of the API, grouped by who may call it.
// auth is the Bearer-token middleware (benchmarks swap it to measure its cost).
//
// Middleware that only some routes need is given per route, never to a
// group: echo's Group.Use registers catch-all routes for the group, which
// answered a wrong method (GET /v1/tokens) or an unknown path under /v1 with
// 401 missing_token instead of 405 (with Allow) or 404. Every GET route also
// answers HEAD (get), except the live channel's upgrade.
func addRoutes(e *echo.Echo, s *Server, auth echo.MiddlewareFunc) {
	e.Use(requestID(), s.logRequests, s.requireTLS, securityHeaders(s.cfg.TLS), contextTimeout(s.cfg.RequestTimeout))

	// public
	get(e, "/healthz", handleHealthz())
	get(e, "/readyz", handleReadyz(s.store))
	get(e, "/.well-known/jwks.json", handleJWKS(s.jwks))
	get(e, "/openapi.json", handleDocument(openAPIDocument, "application/json"))
	get(e, "/schemas/catalog.json", handleDocument(catalogSchema, "application/schema+json"))
	get(e, "/planner", handlePlannerPage(s.store, s.cfg.PublicURL), compressAnswers())
	get(e, "/static/*", handleStatic())
	get(e, "/favicon.ico", handleFavicon())
	if s.cfg.Live != nil {
		// Tokens travel in-band (an "authenticate" message), not in a
		// header. GET only: a HEAD cannot upgrade.
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

	// token: the embedded planner
	// Answers compressed here (never /v1/tokens, above: see compressAnswers).
	// Per route, not on the group: group middleware adds catch-all routes,
	// which would turn a wrong method's 405 into a token check.
	v1 := e.Group("/v1")
	gz := compressAnswers()
	// any token may ask /v1/me who it is; the rest are the visitors' (not
	// a retailer token's)
	get(v1, "/me", handleMe(s.store, s.cfg.Metrics, s.cfg.Clock), gz, auth)
	get(v1, "/catalog/categories", handleCategories(s.store), gz, auth, requireVisitor)
	get(v1, "/catalog/products", handleProducts(s.store), gz, auth, requireVisitor)
	get(v1, "/catalog/products/:id", handleProduct(s.store), gz, auth, requireVisitor)
	v1.POST("/events", handleEvents(s.cfg.Metrics), auth, requireVisitor)

	// user token: the user's own projects; writes need write scope
	get(v1, "/projects", handleProjectList(s.store), gz, auth, requireUser)
	get(v1, "/projects/:id", handleProjectGet(s.store), gz, auth, requireUser)
	v1.POST("/projects", handleProjectCreate(s.store, s.cfg.Metrics, s.cfg.Clock), gz, auth, requireUser, requireWrite)
	v1.PUT("/projects/:id", handleProjectUpdate(s.store, s.cfg.Metrics, s.cfg.Clock), gz, auth, requireUser, requireWrite)
	v1.DELETE("/projects/:id", handleProjectDelete(s.store, s.cfg.Metrics), gz, auth, requireUser, requireWrite)
}

// router is what echo.Echo and echo.Group share for adding routes.
type router interface {
	Match(methods []string, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) []*echo.Route
}

// get routes GET and HEAD of path to h. The handler need not care which:
// net/http drops the body of an answer to HEAD and keeps its headers.
func get(r router, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.Match([]string{http.MethodGet, http.MethodHead}, path, h, m...)
}
