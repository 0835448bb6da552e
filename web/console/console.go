// Package console serves the retailer console at /console: sign-in for the
// retailer's staff (console users made by "planner console user add"),
// the first password change, sign-out, and the retailer's own settings. It
// works through web/retailerops, the operations the admin CLI uses too.
//
// Sessions are random 256-bit ids in an HttpOnly, SameSite=Strict cookie,
// held in this process's memory (a restart signs everyone out; several
// instances need sticky sessions). Unsafe requests from another origin are
// refused (net/http.CrossOriginProtection); failed sign-ins are limited per
// email and per address.
package console

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roomplanner/planner/templates"
	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/retailerops"
	"github.com/roomplanner/planner/web/signin"
	"github.com/roomplanner/planner/web/token"
)

// CookieName is the session cookie.
const CookieName = "planner_console"

// csp is the console page's policy: its own scripts, stylesheet, icon,
// forms and sockets, nothing else (no inline style or script).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// RetailerStore reads the signed-in user's retailer and its stored metrics.
type RetailerStore interface {
	Retailer(ctx context.Context, id string) (web.Retailer, error)
	MetricSeries(ctx context.Context, retailerID string, from, to time.Time, step time.Duration) ([]web.MetricCount, error)
	APIKey(ctx context.Context, retailerID string) (string, error)
	Categories(ctx context.Context, retailerID string) ([]web.Category, error)
	Products(ctx context.Context, retailerID string, q web.ProductQuery) (products []web.Product, nextCursor string, err error)
}

// TokenIssuer mints the retailer token the dashboard follows the live
// metrics with (token.Issuer).
type TokenIssuer interface {
	Issue(req token.IssueRequest) (token.Issued, error)
}

// Config configures the console. Zero values get the defaults noted.
type Config struct {
	// Secure marks the cookie Secure (the service terminates or sits behind
	// TLS). Default false, for loopback HTTP.
	Secure bool
	// SessionTTL is how long a session lasts from sign-in (default 8 h).
	SessionTTL time.Duration
	// Clock is the time source (default time.Now).
	Clock func() time.Time
	// FailRate and FailBurst limit failed sign-ins per email, and four
	// times that per client address (default 5 a minute, burst 5): past
	// them sign-in answers "too many attempts" without checking the
	// password. A right password never counts (see signin.Throttle).
	FailRate  float64
	FailBurst int
	// TokenTTL is the life of the retailer token the dashboard follows the
	// live metrics with (default 10 min); the dashboard asks for a new one
	// when its socket says tokenExpired, so a short life costs one request
	// per expiry and shortens what a stolen token is good for.
	TokenTTL time.Duration
	// LiveURL is the live channel's URL (ws://.../ws) the dashboard opens.
	LiveURL string
	// PublicURL is the planner service's base URL, for the embed snippet.
	PublicURL string
	// Rotated, if set, is called after the console rotates an API secret so
	// this process acts on it at once (service.Refresh: the old secret stops
	// minting, partner tokens signed with it are revoked). Default none: the
	// next refresh does it.
	Rotated func(ctx context.Context) error
}

type session struct {
	user    web.ConsoleUser
	expires time.Time
}

// Handler serves /console. It is safe for concurrent use.
type Handler struct {
	cfg       Config
	ops       *retailerops.Ops
	retailers RetailerStore
	issuer    TokenIssuer
	mux       http.Handler
	throttle  *signin.Throttle
	cookie    signin.Cookie

	mu       sync.Mutex
	sessions map[string]*session
}

