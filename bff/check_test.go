package bff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/bff"
)

// TestCheckCredentials: Check mints once against a real planner service. A
// wrong secret is logged as such and makes Ready fail (in both token
// modes); a planner service that is down fails Check but not Ready; a good
// secret leaves the minted token in the cache for the first visitor.
func TestCheckCredentials(t *testing.T) {
	t.Parallel()
	p := startPlanner(t, time.Now)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name        string
		cfg         bff.Config
		refused     bool // Check and Ready say the credentials were refused
		unreachable bool // Check fails, Ready does not
	}{
		{name: "right secret", cfg: bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: p.secret}},
		{name: "wrong secret", cfg: bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: strings.Repeat("x", 43)}, refused: true},
		{name: "wrong key", cfg: bff.Config{APIURL: p.srv.URL, APIKey: "pk_nobody", APISecret: p.secret}, refused: true},
		{name: "partner-signed, wrong secret", cfg: bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: strings.Repeat("x", 43), Mode: bff.ModePartnerSigned}, refused: true},
		{name: "planner down", cfg: bff.Config{APIURL: down.URL, APIKey: p.key, APISecret: p.secret}, unreachable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			tc.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			e, b := host(t, tc.cfg)
			before := p.mints.Load()
			err := b.Check(context.Background())
			if got := errors.Is(err, bff.ErrCredentialsRefused); got != tc.refused {
				t.Errorf("Check = %v; refused %v, want %v", err, got, tc.refused)
			}
			if tc.unreachable && err == nil {
				t.Error("Check = nil with the planner service down")
			}
			if got := errors.Is(b.Ready(), bff.ErrCredentialsRefused); got != tc.refused {
				t.Errorf("Ready = %v; want refused %v", b.Ready(), tc.refused)
			}
			logged := strings.Contains(logs.String(), "level=ERROR") && strings.Contains(logs.String(), "refused the API key and secret")
			if logged != tc.refused {
				t.Errorf("logged a refusal %v, want %v; log:\n%s", logged, tc.refused, logs.String())
			}
			if strings.Contains(logs.String(), p.secret) {
				t.Error("the log carries the API secret")
			}
			if tc.refused || tc.unreachable {
				return
			}
			// One mint, and the first visitor is served from it.
			if code, _, _, body := ask(e, ""); code != http.StatusOK {
				t.Fatalf("first visitor: %d %s", code, body)
			}
			if n := p.mints.Load() - before; n != 1 {
				t.Errorf("mints for Check and the first visitor = %d, want 1", n)
			}
		})
	}
}

// TestServeHTTPWithoutEcho: a host on net/http alone routes the token
// endpoint to the BFF itself.
func TestServeHTTPWithoutEcho(t *testing.T) {
	t.Parallel()
	p := startPlanner(t, time.Now)
	b, err := bff.New(bff.Config{APIURL: p.srv.URL, APIKey: p.key, APISecret: p.secret,
		UserFunc: func(r *http.Request) (string, bool) { u := r.Header.Get("X-User"); return u, u != "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	mux := http.NewServeMux()
	mux.Handle(bff.TokenPath, b)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name, method, user string
		header             bool
		status             int
		kind               string
	}{
		{"anonymous", http.MethodPost, "", true, http.StatusOK, "legal-entity"},
		{"signed in", http.MethodPost, "alice", true, http.StatusOK, "user"},
		{"no custom header", http.MethodPost, "", false, http.StatusForbidden, ""},
		{"GET", http.MethodGet, "", true, http.StatusMethodNotAllowed, ""},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+bff.TokenPath, nil)
		if tc.header {
			req.Header.Set(bff.RequestHeader, "1")
		}
		if tc.user != "" {
			req.Header.Set("X-User", tc.user)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, res.StatusCode, body.String(), tc.status)
			continue
		}
		if tc.kind != "" {
			if tok := tokenOf(t, body.Bytes()); p.me(t, tok)["kind"] != tc.kind {
				t.Errorf("%s: token kind %v, want %s", tc.name, p.me(t, tok)["kind"], tc.kind)
			}
		}
	}
}

func tokenOf(t *testing.T, body []byte) string {
	t.Helper()
	var tr bff.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.Token == "" {
		t.Fatalf("token answer %s: %v", body, err)
	}
	return tr.Token
}
