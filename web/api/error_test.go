package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"github.com/roomplanner/planner/web"
)

// A database outage is a 503 with Retry-After and the unavailable code, one
// warning line in the log and no stack; a bug stays a logged 500.
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"cannot connect", fmt.Errorf("load project %q: %w", "p_1", &pgconn.ConnectError{}), web.EUnavailable},
		{"connection reset", fmt.Errorf("save project: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), web.EUnavailable},
		{"dial refused", refused, web.EUnavailable},
		{"server shutting down", fmt.Errorf("list projects: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}), web.EUnavailable},
		{"server starting", &pgconn.PgError{Code: "57P03"}, web.EUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, web.EUnavailable},
		{"connection lost mid-message", fmt.Errorf("load project %q: %w", "p_1", io.ErrUnexpectedEOF), web.EUnavailable},
		{"connection lost between messages", fmt.Errorf("load project %q: %w", "p_1", io.EOF), web.EUnavailable},
		{"a constraint is a bug", &pgconn.PgError{Code: "23505"}, web.EInternal},
		{"a stray error", errors.New("boom"), web.EInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
			rec := httptest.NewRecorder()
			c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/v1/projects", nil), rec)
			s.handleError(tc.err, c)
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if body.Error.Code != tc.want {
				t.Errorf("code = %q, want %q", body.Error.Code, tc.want)
			}
			if tc.want != web.EUnavailable {
				if rec.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "level=ERROR") {
					t.Errorf("status = %d, logs %q; want 500 and an error logged", rec.Code, logs.String())
				}
				return
			}
			if rec.Code != http.StatusServiceUnavailable {
				t.Errorf("status = %d, want %d", rec.Code, http.StatusServiceUnavailable)
			}
			if got := rec.Header().Get("Retry-After"); got != "5" {
				t.Errorf("Retry-After = %q, want 5", got)
			}
			if strings.Contains(rec.Body.String(), "57P01") || strings.Contains(rec.Body.String(), "tcp") {
				t.Errorf("body %s shows the driver's error", rec.Body)
			}
			if l := logs.String(); !strings.Contains(l, "level=WARN") || strings.Count(l, "\n") != 1 {
				t.Errorf("logs = %q, want one warning", l)
			}
		})
	}
}
