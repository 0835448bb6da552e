package api

import (
	"encoding/json"
	"testing"
	"time"
)

// TestTokenResponseJSON checks the hand-written encoding against encoding/json.
func TestTokenResponseJSON(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		r    tokenResponse
	}{
		{"whole seconds", tokenResponse{Token: "eyJ.eyJ.sig-_", Kind: "user", ExpiresAt: now.Truncate(time.Second), ExpiresIn: 3600, ServerTime: now.Truncate(time.Second)}},
		{"nanoseconds", tokenResponse{Token: "a.b.c", Kind: "legal-entity", ExpiresAt: now.Add(time.Hour), ExpiresIn: -1, ServerTime: now}},
		{"characters to escape", tokenResponse{Token: "<a>&\"\\\n\u2028é", Kind: "", ExpiresAt: now, ServerTime: now}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, err := json.Marshal(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(tc.r.appendJSON(nil)); got != string(want) {
				t.Errorf("appendJSON = %s\nwant %s", got, want)
			}
		})
	}
}
