// Package site is the reference host website: a small furniture shop that
// embeds the planner with the host SDK and hands it tokens through the BFF.
// cmd/hostsite serves it alone; cmd/demo serves it beside the planner.
package site

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/static"
	"github.com/roomplanner/planner/templates"
	"github.com/roomplanner/planner/web"
)

const sessionTTL = 7 * 24 * time.Hour

// Config configures the host site.
type Config struct {
	// PlannerURL is the planner service's base URL (its origin frames the planner).
	PlannerURL string
	// Distribution is the retailer's distribution id, part of the iframe URL.
	Distribution string
	// Secure marks the site as served over HTTPS: the session cookie then gets
	// Secure and the __Host- prefix.
	Secure bool
	// TokenHandler serves POST /bff/token (the BFF).
	TokenHandler echo.HandlerFunc
	// Forget drops a user's cached planner token; called on sign-out.
	Forget func(userID string)
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// visitor's address (for the BFF's per-IP rate limit). Default none: the
	// direct peer's address, so behind a proxy that is not listed every
	// visitor shares the proxy's address and one rate-limit bucket. Listing a
	// range lets any peer in it claim any client address.
	TrustedProxies []*net.IPNet
	// Metrics, when set, is served at /internal/metrics to direct loopback
	// peers only: a request relayed by a proxy (one carrying X-Forwarded-For,
	// X-Real-IP or Forwarded, or whose peer is in TrustedProxies) is refused
	// with 403. That cannot recognise a proxy on the same machine that adds
	// none of those headers and is not listed, so a site behind a proxy
	// leaves Metrics nil and serves the metrics on a listener of its own
	// (cmd/hostsite --metrics-addr). Default nil: not served.
	Metrics http.Handler
	// Logger receives request errors (default: discard).
	Logger *slog.Logger
}

// Site is the host site's HTTP handler.
type Site struct {
	cfg    Config
	store  *Store
	log    *slog.Logger
	cookie string
	Echo   *echo.Echo
}

// New builds the site on an opened store.
func New(cfg Config, store *Store) (*Site, error) {
	if _, err := url.Parse(cfg.PlannerURL); err != nil || cfg.PlannerURL == "" {
		return nil, fmt.Errorf("planner URL %q: %v", cfg.PlannerURL, err)
	}
	if cfg.TokenHandler == nil || cfg.Forget == nil {
		return nil, errors.New("site needs the BFF's token handler and Forget")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Site{cfg: cfg, store: store, log: cfg.Logger, cookie: SessionCookieName(cfg.Secure)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = web.IPExtractor(cfg.TrustedProxies)
	s.Echo = e
	s.addRoutes(e)
	return s, nil
}

// SessionCookieName is the session cookie's name: with the __Host- prefix
// (which browsers accept only on Secure, host-only, Path=/ cookies) over TLS.
func SessionCookieName(secure bool) string {
	if secure {
		return "__Host-hs_session"
	}
	return "hs_session"
}

// ServeHTTP serves the site.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Echo.ServeHTTP(w, r) }

// UserID tells the BFF who the request's signed-in user is, if anyone.
func (s *Site) UserID(r *http.Request) (string, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return "", false
	}
	sess, ok, err := s.store.Session(r.Context(), c.Value)
	if err != nil || !ok || sess.User.ID == "" {
		return "", false
	}
	return sess.User.Username, true
}

func (s *Site) addRoutes(e *echo.Echo) {
	cop := http.NewCrossOriginProtection()
	e.Use(echo.WrapMiddleware(cop.Handler), s.headers)
	assets, _ := fs.Sub(static.FS, ".")
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServerFS(assets))))
	e.GET("/healthz", handleHealthz)
	e.GET("/", s.handleHome)
	e.GET("/plan", s.handlePlan)
	e.GET("/login", s.handleLoginPage)
	e.POST("/login", s.handleLogin)
	e.POST("/logout", s.handleLogout)
	e.GET("/basket", s.handleBasket)
	e.POST("/basket/items", s.handleBasketAdd)
	e.POST("/basket/clear", s.handleBasketClear)
	e.POST("/bff/token", s.cfg.TokenHandler)
	if s.cfg.Metrics != nil {
		e.GET("/internal/metrics", echo.WrapHandler(s.cfg.Metrics), directLoopbackOnly(s.cfg.TrustedProxies))
	}
}

