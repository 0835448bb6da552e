package live_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/live"
)

// TestMessagesSentWithTheHandshake: a client that sends its first messages
// in the same write as the upgrade request (the server reads them with the
// request, before the socket has its own buffers) has them all answered, in
// order: the socket's small read buffer starts with those bytes, more of
// them than that buffer holds.
func TestMessagesSentWithTheHandshake(t *testing.T) {
	t.Parallel()
	e := newEnv(t, live.Config{})
	shop := e.retailer(web.PlanFree)
	tok := e.userToken(shop, "alice", time.Hour)

	nc, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /ws?d=" + shop.DistributionID + " HTTP/1.1\r\nHost: " + strings.TrimPrefix(e.url, "http://") +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	var frames []byte
	frames = append(frames, clientFrame(`{"type":"authenticate","payload":{"token":"`+tok+`"}}`)...)
	frames = append(frames, clientFrame(`{"type":"subscribe","payload":{"topic":"projects"}}`)...)
	frames = append(frames, clientFrame(`{"type":"subscribe","payload":{"topic":"catalog"}}`)...)
	frames = append(frames, clientFrame(`{"type":"unsubscribe","payload":{"topic":"catalog"}}`)...)
	if len(frames) <= 512 {
		t.Fatalf("the messages are %d bytes: too few to exceed the read buffer", len(frames))
	}
	if _, err := nc.Write(append([]byte(req), frames...)); err != nil {
		t.Fatal(err)
	}

	br := bufio.NewReader(nc)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %s", res.Status)
	}
	for _, want := range []string{"authenticated", "subscribed", "subscribed", "unsubscribed"} {
		var m struct{ Type string }
		msg := serverFrame(t, br)
		if err := json.Unmarshal(msg, &m); err != nil || m.Type != want {
			t.Fatalf("got %s, want %s", msg, want)
		}
	}
}

// clientFrame is msg as one masked text frame.
func clientFrame(msg string) []byte {
	f := []byte{0x81}
	switch n := len(msg); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, key[:]...)
	for i := range len(msg) {
		f = append(f, msg[i]^key[i%4])
	}
	return f
}

// serverFrame reads one unmasked, unfragmented text frame.
func serverFrame(t *testing.T, br *bufio.Reader) []byte {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		t.Fatal(err)
	}
	if h[0] != 0x81 || h[1]&0x80 != 0 {
		t.Fatalf("frame header %x, want an unmasked final text frame", h)
	}
	n := int(h[1])
	if n == 126 {
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			t.Fatal(err)
		}
		n = int(binary.BigEndian.Uint16(l[:]))
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(br, msg); err != nil {
		t.Fatal(err)
	}
	return msg
}
