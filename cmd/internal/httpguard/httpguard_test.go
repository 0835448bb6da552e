package httpguard_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomplanner/planner/cmd/internal/httpguard"
)

// serve starts a guarded server on loopback; it counts the requests that
// reached the handler behind the guard.
func serve(t *testing.T) (addr string, served *atomic.Int32) {
	t.Helper()
	served = new(atomic.Int32)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		served.Add(1)
		_, _ = io.WriteString(w, "ok "+r.URL.Path)
	}), ReadHeaderTimeout: 5 * time.Second}
	httpguard.Protect(srv)
	go func() { _ = srv.Serve(httpguard.Listener(l)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String(), served
}

// exchange writes raw in pieces of step bytes (0: at once) and reads up to
// two responses; it returns their statuses and whether the server closed the
// connection after the first.
func exchange(t *testing.T, addr, raw string, step int) (statuses []int, closed bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if step == 0 {
		step = len(raw)
	}
	for i := 0; i < len(raw); i += step {
		if _, err := io.WriteString(c, raw[i:min(i+step, len(raw))]); err != nil {
			break // the server may close before the smuggled part is written
		}
	}
	br := bufio.NewReader(c)
	for range 2 {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			return statuses, true
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		statuses = append(statuses, res.StatusCode)
		if res.Close {
			_, err := br.ReadByte()
			return statuses, err != nil
		}
	}
	return statuses, false
}

func TestAmbiguousFramingIsRefusedAndClosed(t *testing.T) {
	t.Parallel()
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name       string
		raw        string
		step       int
		want       []int
		wantClosed bool
		wantServed int32
	}{
		{
			name:       "CL and TE, smuggled request in the body",
			raw:        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			want:       []int{400},
			wantClosed: true,
		},
		{
			name:       "TE first, odd case, byte by byte",
			raw:        "POST /a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-LENGTH : 4\r\n\r\n0\r\n\r\n" + smuggled,
			step:       1,
			want:       []int{400},
			wantClosed: true,
		},
		{
			name:       "a body without a final newline does not hide the next request line",
			raw:        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nxPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			want:       []int{400},
			wantClosed: true,
		},
		{
			name:       "chunked alone keeps the connection",
			raw:        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + smuggled,
			want:       []int{200, 200},
			wantServed: 2,
		},
		{
			name:       "a body that mentions both headers is just a body",
			raw:        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 52\r\n\r\nx\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled,
			step:       7,
			want:       []int{200, 200},
			wantServed: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, served := serve(t)
			got, closed := exchange(t, addr, tt.raw, tt.step)
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses = %v, want %v", got, tt.want)
			}
			if closed != tt.wantClosed {
				t.Errorf("closed = %v, want %v", closed, tt.wantClosed)
			}
			if n := served.Load(); n != tt.wantServed {
				t.Errorf("requests served = %d, want %d", n, tt.wantServed)
			}
		})
	}
}
