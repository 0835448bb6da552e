package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/roomplanner/planner/web/catalog"
)

// TestServedDocuments checks /openapi.json and /schemas/catalog.json: the
// files of the repository, byte for byte, with their media types, and
// cacheable: max-age plus an ETag that a revalidation answers with 304.
func TestServedDocuments(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	openapi, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, contentType string
		want              []byte
	}{
		{"/openapi.json", "application/json", openapi},
		{"/schemas/catalog.json", "application/schema+json", catalog.Schema()},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			res := h.api("GET", tc.path, "", nil)
			if res.status != http.StatusOK || !bytes.Equal(res.raw, tc.want) {
				t.Fatalf("status %d, %d bytes; want 200 and the repository's %d bytes", res.status, len(res.raw), len(tc.want))
			}
			if !json.Valid(res.raw) {
				t.Error("body is not JSON")
			}
			if got := res.header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
			}
			if got := res.header.Get("Cache-Control"); got != "public, max-age=300" {
				t.Errorf("Cache-Control = %q, want public, max-age=300", got)
			}
			etag := res.header.Get("ETag")
			if len(etag) < 10 || etag[0] != '"' {
				t.Fatalf("ETag = %q, want a strong validator", etag)
			}
			again := h.api("GET", tc.path, "", nil, "If-None-Match", etag)
			if again.status != http.StatusNotModified || len(again.raw) != 0 {
				t.Errorf("revalidation: status %d with %d bytes, want 304 and no body", again.status, len(again.raw))
			}
			if stale := h.api("GET", tc.path, "", nil, "If-None-Match", `"0"`); stale.status != http.StatusOK {
				t.Errorf("another ETag: status %d, want 200", stale.status)
			}
		})
	}
}
