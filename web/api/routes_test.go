package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/roomplanner/planner/web"
)

// TestWrongMethod checks that a method a path does not have is answered
// 405 with Allow and the house error body, whoever asks: no token check
// runs first (GET /v1/tokens used to say a Bearer token was missing).
func TestWrongMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok := h.token(h.a, "user", "alice", "write")
	tests := []struct {
		name, method, path, tok, allow string
	}{
		{"GET on the token endpoint", "GET", "/v1/tokens", "", "OPTIONS, POST"},
		{"HEAD on the token endpoint", "HEAD", "/v1/tokens", "", "OPTIONS, POST"},
		{"DELETE on the token endpoint with a token", "DELETE", "/v1/tokens", tok, "OPTIONS, POST"},
		{"POST on a read-only call", "POST", "/v1/me", tok, "OPTIONS, GET, HEAD"},
		{"PATCH on a project", "PATCH", "/v1/projects/prj_x", tok, "OPTIONS, DELETE, GET, HEAD, PUT"},
		{"PUT on the project list", "PUT", "/v1/projects", "", "OPTIONS, GET, HEAD, POST"},
		{"POST on a health check", "POST", "/healthz", "", "OPTIONS, GET, HEAD"},
		{"DELETE on the document", "DELETE", "/openapi.json", "", "OPTIONS, GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := h.api(tc.method, tc.path, tc.tok, nil)
			if res.status != http.StatusMethodNotAllowed {
				t.Fatalf("status = %d, want 405: %s", res.status, res.raw)
			}
			if got := res.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
			if got := res.header.Get("WWW-Authenticate"); got != "" {
				t.Errorf("WWW-Authenticate = %q, want none: a wrong method is not an authentication problem", got)
			}
			if tc.method == http.MethodHead {
				if len(res.raw) != 0 {
					t.Errorf("HEAD answered with a body: %s", res.raw)
				}
				return
			}
			if res.errCode() != web.EMethodNotAllowed {
				t.Errorf("code = %q, want %q", res.errCode(), web.EMethodNotAllowed)
			}
			msg, _ := res.body["error"].(map[string]any)["message"].(string)
			if !strings.Contains(msg, tc.allow) {
				t.Errorf("message %q does not say what is allowed (%s)", msg, tc.allow)
			}
		})
	}
}

// TestUnknownPathAndOptions: an unknown path under /v1 is 404 before any
// token check; OPTIONS says what a path allows.
func TestUnknownPathAndOptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, p := range []string{"/v1/nothing", "/v1/catalog", "/v1"} {
		if res := h.api("GET", p, "", nil); res.status != http.StatusNotFound || res.errCode() != web.ENotFound {
			t.Errorf("GET %s: %d %s, want 404 not_found", p, res.status, res.raw)
		}
	}
	res := h.api("OPTIONS", "/v1/tokens", "", nil)
	if res.status != http.StatusNoContent || res.header.Get("Allow") != "OPTIONS, POST" {
		t.Errorf("OPTIONS /v1/tokens: %d Allow %q, want 204 Allow \"OPTIONS, POST\"", res.status, res.header.Get("Allow"))
	}
}

// TestHEAD checks that every GET answers HEAD with GET's status and
// headers and no body, token checks included.
func TestHEAD(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	le := h.token(h.a, "legal-entity", "", "")
	user := h.token(h.a, "user", "alice", "write")
	created := h.api("POST", "/v1/projects", user, doc("Living room", "sofa-a"))
	if created.status != http.StatusCreated {
		t.Fatalf("create project: %d %s", created.status, created.raw)
	}
	project := "/v1/projects/" + created.body["id"].(string)
	tests := []struct {
		name, path, tok string
		status          int
	}{
		{"health", "/healthz", "", 200},
		{"readiness", "/readyz", "", 200},
		{"key set", "/.well-known/jwks.json", "", 200},
		{"OpenAPI document", "/openapi.json", "", 200},
		{"catalog schema", "/schemas/catalog.json", "", 200},
		{"planner page", "/planner?d=" + h.a.DistributionID, "", 200},
		{"me", "/v1/me", le, 200},
		{"categories", "/v1/catalog/categories", le, 200},
		{"products", "/v1/catalog/products?limit=1", le, 200},
		{"product", "/v1/catalog/products/sofa-a", le, 200},
		{"no such product", "/v1/catalog/products/nope", le, 404},
		{"bad query", "/v1/catalog/products?limit=0", le, 400},
		{"projects", "/v1/projects", user, 200},
		{"project", project, user, 200},
		{"project without a token", project, "", 401},
		{"project with a legal-entity token", project, le, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			get := h.api("GET", tc.path, tc.tok, nil)
			head := h.api("HEAD", tc.path, tc.tok, nil)
			if get.status != tc.status || head.status != tc.status {
				t.Fatalf("GET %d, HEAD %d, want both %d", get.status, head.status, tc.status)
			}
			if len(head.raw) != 0 {
				t.Errorf("HEAD answered with a body of %d bytes", len(head.raw))
			}
			for _, k := range []string{"Content-Type", "Cache-Control", "ETag", "WWW-Authenticate", "Content-Security-Policy"} {
				if g, hd := get.header.Get(k), head.header.Get(k); g != hd {
					t.Errorf("%s: GET %q, HEAD %q", k, g, hd)
				}
			}
			if cl := head.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(get.raw)) {
				t.Errorf("HEAD Content-Length %s, GET body %d bytes", cl, len(get.raw))
			}
		})
	}
}
