package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseInstances(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    []string
		want    int
		wantErr string
	}{
		{name: "default: one instance on SQLite", want: 1},
		{name: "two on PostgreSQL", args: []string{"--instances", "2", "--db", "postgres://db.example/planner"}, want: 2},
		{name: "two on SQLite", args: []string{"--instances", "2"}, wantErr: "postgres://"},
		{name: "none", args: []string{"--instances", "0", "--db", "postgres://db.example/planner"}, wantErr: "--instances"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want it to say %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || o.instances != tc.want {
				t.Errorf("instances = %d, %v; want %d", o.instances, err, tc.want)
			}
		})
	}
}