// New returns the console over ops and retailers.
func New(cfg Config, ops *retailerops.Ops, retailers RetailerStore, issuer TokenIssuer) *Handler {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = defaultTokenTTL
	}
	if cfg.FailRate == 0 {
		cfg.FailRate = 5.0 / 60
	}
	if cfg.FailBurst == 0 {
		cfg.FailBurst = 5
	}
	h := &Handler{cfg: cfg, ops: ops, retailers: retailers, issuer: issuer, sessions: map[string]*session{},
		throttle: signin.NewThrottle(signin.Limits{
			AddrPerSecond: cfg.FailRate * 4, AddrBurst: cfg.FailBurst * 4,
			AccountPerSecond: cfg.FailRate, AccountBurst: cfg.FailBurst,
		}, cfg.Clock),
		cookie: signin.Cookie{Name: CookieName, Path: "/console", Secure: cfg.Secure, SameSite: http.SameSiteStrictMode, TTL: cfg.SessionTTL}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console", h.page)
	mux.HandleFunc("POST /console/signin", h.signIn)
	mux.HandleFunc("POST /console/password", h.changePassword)
	mux.HandleFunc("POST /console/signout", h.signOut)
	mux.HandleFunc("POST /console/token", h.token)
	mux.HandleFunc("POST /console/origins", h.origins)
	mux.HandleFunc("POST /console/image-origins", h.imageOrigins)
	mux.HandleFunc("GET /console/origins/preview", h.originPreview)
	mux.HandleFunc("GET /console/series", h.series)
	mux.HandleFunc("POST /console/catalog", h.catalogImport)
	mux.HandleFunc("POST /console/secret", h.rotateSecret)
	// Cross-origin POSTs (a form on another site) are refused before any
	// handler runs; with SameSite=Strict they would carry no session anyway.
	h.mux = http.NewCrossOriginProtection().Handler(mux)
	return h
}

// ServeHTTP serves /console and below.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// current returns the request's session, if it has a live one.
func (h *Handler) current(r *http.Request) (string, *session) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return "", nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sessions[c.Value]
	if s == nil {
		return "", nil
	}
	if !h.cfg.Clock().Before(s.expires) {
		delete(h.sessions, c.Value)
		return "", nil
	}
	return c.Value, s
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	_, s := h.current(r)
	if s == nil {
		h.render(w, r, http.StatusOK, templates.ConsolePageProps{State: "signin"})
		return
	}
	h.renderSession(w, r, http.StatusOK, s.user, "")
}

func (h *Handler) renderSession(w http.ResponseWriter, r *http.Request, status int, u web.ConsoleUser, msg string) {
	h.renderSessionWith(w, r, status, u, msg, nil)
}

// renderSessionWith renders the session's page, letting set add to it last.
func (h *Handler) renderSessionWith(w http.ResponseWriter, r *http.Request, status int, u web.ConsoleUser, msg string, set func(*templates.ConsolePageProps)) {
	if u.MustChange {
		h.render(w, r, status, templates.ConsolePageProps{State: "change", Email: u.Email, Error: msg})
		return
	}
	ret, err := h.retailers.Retailer(r.Context(), u.RetailerID)
	if err != nil {
		http.Error(w, "the console could not read your retailer; try again", http.StatusServiceUnavailable)
		return
	}
	p := templates.ConsolePageProps{
		State: "home", Email: u.Email, Error: msg, RetailerName: ret.Name, DistributionID: ret.DistributionID,
		Plan: string(ret.Plan), Origins: ret.Origins, FrameAncestors: retailerops.FrameAncestors(ret.Origins),
		ImageOrigins: ret.ImageOrigins, ImgSrc: retailerops.ImgSrc(ret.ImageOrigins),
		Snippet: retailerops.EmbedSnippet(h.cfg.PublicURL, ret.DistributionID),
	}
	if err := h.catalogProps(r, ret.ID, &p); err != nil {
		http.Error(w, "the console could not read your catalog; try again", http.StatusServiceUnavailable)
		return
	}
	if err := h.apiKeyProps(r, ret.ID, &p); err != nil {
		http.Error(w, "the console could not read your API key; try again", http.StatusServiceUnavailable)
		return
	}
	if set != nil {
		set(&p)
	}
	h.render(w, r, status, p)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p templates.ConsolePageProps) {
	_ = templates.Render(w, r, status, templates.ConsolePage(p))
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	norm, _ := web.NormalizeEmail(email)
	attempt, _ := h.throttle.Begin(r.Context(), clientIP(r), norm)
	if attempt == nil {
		h.render(w, r, http.StatusTooManyRequests, templates.ConsolePageProps{State: "signin", Email: email,
			Error: "Too many failed sign-ins: wait a minute and try again."})
		return
	}
	u, err := h.ops.CheckConsolePassword(r.Context(), email, password)
	// Only a wrong password (or an unknown email) counts; a store that
	// could not check is not the visitor's failure.
	attempt.Done(err != nil && web.ErrorCode(err) == web.EInvalidClient)
	if err != nil {
		status, msg := http.StatusUnauthorized, "Unknown email or wrong password."
		if web.ErrorCode(err) != web.EInvalidClient {
			status, msg = http.StatusServiceUnavailable, "The console cannot check passwords right now; try again."
		}
		h.render(w, r, status, templates.ConsolePageProps{State: "signin", Email: email, Error: msg})
		return
	}
	// A fresh id at every sign-in: one set before (fixation) is never reused.
	if old, _ := h.current(r); old != "" {
		h.drop(old)
	}
	id := signin.NewSessionValue()
	h.mu.Lock()
	h.sessions[id] = &session{user: u, expires: h.cfg.Clock().Add(h.cfg.SessionTTL)}
	h.mu.Unlock()
	http.SetCookie(w, h.cookie.New(id))
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	id, s := h.current(r)
	if s == nil {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	err := h.ops.ChangeConsolePassword(r.Context(), s.user.Email, r.PostFormValue("current"), r.PostFormValue("next"))
	if err != nil {
		msg := web.ErrorMessage(err)
		if web.ErrorCode(err) == web.EInvalidClient {
			msg = "The current password is wrong."
		}
		h.renderSession(w, r, http.StatusBadRequest, s.user, msg)
		return
	}
	h.mu.Lock()
	if cur := h.sessions[id]; cur != nil {
		cur.user.MustChange = false
	}
	h.mu.Unlock()
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if id, _ := h.current(r); id != "" {
		h.drop(id)
	}
	http.SetCookie(w, h.cookie.Expired())
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

func (h *Handler) drop(id string) {
	h.mu.Lock()
	delete(h.sessions, id)
	h.mu.Unlock()
}

// clientIP is the direct peer's address (the API's trusted-proxy handling
// is not repeated here: behind a proxy all sign-ins share its budget).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// signedIn returns the session of a request that may use the dashboard (a
// live session whose password is not due for a change), or writes 401.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) *session {
	_, s := h.current(r)
	if s == nil || s.user.MustChange {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]string{"code": web.EMissingToken, "message": "sign in to the console first"}})
		return nil
	}
	return s
}

