package site

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/templates"
	"github.com/roomplanner/planner/web/ratelimit"
	"github.com/roomplanner/planner/web/signin"
)

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
		return errFormExpired
	}
	username := c.FormValue("username")
	// Refused before the password is checked (a bcrypt comparison each), by
	// the name asked for whether or not such a user exists; only a wrong
	// password counts (signin.Throttle).
	attempt, wait := s.logins.Begin(c.Request().Context(), c.RealIP(), account(username))
	if attempt == nil {
		return s.tooManyLogins(c, sess, wait)
	}
	u, err := s.store.Authenticate(c.Request().Context(), username, c.FormValue("password"))
	attempt.Done(errors.Is(err, ErrBadLogin))
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
		return errFormExpired
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

// tooManyLogins answers a throttled sign-in: 429 with Retry-After and a
// message that says when to try again, the same whether the user exists.
func (s *Site) tooManyLogins(c echo.Context, sess Session, wait time.Duration) error {
	secs := ratelimit.RetryAfterSeconds(wait)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	msg := fmt.Sprintf("Too many sign-in attempts. Try again in %d seconds.", secs)
	if wantsJSON(c) {
		return c.JSON(http.StatusTooManyRequests, map[string]string{"error": msg})
	}
	return templates.Render(c.Response(), c.Request(), http.StatusTooManyRequests, templates.LoginPage(templates.LoginPageProps{Layout: s.layout(c, sess, "Sign in"), Error: msg, Next: safeNext(c.FormValue("next"))}))
}

// loginLimits are the sign-in failure budgets: an address may fail 10 times
// in a row, then once every 6 s; an account name 5 times, then once every
// 30 s (from any address, so spreading guesses over many addresses does not
// help).
var loginLimits = signin.Limits{AddrPerSecond: 1.0 / 6, AddrBurst: 10, AccountPerSecond: 1.0 / 30, AccountBurst: 5}

// account is the throttle's key for a user name: the store matches names
// exactly, but case and surrounding space must not buy fresh budgets.
func account(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// safeNext keeps redirects on this site: next must parse as a bare path on
// this host. Browsers drop tabs and newlines from URLs and read "\\" as
// "/", so "/\t/evil.example/" would become "//evil.example/": any control
// character or backslash is refused outright, then the parsed URL must have
// no scheme, host or user and a path that starts with exactly one "/".
func safeNext(next string) string {
	const home = "/plan"
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return home
	}
	u.Fragment, u.RawFragment = "", ""
	return u.RequestURI()
}
