package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

// testMetrics checks per-minute aggregates: counters add up, gauges keep
// their maximum, series fold minutes into buckets, retailers stay apart and a
// purge drops old minutes only.
func testMetrics(t *testing.T, s Store) {
	ctx := t.Context()
	ra, _ := addRetailer(t, s, "Metrics A")
	rb, _ := addRetailer(t, s, "Metrics B")
	a, b := ra.ID, rb.ID
	m := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	mustNot(t, s.AddMetrics(ctx, []web.MetricCount{
		{RetailerID: a, Minute: m(0), Name: "basket.sent", Value: 2},
		{RetailerID: a, Minute: m(0), Name: "max.planners_open", Value: 5},
		{RetailerID: a, Minute: m(1), Name: "basket.sent", Value: 1},
		{RetailerID: b, Minute: m(0), Name: "basket.sent", Value: 100},
	}), "AddMetrics")
	// A second flush of the same minute (another instance, a retry).
	mustNot(t, s.AddMetrics(ctx, []web.MetricCount{
		{RetailerID: a, Minute: m(0), Name: "basket.sent", Value: 3},
		{RetailerID: a, Minute: m(0), Name: "max.planners_open", Value: 4},
		{RetailerID: a, Minute: m(2), Name: "max.planners_open", Value: 7},
	}), "AddMetrics again")
	mustNot(t, s.AddMetrics(ctx, nil), "AddMetrics of nothing")

	got, err := s.MetricSeries(ctx, a, m(0), m(3), time.Minute)
	mustNot(t, err, "MetricSeries")
	want := []web.MetricCount{
		{RetailerID: a, Minute: m(0), Name: "basket.sent", Value: 5},
		{RetailerID: a, Minute: m(0), Name: "max.planners_open", Value: 5},
		{RetailerID: a, Minute: m(1), Name: "basket.sent", Value: 1},
		{RetailerID: a, Minute: m(2), Name: "max.planners_open", Value: 7},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("per-minute series (-want +got):\n%s", d)
	}

	got, err = s.MetricSeries(ctx, a, m(0), m(4), 2*time.Minute)
	mustNot(t, err, "MetricSeries by 2 min")
	want = []web.MetricCount{
		{RetailerID: a, Minute: m(0), Name: "basket.sent", Value: 6},
		{RetailerID: a, Minute: m(0), Name: "max.planners_open", Value: 5},
		{RetailerID: a, Minute: m(2), Name: "max.planners_open", Value: 7},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("2-minute series (-want +got):\n%s", d)
	}

	// The end is exclusive; another retailer's rows never show.
	got, err = s.MetricSeries(ctx, a, m(1), m(2), time.Minute)
	mustNot(t, err, "MetricSeries of one minute")
	if len(got) != 1 || got[0].Value != 1 {
		t.Errorf("minute 1 alone = %+v, want basket.sent 1", got)
	}
	got, err = s.MetricSeries(ctx, b, m(0), m(3), time.Minute)
	mustNot(t, err, "MetricSeries of B")
	if len(got) != 1 || got[0].Value != 100 {
		t.Errorf("retailer B = %+v, want its own basket.sent 100 only", got)
	}

	if _, err := s.MetricSeries(ctx, a, m(0), m(3), 30*time.Second); err == nil {
		t.Error("a step of 30 s was accepted")
	}
	if _, err := s.MetricSeries(ctx, a, m(3), m(0), time.Minute); err == nil {
		t.Error("a range that ends before it starts was accepted")
	}
	if err := s.AddMetrics(ctx, []web.MetricCount{{RetailerID: a, Minute: m(0), Name: ""}}); err == nil {
		t.Error("a count without a name was accepted")
	}

	mustNot(t, s.PurgeMetrics(ctx, m(1)), "PurgeMetrics")
	got, err = s.MetricSeries(ctx, a, m(0), m(3), time.Minute)
	mustNot(t, err, "MetricSeries after purge")
	if len(got) != 2 || !got[0].Minute.Equal(m(1)) {
		t.Errorf("after purging before minute 1: %+v, want minutes 1 and 2 only", got)
	}
}