// defaultTokenTTL is the default life of the dashboard's retailer token; it
// asks again when the socket says tokenExpired.
const defaultTokenTTL = 10 * time.Minute

// token mints a retailer token of the session's retailer for the
// dashboard's live socket. A POST, so a cross-origin page cannot ask.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	s := h.signedIn(w, r)
	if s == nil {
		return
	}
	ret, err := h.retailers.Retailer(r.Context(), s.user.RetailerID)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]string{"code": web.EUnavailable, "message": "try again"}})
		return
	}
	t, err := h.issuer.Issue(token.IssueRequest{Kind: web.KindRetailer, RetailerID: ret.ID, Scopes: []string{web.ScopeRead}, TTL: h.cfg.TokenTTL})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]string{"code": web.EInternal, "message": "internal error"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": t.Token, "expiresAt": t.ExpiresAt.UTC(), "distributionId": ret.DistributionID, "liveUrl": h.cfg.LiveURL})
}

// Series ranges the dashboard draws from the store: 24 hours by hour and
// 30 days by day (the last hour comes live over the socket).
var seriesRanges = map[string]struct{ span, step time.Duration }{
	"1h":  {time.Hour, time.Minute},
	"24h": {24 * time.Hour, time.Hour},
	"30d": {30 * 24 * time.Hour, 24 * time.Hour},
}

