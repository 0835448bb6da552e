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
)

// Server is one HTTP server and the listener it serves. The caller listens
// first (the URLs it prints depend on the ports bound) and sets the server's
// timeouts; Run owns both from then on.
type Server struct {
	HTTP     *http.Server
	Listener net.Listener
	// CertFile and KeyFile, when set, make it serve TLS (http.Server.ServeTLS).
	// Default empty: plain HTTP.
	CertFile, KeyFile string
}

// Run serves each server until ctx is done or one of them fails, then shuts
// them all down at once: each stops accepting, lets its in-flight requests
// finish for at most drain, and closes its idle connections (upgraded
// connections are the caller's, through http.Server.RegisterOnShutdown).
// It returns the first real error: a server that failed, else a shutdown
// that did not finish in time; nil after a clean stop.
func Run(ctx context.Context, drain time.Duration, servers ...Server) error {
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
