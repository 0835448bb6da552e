// Package bff is the backend-for-frontend a retailer's website (the host)
// imports to hand planner tokens to its own pages, so that the planner API's
// secret never reaches a browser (the API key is an identifier: a
// partner-signed token carries it as clientId).
//
// A page asks POST /bff/token (with the header X-Planner-BFF: 1) and posts
// the answer into the planner iframe: a read-only legal-entity token for an
// anonymous visitor, or a user token with write access for the user the
// host's Config.UserFunc names.
//
// Tokens come from the planner API (ModeRemote: POST {APIURL}/v1/tokens) or
// are signed locally with the API secret (ModePartnerSigned: HS256, no
// network hop). Either way they are cached: one legal-entity token shared by
// all anonymous visitors and one token per user, each minted once at a time
// however many requests ask (single-flight), refreshed in the background at
// about 75 % of its life (the legal-entity token by a timer, a user token by
// the first request past that point), and never handed out with less than
// min(60 s, lifetime/4) left. Calls to the API time out, are retried with backoff,
// honour Retry-After, and stop for a while behind a circuit breaker when the
// API keeps failing; a cached token that is still good keeps being served
// meanwhile, and when none is, the endpoint answers 503 upstream_unavailable
// with Retry-After.
//
// The endpoint serves only the host's own pages: cross-site requests (by
// Sec-Fetch-Site or Origin, via net/http.CrossOriginProtection) and requests
// without the custom header get 403 forbidden, and requests are rate limited
// per IP and per session (429 rate_limited). The IP is the one the host's
// echo IPExtractor reports, or the direct peer's when none is set.
//
// Of the planner service, bff imports only the root package web (the error
// codes, user-id rule and token lifetimes both sides of the wire must agree
// on) and web/ratelimit (the keyed limiter both sides use). Both import only
// the standard library and golang.org/x/time, so a host site that imports
// bff does not pull in the service's HTTP, storage or token code; a test in
// web (TestImportGuards) keeps it that way.
//
// Usage:
//
//	cfg, err := bff.ConfigFromEnv(os.Getenv)
//	if err != nil {
//		return err
//	}
//	cfg.UserFunc = site.UserID // who the host's session says is signed in
//	cfg.Logger = logger
//	tokens, err := bff.New(cfg)
//	if err != nil {
//		return err
//	}
//	defer tokens.Close()
//	go tokens.Check(ctx) // one mint: a wrong key or secret is logged now, and Ready fails
//
//	e := echo.New()
//	e.IPExtractor = echo.ExtractIPDirect() // or the extractor matching your proxies
//	tokens.Mount(e)                        // POST /bff/token
//	e.GET("/internal/metrics", echo.WrapHandler(tokens.MetricsHandler()), internalOnly)
//	// on sign-out: end the session, then tokens.Forget(userID)
//
// A host without echo routes the endpoint to the BFF itself, an
// http.Handler (Config.ClientIP then names the client for the per-IP limit):
//
//	mux.Handle("POST "+bff.TokenPath, tokens)
package bff