// headers sets the site's security headers: the planner's origin is the only frame source.
func (s *Site) headers(next echo.HandlerFunc) echo.HandlerFunc {
	plannerOrigin := origin(s.cfg.PlannerURL)
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"frame-src " + plannerOrigin + "; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if s.cfg.Secure {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		return next(c)
	}
}

// handleHealthz says the process is up.
func handleHealthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok\n")
}

// directLoopbackOnly admits a request only from a loopback peer that is
// neither a trusted proxy nor relaying for someone else. It reads the peer
// from the connection, not from c.RealIP(): a proxy on this machine makes
// every public request come from loopback.
func directLoopbackOnly(trusted []*net.IPNet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			peer := net.ParseIP(host)
			relayed := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("X-Real-IP") != "" || r.Header.Get("Forwarded") != ""
			for _, n := range trusted {
				if peer != nil && n.Contains(peer) {
					relayed = true
				}
			}
			if peer == nil || !peer.IsLoopback() || relayed {
				return echo.NewHTTPError(http.StatusForbidden, "metrics are served to direct loopback peers only")
			}
			return next(c)
		}
	}
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// session returns the request's session, starting a guest one if needed.
func (s *Site) session(c echo.Context) (Session, error) {
	if ck, err := c.Cookie(s.cookie); err == nil {
		sess, ok, err := s.store.Session(c.Request().Context(), ck.Value)
		if err != nil {
			return Session{}, err
		}
		if ok {
			return sess, nil
		}
	}
	return s.startSession(c, User{})
}

func (s *Site) startSession(c echo.Context, u User) (Session, error) {
	sess, value, err := s.store.NewSession(c.Request().Context(), u, sessionTTL)
	if err != nil {
		return Session{}, err
	}
	c.SetCookie(&http.Cookie{
		Name: s.cookie, Value: value, Path: "/", HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(sessionTTL / time.Second),
	})
	return sess, nil
}

func (s *Site) layout(c echo.Context, sess Session, title string) templates.HostLayoutProps {
	n := 0
	if items, err := s.store.Basket(c.Request().Context(), sess.ID); err == nil {
		for _, it := range items {
			n += it.Quantity
		}
	}
	return templates.HostLayoutProps{Title: title, User: sess.User.Username, CSRFToken: sess.CSRF, BasketCount: n}
}

func (s *Site) handleHome(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.HomePage(templates.HomePageProps{Layout: s.layout(c, sess, "Home")}))
}

func (s *Site) handlePlan(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.PlanPage(templates.PlanPageProps{
		Layout: s.layout(c, sess, "Plan your room"),
		Config: templates.PlanPageConfig{PlannerURL: s.cfg.PlannerURL, Distribution: s.cfg.Distribution, User: sess.User.Username, Locale: "en"},
	}))
}

func (s *Site) handleLoginPage(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.LoginPage(templates.LoginPageProps{Layout: s.layout(c, sess, "Sign in"), Next: safeNext(c.QueryParam("next"))}))
}

// wantsJSON reports whether the page script (not a plain form) made the request.
func wantsJSON(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get("Accept"), "application/json")
}

func (s *Site) handleLogin(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if c.FormValue("csrf") != sess.CSRF {
		return echo.NewHTTPError(http.StatusForbidden, "the form has expired; reload the page")
	}
	u, err := s.store.Authenticate(c.Request().Context(), c.FormValue("username"), c.FormValue("password"))
	if errors.Is(err, ErrBadLogin) {
		if wantsJSON(c) {
			return c.JSON(http.StatusUnauthorized, map[string]string{"error": ErrBadLogin.Error()})
		}
		return templates.Render(c.Response(), c.Request(), http.StatusUnauthorized, templates.LoginPage(templates.LoginPageProps{Layout: s.layout(c, sess, "Sign in"), Error: "Wrong user name or password.", Next: safeNext(c.FormValue("next"))}))
	} else if err != nil {
		return err
	}
	// A new session id on sign-in (no fixation); the basket comes along.
	next, err := s.startSession(c, u)
	if err != nil {
		return err
	}
	if err := s.store.EndSession(c.Request().Context(), sess.ID, next.ID); err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.JSON(http.StatusOK, map[string]string{"user": u.Username, "csrf": next.CSRF})
	}
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

