package site

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// errFormExpired answers a form whose CSRF token is not the session's.
var errFormExpired = echo.NewHTTPError(http.StatusForbidden, "the form has expired; reload the page")

// handleError is the site's one error mapping. An *echo.HTTPError keeps its
// status and message (JSON {"message": ...}, echo's default rendering); any
// other error is a 500 "Internal Server Error" whose cause is logged, never
// shown to the visitor.
func (s *Site) handleError(err error, c echo.Context) {
	if _, ok := err.(*echo.HTTPError); !ok {
		r := c.Request()
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	c.Echo().DefaultHTTPErrorHandler(err, c)
}
