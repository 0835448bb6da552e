package live

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Buffer sizes of a live socket. net/http hands a hijacked connection a
// 4 KiB read buffer and a 4 KiB write buffer, and the WebSocket library keeps
// both for the socket's life: a third of an idle socket's memory. Live
// messages are small (an authenticate message is under 1 KiB, the server's
// answers and events a few hundred bytes); a larger one is read or written
// past the buffer in one more system call.
const (
	readBufferSize  = 512
	writeBufferSize = 512
)

// smallBuffers is the response writer of an upgrade, handed to
// websocket.Accept so the hijacked connection gets small buffers. Everything
// but Hijack is the wrapped writer's.
type smallBuffers struct {
	http.ResponseWriter
}

// Hijack hijacks the wrapped writer's connection and returns it with buffers
// of readBufferSize and writeBufferSize. Bytes the server had already read
// past the handshake come first, in the new read buffer.
func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	// The WebSocket library resets the reader onto the connection, keeping
	// only what it has buffered: bytes read past the handshake must be in
	// the new reader's buffer, not merely ahead of the connection.
	br := bufio.NewReaderSize(nc, readBufferSize)
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc), max(n, readBufferSize))
		if _, err := br.Peek(n); err != nil {
			nc.Close()
			return nil, nil, err
		}
	}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(nc, writeBufferSize)), nil
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }
