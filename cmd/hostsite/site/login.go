package site

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/templates"
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

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/plan"
	}
	return next
}