func (s *Site) handleLogout(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if c.FormValue("csrf") != sess.CSRF {
		return echo.NewHTTPError(http.StatusForbidden, "the form has expired; reload the page")
	}
	guest, err := s.startSession(c, User{})
	if err != nil {
		return err
	}
	if err := s.store.EndSession(c.Request().Context(), sess.ID, guest.ID); err != nil {
		return err
	}
	// Forget only once the session is gone: a token request from another tab
	// with the old cookie landing before EndSession would otherwise mint and
	// cache a new token for the user, which would outlive the sign-out.
	if sess.User.ID != "" {
		s.cfg.Forget(sess.User.Username)
	}
	if wantsJSON(c) {
		return c.JSON(http.StatusOK, map[string]string{"user": "", "csrf": guest.CSRF})
	}
	return c.Redirect(http.StatusSeeOther, "/plan")
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/plan"
	}
	return next
}

func (s *Site) handleBasket(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	items, err := s.store.Basket(c.Request().Context(), sess.ID)
	if err != nil {
		return err
	}
	props := templates.BasketPageProps{Layout: s.layout(c, sess, "Basket")}
	var total int64
	currency := "EUR"
	for _, it := range items {
		line := int64(it.Quantity) * it.UnitPrice
		total += line
		currency = it.Currency
		props.Lines = append(props.Lines, templates.BasketLine{
			ProductID: it.ProductID, Name: it.Name, Quantity: it.Quantity,
			UnitPrice: formatMoney(it.UnitPrice, it.Currency), Total: formatMoney(line, it.Currency),
		})
	}
	props.Total = formatMoney(total, currency)
	return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.BasketPage(props))
}

// basketRequest is what the plan page forwards from the planner's AddToBasket.
type basketRequest struct {
	CSRF  string       `json:"csrf"`
	Items []BasketItem `json:"items"`
}

func (s *Site) handleBasketAdd(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	var req basketRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 128<<10))
	if err := dec.Decode(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "basket: invalid JSON")
	}
	if req.CSRF != sess.CSRF {
		return echo.NewHTTPError(http.StatusForbidden, "the page has expired; reload it")
	}
	if err := validateBasket(req.Items); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	if err := s.store.AddToBasket(c.Request().Context(), sess.ID, req.Items); err != nil {
		return err
	}
	items, err := s.store.Basket(c.Request().Context(), sess.ID)
	if err != nil {
		return err
	}
	n := 0
	for _, it := range items {
		n += it.Quantity
	}
	return c.JSON(http.StatusOK, map[string]int{"count": n})
}

func (s *Site) handleBasketClear(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if c.FormValue("csrf") != sess.CSRF {
		return echo.NewHTTPError(http.StatusForbidden, "the form has expired; reload the page")
	}
	if err := s.store.ClearBasket(c.Request().Context(), sess.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/basket")
}

// validateBasket checks what the planner sent. A real shop would re-price
// every line from its own catalog; this one shows what arrived.
func validateBasket(items []BasketItem) error {
	if len(items) == 0 || len(items) > 500 {
		return fmt.Errorf("basket: 1 to 500 lines, got %d", len(items))
	}
	for i, it := range items {
		switch {
		case it.ProductID == "" || len(it.ProductID) > 64:
			return fmt.Errorf("items[%d].productId: required, at most 64 characters", i)
		case it.Quantity < 1 || it.Quantity > 999:
			return fmt.Errorf("items[%d].quantity: 1 to 999, got %d", i, it.Quantity)
		case it.UnitPrice < 0 || it.UnitPrice > 100_000_000:
			return fmt.Errorf("items[%d].unitPrice: 0 to 100000000 minor units, got %d", i, it.UnitPrice)
		case len(it.Name) > 120:
			return fmt.Errorf("items[%d].name: at most 120 characters", i)
		}
		if it.Name == "" {
			items[i].Name = it.ProductID
		}
		if len(it.Currency) != 3 {
			items[i].Currency = "EUR"
		}
	}
	return nil
}

// formatMoney formats minor units, e.g. 129900 EUR as "€1,299.00".
func formatMoney(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	whole := fmt.Sprint(minor / 100)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	sym := map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}[currency]
	if sym == "" {
		sym = currency + " "
	}
	return fmt.Sprintf("%s%s%s.%02d", sign, sym, b.String(), minor%100)
}
