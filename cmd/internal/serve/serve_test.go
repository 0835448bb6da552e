package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// slowHandler signals entered when a request arrives and answers once
// release is closed.
func slowHandler(entered chan<- struct{}, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "done")
	})
}

// TestRunDrainsOnCancel cancels the context while a request is in flight:
// Run must stop accepting, let the request finish, and return nil.
func TestRunDrainsOnCancel(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 1), make(chan struct{})
	ln := listen(t)
	other := listen(t) // a second server is shut down alongside
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() {
		ran <- Run(ctx, 10*time.Second,
			Server{HTTP: &http.Server{Handler: slowHandler(entered, release)}, Listener: ln},
			Server{HTTP: &http.Server{Handler: http.NotFoundHandler()}, Listener: other})
	}()

	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		answered <- answer{res.StatusCode, string(b), err}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the handler")
	}
	cancel()

	// Shutdown closes the listeners before it waits for the request.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts after the context was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-ran:
		t.Fatalf("Run returned %v with a request in flight", err)
	default:
	}

	close(release)
	if a := <-answered; a.err != nil || a.status != http.StatusOK || a.body != "done" {
		t.Errorf("in-flight request = %d %q, %v; want 200 done", a.status, a.body, a.err)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v, want nil after a clean drain", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the drain")
	}
}

// TestRunDrainTimeout: a request that outlasts the drain makes Run return
// the shutdown's deadline error.
func TestRunDrainTimeout(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() {
		ran <- Run(ctx, 50*time.Millisecond, Server{HTTP: &http.Server{Handler: slowHandler(entered, release)}, Listener: ln})
	}()
	go func() {
		if res, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
			res.Body.Close()
		}
	}()
	<-entered
	cancel()
	select {
	case err := <-ran:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run = %v, want the shutdown's deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the drain timed out")
	}
}

// TestRunServerFails: a server that cannot serve ends Run with its error,
// and the others are shut down rather than left running.
func TestRunServerFails(t *testing.T) {
	t.Parallel()
	broken := listen(t)
	broken.Close()
	ok := listen(t)
	err := Run(context.Background(), time.Second,
		Server{HTTP: &http.Server{Handler: http.NotFoundHandler()}, Listener: ok},
		Server{HTTP: &http.Server{Handler: http.NotFoundHandler()}, Listener: broken})
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Run = %v, want the broken listener's error", err)
	}
	if c, err := net.Dial("tcp", ok.Addr().String()); err == nil {
		c.Close()
		t.Error("the healthy server still accepts after Run returned")
	}
}
