package templates

import (
	"net/http"

	"github.com/a-h/templ"
)

// Render writes c as an HTML page with the given status. It renders into a
// pooled buffer first (templ.GetBuffer), so a component that fails sends
// nothing: the caller's error handler still owns the response. The
// Content-Type is text/html; charset=UTF-8 unless one is already set.
func Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
