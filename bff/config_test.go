package bff

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	full := map[string]string{
		"PLANNER_API_URL":    "https://planner.example",
		"PLANNER_API_KEY":    "pk",
		"PLANNER_API_SECRET": "sk",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		wantTTL time.Duration
		mode    string
	}{
		{name: "complete", env: full},
		{name: "ttl in seconds", env: with("PLANNER_TOKEN_TTL", "600"), wantTTL: 10 * time.Minute},
		{name: "ttl as duration", env: with("PLANNER_TOKEN_TTL", "5m"), wantTTL: 5 * time.Minute},
		{name: "partner mode needs no URL", env: with("PLANNER_TOKEN_MODE", "partner-signed", "PLANNER_API_URL", ""), mode: ModePartnerSigned},
		{name: "no URL", env: with("PLANNER_API_URL", ""), wantErr: "PLANNER_API_URL is not set"},
		{name: "no key", env: with("PLANNER_API_KEY", ""), wantErr: "PLANNER_API_KEY is not set"},
		{name: "no secret", env: with("PLANNER_API_SECRET", ""), wantErr: "PLANNER_API_SECRET is not set"},
		{name: "nothing", env: map[string]string{}, wantErr: "PLANNER_API_KEY is not set"},
		{name: "bad ttl", env: with("PLANNER_TOKEN_TTL", "soon"), wantErr: "PLANNER_TOKEN_TTL"},
		{name: "bad mode", env: with("PLANNER_TOKEN_MODE", "local"), wantErr: "PLANNER_TOKEN_MODE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if cfg.APIKey != "pk" || cfg.APISecret != "sk" || cfg.TokenTTL != tt.wantTTL || cfg.Mode != tt.mode {
				t.Errorf("cfg = key %q ttl %s mode %q; want pk, %s, %q", cfg.APIKey, cfg.TokenTTL, cfg.Mode, tt.wantTTL, tt.mode)
			}
			if _, err := New(cfg); err != nil {
				t.Errorf("New(ConfigFromEnv(...)) = %v", err)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	base := Config{APIURL: "https://planner.example", APIKey: "pk", APISecret: "sk"}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"loopback http", func(c *Config) { c.APIURL = "http://127.0.0.1:8090" }, ""},
		{"localhost http", func(c *Config) { c.APIURL = "http://localhost:8090/" }, ""},
		{"missing key", func(c *Config) { c.APIKey = "" }, "APIKey is required"},
		{"missing secret", func(c *Config) { c.APISecret = "" }, "APISecret is required"},
		{"missing URL", func(c *Config) { c.APIURL = "" }, "APIURL is required"},
		{"plain http elsewhere", func(c *Config) { c.APIURL = "http://planner.example" }, "unencrypted"},
		{"plain http allowed", func(c *Config) { c.APIURL = "http://planner.internal"; c.InsecureHTTP = true }, ""},
		{"credentials in URL", func(c *Config) { c.APIURL = "https://u:p@planner.example" }, "credentials"},
		{"not a URL", func(c *Config) { c.APIURL = "planner.example" }, "http(s)"},
		{"bad mode", func(c *Config) { c.Mode = "offline" }, "Mode"},
		{"TTL too short", func(c *Config) { c.TokenTTL = 5 * time.Second }, "TokenTTL"},
		{"TTL too long", func(c *Config) { c.TokenTTL = 2 * time.Hour }, "TokenTTL"},
		{"partner TTL capped", func(c *Config) { c.Mode = ModePartnerSigned; c.TokenTTL = 2 * time.Hour }, ""},
		{"partner needs no URL", func(c *Config) { c.Mode = ModePartnerSigned; c.APIURL = "" }, ""},
		{"bad trusted origin", func(c *Config) { c.TrustedOrigins = []string{"not an origin"} }, "TrustedOrigins"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := base
			tt.edit(&cfg)
			b, err := New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New = %v, want no error", err)
				}
				_ = b.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Config{APIURL: "https://p.example", APIKey: "k", APISecret: "s"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != ModeRemote || cfg.TokenTTL != 15*time.Minute || cfg.Timeout != 5*time.Second || cfg.MaxAttempts != 3 ||
		cfg.BreakerThreshold != 5 || cfg.IPRate != 5 || cfg.IPBurst != 30 || cfg.Clock == nil || cfg.Logger == nil || cfg.HTTPClient == nil {
		t.Errorf("defaults = %+v", cfg)
	}
	if cfg.HTTPClient.CheckRedirect == nil {
		t.Error("default client follows redirects (would re-post the secret)")
	}
}
