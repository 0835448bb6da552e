package bff

import "net/http"

// ServeHTTP serves the token endpoint for hosts that do not use echo: route
// POST requests of TokenPath (or any path of the host's) to the BFF, e.g.
//
//	mux.Handle("POST "+bff.TokenPath, tokens)
//
// It answers as Handler does; the per-IP rate limit keys on
// Config.ClientIP, else the direct peer's address.
func (b *BFF) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := b.echo.NewContext(r, w)
	if err := b.Handler()(c); err != nil {
		// Handler writes its own answers; what is left is a failed write
		// to a client that went away.
		b.log.Debug("token response not written", "err", err)
	}
}
