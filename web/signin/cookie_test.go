package signin

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCookie(t *testing.T) {
	t.Parallel()
	c := Cookie{Name: "planner_console", Path: "/console", Secure: true, SameSite: http.SameSiteStrictMode, TTL: 8 * time.Hour}
	want := &http.Cookie{Name: "planner_console", Value: "v", Path: "/console", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: 8 * 3600}
	if d := cmp.Diff(want, c.New("v")); d != "" {
		t.Errorf("New (-want +got):\n%s", d)
	}
	want.Value, want.MaxAge = "", -1
	if d := cmp.Diff(want, c.Expired()); d != "" {
		t.Errorf("Expired (-want +got):\n%s", d)
	}
	if p := (Cookie{Name: "s"}).New("v").Path; p != "/" {
		t.Errorf("default path %q, want /", p)
	}
}

func TestNewSessionValue(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		v := NewSessionValue()
		if len(v) != 43 || seen[v] {
			t.Fatalf("session value %q: want 43 characters (256 bits), never repeated", v)
		}
		seen[v] = true
	}
}