// series answers GET /console/series?range=1h|24h|30d with the session's
// retailer's stored counts: {"step": seconds, "buckets": [{at, counts}]}.
func (h *Handler) series(w http.ResponseWriter, r *http.Request) {
	s := h.signedIn(w, r)
	if s == nil {
		return
	}
	rg, ok := seriesRanges[r.URL.Query().Get("range")]
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"code": web.EValidation, "field": "range", "message": "range must be 1h, 24h or 30d"}})
		return
	}
	end := h.cfg.Clock().UTC().Truncate(rg.step).Add(rg.step)
	from := end.Add(-rg.span)
	rows, err := h.retailers.MetricSeries(r.Context(), s.user.RetailerID, from, end, rg.step)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]string{"code": web.EUnavailable, "message": "try again"}})
		return
	}
	type bucket struct {
		At     time.Time        `json:"at"`
		Counts map[string]int64 `json:"counts"`
	}
	n := int(rg.span / rg.step)
	out := make([]bucket, n)
	for i := range out {
		out[i] = bucket{At: from.Add(time.Duration(i) * rg.step), Counts: map[string]int64{}}
	}
	for _, c := range rows {
		if i := int(c.Minute.Sub(from) / rg.step); i >= 0 && i < n {
			out[i].Counts[c.Name] = c.Value
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"step": int(rg.step / time.Second), "buckets": out})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// origins adds or removes (form field action) one embedding origin of the
// session's retailer, validated as the CLI does, and shows the page again
// with the resulting frame-ancestors.
func (h *Handler) origins(w http.ResponseWriter, r *http.Request) {
	h.editOrigins(w, r, h.ops.AddOrigin, h.ops.RemoveOrigin, originProblem)
}

// imageOrigins adds or removes (form field action) one origin the session's
// retailer's product images may come from, validated as the CLI does, and
// shows the page again with the resulting img-src.
func (h *Handler) imageOrigins(w http.ResponseWriter, r *http.Request) {
	h.editOrigins(w, r, h.ops.AddImageOrigin, h.ops.RemoveImageOrigin, func(err error) string {
		if web.ErrorCode(err) == web.EValidation {
			return "Not an image origin: use exactly https://host[:port] (http:// only on a loopback host), e.g. https://images.shop.example."
		}
		return web.ErrorMessage(err)
	})
}

// originEdit is a retailerops operation on one of a retailer's origin lists.
type originEdit func(ctx context.Context, retailerID, origin string) (web.Retailer, error)

// editOrigins runs add or remove (form field action) on the signed-in
// user's retailer with the posted origin; a refusal shows the page again with
// problem's words for it.
func (h *Handler) editOrigins(w http.ResponseWriter, r *http.Request, add, remove originEdit, problem func(error) string) {
	_, s := h.current(r)
	if s == nil || s.user.MustChange {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	origin := r.PostFormValue("origin")
	var err error
	switch r.PostFormValue("action") {
	case "add":
		_, err = add(r.Context(), s.user.RetailerID, origin)
	case "remove":
		_, err = remove(r.Context(), s.user.RetailerID, origin)
	default:
		err = web.FieldErrorf("action", "must be add or remove")
	}
	if err != nil {
		h.renderSession(w, r, http.StatusBadRequest, s.user, problem(err))
		return
	}
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

// originProblem is what the console says of an origin it refused: the same
// words for the live preview and for the submitted form.
func originProblem(err error) string {
	if web.ErrorCode(err) != web.EValidation {
		return web.ErrorMessage(err)
	}
	return "Not an origin: " + strings.TrimPrefix(web.ErrorMessage(err), "origin: ") + "."
}

// originPreview answers GET /console/origins/preview?origin=... with what
// adding that origin would make of the planner page's policy, checked by the
// very function the add uses (web.NormalizeOrigin), so the page's preview as
// the staff member types never disagrees with the answer to the form:
// {"origin": normalised, "registered": already there, "frameAncestors": ...}
// or 422 {"error": {"code": "validation_failed", "message": ...}}. It changes
// nothing, so a GET; it reads the retailer's origins, so it needs a session.
func (h *Handler) originPreview(w http.ResponseWriter, r *http.Request) {
	s := h.signedIn(w, r)
	if s == nil {
		return
	}
	// Not shortened: the preview judges exactly what the form would send
	// (the request line's size is bounded by the server's header limit).
	n, err := web.NormalizeOrigin(r.URL.Query().Get("origin"))
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]string{"code": web.EValidation, "field": "origin", "message": originProblem(err)}})
		return
	}
	ret, err := h.retailers.Retailer(r.Context(), s.user.RetailerID)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]string{"code": web.EUnavailable, "message": "try again"}})
		return
	}
	origins, registered := ret.Origins, slices.Contains(ret.Origins, n)
	if !registered {
		// As the store lists them after the add: sorted.
		origins = append(slices.Clone(origins), n)
		slices.Sort(origins)
	}
	writeJSON(w, http.StatusOK, map[string]any{"origin": n, "registered": registered, "frameAncestors": retailerops.FrameAncestors(origins)})
}
