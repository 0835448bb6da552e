package console

import (
	"net/http"

	"github.com/roomplanner/planner/templates"
	"github.com/roomplanner/planner/web"
)

// rotateSecret answers POST /console/secret (form field confirm=rotate):
// it gives the session's retailer a new API secret through the CLI's
// operation (retailerops.RotateSecret) and answers the console page with
// the new secret on it, this once. The page is never cached (no-store, as
// every console answer), sends no referrer, and is the only response that
// carries the secret: the console never reads the current one, and no other
// page, the planner's included, ever has it.
func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request) {
	_, s := h.current(r)
	if s == nil || s.user.MustChange {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if r.PostFormValue("confirm") != "rotate" {
		h.renderSession(w, r, http.StatusBadRequest, s.user, "Tick the box to confirm: the current secret stops working at once.")
		return
	}
	key, secret, err := h.ops.RotateSecret(r.Context(), s.user.RetailerID)
	if err != nil {
		h.renderSession(w, r, http.StatusServiceUnavailable, s.user, "The secret was not rotated; try again.")
		return
	}
	if h.cfg.Rotated != nil {
		// The secret is rotated in the store; a failure here only delays
		// the old one's end to the next refresh.
		_ = h.cfg.Rotated(r.Context())
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.renderSessionWith(w, r, http.StatusOK, s.user, "", func(p *templates.ConsolePageProps) {
		p.APIKey, p.NewSecret = key, secret
	})
}

// apiKeyProps fills the page's API key (never a secret).
func (h *Handler) apiKeyProps(r *http.Request, retailerID string, p *templates.ConsolePageProps) error {
	key, err := h.retailers.APIKey(r.Context(), retailerID)
	if web.ErrorCode(err) == web.ENotFound {
		return nil // no credential yet: rotating makes one
	}
	p.APIKey = key
	return err
}
