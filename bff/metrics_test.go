package bff

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestMetricsHandler(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.mustToken()
	h.mustToken()
	h.mustToken(asUser("alice"))
	h.post(withoutHeader(RequestHeader))
	h.post(withHeader("Sec-Fetch-Site", "cross-site"))
	h.up.setFail(failFirst(100, &failure{status: 502}))
	h.post(asUser("bob"))

	rec := httptest.NewRecorder()
	h.b.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("status = %d", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", got)
	}
	body := rec.Body.String()
	sample := regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="[a-z0-9_-]+"\})? [0-9]+$`)
	comment := regexp.MustCompile(`^# (HELP [a-z_]+ .+|TYPE [a-z_]+ (counter|gauge))$`)
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if !sample.MatchString(line) && !comment.MatchString(line) {
			t.Errorf("not exposition format: %q", line)
		}
	}
	for _, want := range []string{
		`planner_bff_served_total{kind="legal-entity"} 2`,
		`planner_bff_served_total{kind="user"} 1`,
		`planner_bff_cache_hits_total{kind="legal-entity"} 1`,
		`planner_bff_upstream_mints_total{kind="legal-entity"} 1`,
		`planner_bff_upstream_mints_total{kind="user"} 1`,
		`planner_bff_upstream_errors_total{reason="status_5xx"} 3`,
		`planner_bff_rejected_total{reason="missing_header"} 1`,
		`planner_bff_rejected_total{reason="cross_site"} 1`,
		`planner_bff_unavailable_total 1`,
		`planner_bff_coalesced_callers_total 0`,
		`planner_bff_breaker_state 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, testSecret) || strings.Contains(body, "alice") {
		t.Error("metrics carry the secret or a user id")
	}
}

// TestMetricsParseAsPrometheus: Prometheus's own text parser reads the
// hand-written exposition, with the types and values it claims.
func TestMetricsParseAsPrometheus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.mustToken()
	h.mustToken()
	h.post(withoutHeader(RequestHeader))

	rec := httptest.NewRecorder()
	h.b.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("Prometheus cannot parse the metrics: %v", err)
	}
	for name, f := range fams {
		if f.GetHelp() == "" || len(f.GetMetric()) == 0 {
			t.Errorf("%s: help %q, %d samples; want both", name, f.GetHelp(), len(f.GetMetric()))
		}
	}
	find := func(name, label string) *dto.Metric {
		f := fams[name]
		if f == nil {
			t.Fatalf("no family %s", name)
		}
		for _, m := range f.GetMetric() {
			if label == "" && len(m.GetLabel()) == 0 {
				return m
			}
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m
				}
			}
		}
		t.Fatalf("%s has no sample %q", name, label)
		return nil
	}
	for _, c := range []struct {
		name, label string
		typ         dto.MetricType
		want        float64
	}{
		{"planner_bff_served_total", "legal-entity", dto.MetricType_COUNTER, 2},
		{"planner_bff_served_total", "user", dto.MetricType_COUNTER, 0},
		{"planner_bff_upstream_mints_total", "legal-entity", dto.MetricType_COUNTER, 1},
		{"planner_bff_rejected_total", "missing_header", dto.MetricType_COUNTER, 1},
		{"planner_bff_breaker_state", "", dto.MetricType_GAUGE, 0},
		{"planner_bff_unavailable_total", "", dto.MetricType_COUNTER, 0},
	} {
		if typ := fams[c.name].GetType(); typ != c.typ {
			t.Errorf("%s is a %v, want %v", c.name, typ, c.typ)
		}
		m := find(c.name, c.label)
		got := m.GetCounter().GetValue()
		if c.typ == dto.MetricType_GAUGE {
			got = m.GetGauge().GetValue()
		}
		if got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.label, got, c.want)
		}
	}
}
