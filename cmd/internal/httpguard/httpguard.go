// Package httpguard refuses HTTP/1.1 requests whose framing is ambiguous:
// a request carrying both Content-Length and Transfer-Encoding, the
// precondition of request smuggling. net/http follows Transfer-Encoding and
// drops Content-Length before a handler sees the request, but keeps the
// connection open for whatever the body held; RFC 9112 §6.1 says to close it.
// So the guard watches the bytes a connection reads, notes each header block
// that names both, and its handler answers such a request 400 with
// "Connection: close".
package httpguard

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync"
)

type connKey struct{}

// Listener returns l with every accepted connection watched.
func Listener(l net.Listener) net.Listener { return listener{l} }

// Protect sets srv's ConnContext and wraps its Handler; srv must serve a
// listener from Listener. It keeps an existing ConnContext.
func Protect(srv *http.Server) {
	prev := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if prev != nil {
			ctx = prev(ctx, c)
		}
		if wc, ok := c.(*conn); ok {
			ctx = context.WithValue(ctx, connKey{}, wc)
		}
		return ctx
	}
	next := srv.Handler
	if next == nil {
		next = http.DefaultServeMux
	}
	srv.Handler = Handler(next)
}

// Handler answers 400 and closes the connection when the request's
// connection has sent a header block with both Content-Length and
// Transfer-Encoding; other requests go to next.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*conn); ok && c.ambiguous() {
			w.Header().Set("Connection", "close")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"code":"validation_failed","message":"a request may not carry both Content-Length and Transfer-Encoding"}}` + "\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c}, nil
}

// conn scans what it reads line by line. It keeps only each line's first
// bytes (enough for a header name or a method) and last bytes (enough for
// " HTTP/1.1"), so memory stays constant however long a line is.
type conn struct {
	net.Conn

	mu       sync.Mutex // guards the scanner state below; reads may come from net/http's background reader
	head     [32]byte
	headLen  int
	tail     [10]byte // the line's last bytes: " HTTP/1.1" and its CR
	lineLen  int
	inHeader bool
	sawCL    bool
	sawTE    bool
	flagged  bool
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.scan(p[:n])
		c.mu.Unlock()
	}
	return n, err
}

func (c *conn) ambiguous() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flagged
}

func (c *conn) scan(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		part := b
		if i >= 0 {
			part = b[:i]
		}
		c.add(part)
		if i < 0 {
			return
		}
		c.endLine()
		b = b[i+1:]
	}
}

func (c *conn) add(part []byte) {
	if c.headLen < len(c.head) {
		c.headLen += copy(c.head[c.headLen:], part)
	}
	if len(part) >= len(c.tail) {
		copy(c.tail[:], part[len(part)-len(c.tail):])
	} else {
		// shift the tail left and append part
		copy(c.tail[:], c.tail[len(part):])
		copy(c.tail[len(c.tail)-len(part):], part)
	}
	c.lineLen += len(part)
}

func (c *conn) endLine() {
	n := c.lineLen
	// The 9 bytes that end the line, without the CR of CRLF.
	end := c.tail[1:]
	if n > 0 && c.tail[len(c.tail)-1] == '\r' {
		n--
		end = c.tail[:len(c.tail)-1]
	}
	head := c.head[:min(c.headLen, n)]
	switch {
	case !c.inHeader:
		// "METHOD SP target SP HTTP/1.x": at least "A / HTTP/1.1". Only
		// the end is checked: a body that does not end in a newline runs
		// into the next request line ("x" + "POST / HTTP/1.1"), and a line
		// of a body that looks like a request line is smuggling's shape
		// anyway.
		if n >= 12 && bytes.HasPrefix(end, []byte(" HTTP/1.")) {
			c.inHeader, c.sawCL, c.sawTE = true, false, false
		}
	case n == 0:
		if c.sawCL && c.sawTE {
			c.flagged = true
		}
		c.inHeader = false
	case hasFieldName(head, "content-length"):
		c.sawCL = true
	case hasFieldName(head, "transfer-encoding"):
		c.sawTE = true
	}
	c.headLen, c.lineLen = 0, 0
}

// hasFieldName reports whether a header line names field (any case),
// allowing the whitespace some clients put before the colon.
func hasFieldName(head []byte, field string) bool {
	if len(head) <= len(field) || !bytes.EqualFold(head[:len(field)], []byte(field)) {
		return false
	}
	rest := bytes.TrimLeft(head[len(field):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}
