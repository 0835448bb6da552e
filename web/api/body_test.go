package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange writes req on a fresh connection to the harness, half-closes it
// (so a body cut short ends there) and reads one response.
func (h *harness) rawExchange(req string) (*http.Response, map[string]any) {
	h.t.Helper()
	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		h.t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		h.t.Fatalf("read response: %v", err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res, body
}

// A client that breaks its own body (bad chunk size, cut short) gets a 400,
// and the service logs no error for it: anyone could otherwise fill the
// error log.
func TestBrokenBodiesAreTheClientsFault(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok := h.token(h.a, "user", "alice", "write")
	form := "api_key=" + h.a.key + "&api_secret=" + h.a.secret
	tests := []struct {
		name, req string
	}{
		{"tokens: bad chunk size", "POST /v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + form + "\r\n0\r\n\r\n"},
		{"tokens: cut short", "POST /v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n" + form},
		{"tokens: bad form escape", "POST /v1/tokens HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\napi_key=%"},
		{"project: bad chunk size", "POST /v1/projects HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\n{}\r\n0\r\n\r\n"},
		{"project: cut short", "PUT /v1/projects/p_x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/json\r\nIf-Match: \"1\"\r\nContent-Length: 400\r\n\r\n{\"name\":\"R\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := h.rawExchange(tt.req)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want %d (body %v)", res.StatusCode, http.StatusBadRequest, body)
			}
			e, _ := body["error"].(map[string]any)
			if code, _ := e["code"].(string); code != "validation_failed" {
				t.Errorf("error.code = %q, want validation_failed", code)
			}
		})
	}
	if logs := h.logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("broken client bodies were logged at ERROR:\n%s", logs)
	}
}
