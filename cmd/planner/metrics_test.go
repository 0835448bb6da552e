package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads and parses the metrics at url with Prometheus's own parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// value is the sum of the samples of family name whose labels include want
// (a counter's or gauge's value, a histogram's count), and whether any matched.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	sum, found := 0.0, false
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

// TestServeMetrics runs "planner serve --metrics-addr", makes traffic on the
// public listener and checks that the series on the metrics listener moved:
// requests by route pattern (never the raw path), tokens issued and verified,
// cache hits, sockets by plan, the catalog watcher and the database pools.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "planner.db")
	mustCLI(t, db, "migrate")
	var e struct{ ID, DistributionID string }
	_ = json.Unmarshal([]byte(mustCLI(t, db, "entity", "create", "--name", "Shop", "--origin", "https://shop.example", "--plan", "premium")), &e)
	key, secret := entityCreds(t, db, e.ID)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		env := map[string]string{"PLANNER_DB": db, "PLANNER_METRICS_ADDR": "127.0.0.1:0"}
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	out := bufio.NewReader(pr)
	var lines string
	for range 2 {
		l, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("serve printed %q: %v", lines, err)
		}
		lines += l
	}
	go io.Copy(io.Discard, out)
	base := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(lines)
	murl := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(lines)
	if base == nil || murl == nil {
		t.Fatalf("serve printed %q, want its two addresses", lines)
	}

	before := scrape(t, murl[1])
	if n, _ := value(before, "planner_tokens_issued_total", nil); n != 0 {
		t.Errorf("tokens issued before any mint = %v, want 0", n)
	}
	if _, ok := value(before, "planner_db_connections", map[string]string{"pool": "writer"}); !ok {
		t.Error("no planner_db_connections for the SQLite writer pool")
	}
	if v, ok := value(before, "planner_catalog_watcher_behind_entries", nil); !ok || v != 0 {
		t.Errorf("catalog watcher behind = %v (present %v), want 0", v, ok)
	}

	tok := mintLE(t, base[1], key, secret)
	get := func(path, bearer string) int {
		req, _ := http.NewRequest(http.MethodGet, base[1]+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 2 {
		if st := get("/v1/catalog/products/no-such-product", tok); st != http.StatusNotFound {
			t.Fatalf("GET a missing product: %d, want 404", st)
		}
	}
	if st := get("/v1/me", "not-a-token"); st != http.StatusUnauthorized {
		t.Fatalf("GET /v1/me with a bad token: %d, want 401", st)
	}
	get("/no/such/route-x1", "")

	port := regexp.MustCompile(`:(\d+)$`).FindStringSubmatch(base[1])[1]
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	ws, _, err := websocket.Dial(wctx, "ws"+strings.TrimPrefix(base[1], "http")+"/ws?d="+e.DistributionID,
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://localhost:" + port}}})
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	defer ws.CloseNow()
	if err := ws.Write(wctx, websocket.MessageText, []byte(`{"type":"authenticate","payload":{"token":"`+tok+`"}}`)); err != nil {
		t.Fatal(err)
	}
	if _, data, err := ws.Read(wctx); err != nil || !strings.Contains(string(data), `"authenticated"`) {
		t.Fatalf("authenticate: %s %v", data, err)
	}

	// The /ws upgrade itself is counted once its handler returns, which
	// may come after the socket's first answer, so it is not asserted here
	// (web/metrics tests the 101 case).
	after := scrape(t, murl[1])
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"planner_http_requests_total", map[string]string{"route": "/v1/tokens", "method": "POST", "status": "200", "code": ""}, 1},
		{"planner_http_requests_total", map[string]string{"route": "/v1/catalog/products/:id", "status": "404", "code": "not_found"}, 2},
		{"planner_http_request_duration_seconds", map[string]string{"route": "/v1/catalog/products/:id", "status": "404"}, 2},
		{"planner_http_requests_total", map[string]string{"route": "/v1/me", "status": "401", "code": "invalid_token"}, 1},
		{"planner_tokens_issued_total", map[string]string{"kind": "legal-entity", "outcome": "issued"}, 1},
		{"planner_tokens_verified_total", map[string]string{"kind": "legal-entity", "outcome": "ok"}, 3},
		{"planner_tokens_verified_total", map[string]string{"outcome": "invalid_token"}, 1},
		{"planner_token_cache_hits_total", nil, 2},
		{"planner_live_sockets", map[string]string{"plan": "premium"}, 1},
		{"planner_live_sockets", map[string]string{"plan": "free"}, 0},
		{"planner_live_held_events", nil, 0},
	} {
		got, ok := value(after, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// An unmatched request is one series, whatever its path.
	if n, ok := value(after, "planner_http_requests_total", map[string]string{"route": "unmatched"}); !ok || n < 1 {
		t.Errorf("unmatched requests = %v (present %v), want at least 1", n, ok)
	}
	for _, m := range after["planner_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if strings.Contains(l.GetValue(), "route-x1") || strings.Contains(l.GetValue(), "no-such-product") {
				t.Errorf("a label carries a raw path: %s=%q", l.GetName(), l.GetValue())
			}
		}
	}
	if n, _ := value(after, "planner_db_waits_total", nil); n < 0 {
		t.Errorf("db waits = %v", n)
	}
	if ts, _ := value(after, "planner_catalog_watcher_last_poll_timestamp_seconds", nil); ts != 0 && ts < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("catalog watcher last poll at %v, long ago", ts)
	}

	// The metrics are not on the public listener.
	if st := get("/metrics", ""); st != http.StatusNotFound {
		t.Errorf("GET /metrics on the public listener: %d, want 404", st)
	}
}
