package serve

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// run starts Run with s on a loopback listener and returns its address.
func run(t *testing.T, s Server) string {
	t.Helper()
	s.Listener = listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, time.Second, s) }()
	t.Cleanup(func() { cancel(); <-done })
	return s.Listener.Addr().String()
}

// trickle sends a request whose body comes one byte every step, and returns
// when the server answers or closes, or after limit.
func trickle(t *testing.T, addr, path string, step, limit time.Duration) (status int, elapsed time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_ = c.SetDeadline(start.Add(limit))
	io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(step):
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, time.Since(start) // closed without an answer
	}
	res.Body.Close()
	return res.StatusCode, time.Since(start)
}

// A body trickled a byte at a time is cut off at the body deadline, so it
// cannot hold a connection open; a streaming route is exempt.
func TestBodyDeadline(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, "read it all")
	})
	addr := run(t, Server{HTTP: &http.Server{Handler: h}, BodyTimeout: 300 * time.Millisecond,
		Streaming: func(r *http.Request) bool { return r.URL.Path == "/stream" }})

	status, elapsed := trickle(t, addr, "/upload", 50*time.Millisecond, 10*time.Second)
	if status != http.StatusBadRequest || elapsed > 5*time.Second {
		t.Errorf("trickled body: status %d after %s, want 400 soon after the 300ms deadline", status, elapsed)
	}
	// The streaming route reads on past the deadline (until the test's own limit).
	if status, elapsed := trickle(t, addr, "/stream", 50*time.Millisecond, time.Second); status != 0 || elapsed < 900*time.Millisecond {
		t.Errorf("streaming route: status %d after %s, want still reading at the 1s limit", status, elapsed)
	}
}

// More header than MaxHeaderBytes (net/http's own default is 1 MiB) gets 431.
func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	addr := run(t, Server{HTTP: &http.Server{Handler: http.NotFoundHandler()}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", MaxHeaderBytes+8192)+"\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized header: status %d, want 431", res.StatusCode)
	}
}

// A request without a body is not put under the body deadline: net/http's
// background read would time out and cancel the handler's context.
func TestNoBodyDeadlineWithoutABody(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			http.Error(w, "canceled", http.StatusServiceUnavailable)
		case <-time.After(600 * time.Millisecond): // past the 200ms deadline below
			io.WriteString(w, "ok")
		}
	})
	addr := run(t, Server{HTTP: &http.Server{Handler: h}, BodyTimeout: 200 * time.Millisecond})
	for i := range 2 { // the second request on the same connection too
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("request %d: status %d, want 200 (the handler's context was canceled)", i+1, res.StatusCode)
		}
	}
}
