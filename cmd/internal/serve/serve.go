// Package serve runs a command's HTTP servers until its context ends, then
// drains them: the one serve/shutdown tail of cmd/planner, cmd/hostsite and
// cmd/demo.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/roomplanner/planner/cmd/internal/httpguard"
)

// Limits every server Run starts is held to, unless its http.Server sets its
// own: a client cannot hold a connection open by trickling its headers or
// body, nor send more header than MaxHeaderBytes.
const (
	ReadHeaderTimeout = 10 * time.Second  // the request line and headers
	BodyTimeout       = 30 * time.Second  // the whole request body, from when the headers arrived
	IdleTimeout       = 120 * time.Second // a kept-alive connection between requests
	MaxHeaderBytes    = 64 << 10          // header bytes; more gets 431
)

// Server is one HTTP server and the listener it serves. The caller listens
// first (the URLs it prints depend on the ports bound); Run owns both from
// then on.
type Server struct {
	HTTP     *http.Server
	Listener net.Listener
	// CertFile and KeyFile, when set, make it serve TLS (http.Server.ServeTLS).
	// Default empty: plain HTTP.
	CertFile, KeyFile string
	// Streaming reports the requests that are exempt from BodyTimeout because
	// they keep the connection for a stream with its own keepalive (the live
	// channel's WebSocket upgrade). Default nil: none.
	Streaming func(*http.Request) bool
	// BodyTimeout bounds reading each request's body. Default BodyTimeout.
	BodyTimeout time.Duration
}

// harden applies the limits above to s where its http.Server leaves them
// unset, puts every request body under BodyTimeout (Streaming ones aside),
// and, on plain HTTP, refuses requests with ambiguous framing (httpguard).
func (s *Server) harden() {
	h := s.HTTP
	if h.ReadHeaderTimeout == 0 {
		h.ReadHeaderTimeout = ReadHeaderTimeout
	}
	if h.IdleTimeout == 0 {
		h.IdleTimeout = IdleTimeout
	}
	if h.MaxHeaderBytes == 0 {
		h.MaxHeaderBytes = MaxHeaderBytes
	}
	next := h.Handler
	if next == nil {
		next = http.DefaultServeMux
	}
	streaming, bodyTimeout := s.Streaming, s.BodyTimeout
	if bodyTimeout == 0 {
		bodyTimeout = BodyTimeout
	}
	// ReadTimeout would also cut the upgraded streams, so the body deadline
	// is set per request instead.
	h.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only a request with a body gets the deadline: for one without,
		// net/http's background read is already waiting on the connection,
		// and a deadline would end it and cancel the request's context.
		if r.Body != http.NoBody && (streaming == nil || !streaming(r)) {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyTimeout))
		}
		next.ServeHTTP(w, r)
	})
	// The guard reads the plaintext a connection carries, so it sits on
	// plain-HTTP listeners (the usual set-up behind a TLS-terminating
	// proxy). Under ServeTLS the connections net/http sees are *tls.Conn,
	// which it must see unwrapped; there the guard is not applied.
	if s.CertFile == "" && s.KeyFile == "" {
		httpguard.Protect(h)
		s.Listener = httpguard.Listener(s.Listener)
	}
}

// Run hardens each server (the limits above, httpguard), serves it until ctx
// is done or one of them fails, then shuts
// them all down at once: each stops accepting, lets its in-flight requests
// finish for at most drain, and closes its idle connections (upgraded
// connections are the caller's, through http.Server.RegisterOnShutdown).
// It returns the first real error: a server that failed, else a shutdown
// that did not finish in time; nil after a clean stop.
func Run(ctx context.Context, drain time.Duration, servers ...Server) error {
	for i := range servers {
		servers[i].harden()
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		go func() {
			if s.CertFile != "" || s.KeyFile != "" {
				errc <- s.HTTP.ServeTLS(s.Listener, s.CertFile, s.KeyFile)
			} else {
				errc <- s.HTTP.Serve(s.Listener)
			}
		}()
	}
	var first error
	running := len(servers)
	select {
	case first = <-errc: // Serve returns only with an error
		running--
	case <-ctx.Done():
	}
	if errors.Is(first, http.ErrServerClosed) {
		first = nil
	}

	shutdown, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	shutdownErrs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { shutdownErrs[i] = s.HTTP.Shutdown(shutdown) })
	}
	wg.Wait()
	// Shutdown closed the listeners, so every Serve has returned or will now.
	for ; running > 0; running-- {
		if err := <-errc; first == nil && !errors.Is(err, http.ErrServerClosed) {
			first = err
		}
	}
	if first != nil {
		return first
	}
	for _, err := range shutdownErrs {
		if err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return nil
}
