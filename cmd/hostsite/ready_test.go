package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadyzChecksCredentials: the host site starts whatever the planner
// API says, checks its credentials once, and /readyz answers from the
// check: not ready with a wrong secret, ready with the right one, and ready
// (start-up not blocked) when the planner service is merely down.
func TestReadyzChecksCredentials(t *testing.T) {
	t.Parallel()
	plannerURL, key, secret, distribution := planner(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name, url, secret string
		said              string // the line printed once checked
		ready             bool
	}{
		{"right secret", plannerURL, secret, "credentials accepted", true},
		{"wrong secret", plannerURL, strings.Repeat("x", 43), "refused PLANNER_API_KEY and PLANNER_API_SECRET", false},
		{"planner down", down.URL, secret, "not reachable", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, []string{"--addr", "127.0.0.1:0", "--planner-url", tc.url,
				"--db", filepath.Join(t.TempDir(), "hostsite.db"), "--distribution", distribution},
				map[string]string{"PLANNER_API_KEY": key, "PLANNER_API_SECRET": tc.secret})
			if status, _ := get(t, http.DefaultClient, s.site+"/healthz"); status != http.StatusOK {
				t.Fatalf("/healthz: %d, want 200 before the check has answered", status)
			}
			timeout := time.After(20 * time.Second)
		wait:
			for {
				select {
				case line := <-s.lines:
					if strings.Contains(line, tc.said) {
						break wait
					}
				case <-timeout:
					t.Fatalf("no line saying %q", tc.said)
				}
			}
			status, body := get(t, http.DefaultClient, s.site+"/readyz")
			if (status == http.StatusOK) != tc.ready {
				t.Errorf("/readyz: %d %q, want ready %v", status, body, tc.ready)
			}
			if strings.Contains(body, tc.secret) {
				t.Error("/readyz shows the secret")
			}
		})
	}
}
