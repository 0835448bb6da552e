package site

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/templates"
	"github.com/roomplanner/planner/web/signin"
)

const sessionTTL = 7 * 24 * time.Hour

// SessionCookieName is the session cookie's name: with the __Host- prefix
// (which browsers accept only on Secure, host-only, Path=/ cookies) over TLS.
func SessionCookieName(secure bool) string {
	if secure {
		return "__Host-hs_session"
	}
	return "hs_session"
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
	c.SetCookie(signin.Cookie{Name: s.cookie, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode, TTL: sessionTTL}.New(value))
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
