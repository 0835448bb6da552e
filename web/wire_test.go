package web

import (
	"strings"
	"testing"
)

func TestValidUserID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"plain", "alice", true},
		{"inner space", "alice smith", true},
		{"128 characters", strings.Repeat("é", MaxUserIDLen), true},
		{"empty", "", false},
		{"129 characters", strings.Repeat("é", MaxUserIDLen+1), false},
		{"leading space", " alice", false},
		{"trailing newline", "alice\n", false},
		{"control character", "al\u0007ice", false},
		{"invalid UTF-8", "al\xffice", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ValidUserID(tt.id); got != tt.want {
				t.Errorf("ValidUserID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}
