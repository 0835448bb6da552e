package retailermetrics

import (
	"sync/atomic"
	"testing"
)

// BenchmarkAdd is what recording costs on the request path: one count for
// a retailer (clock read, shared lock, atomic add). Divide by an API
// request's ns/op (web/api's BenchmarkMetricsRecording) for the share.
func BenchmarkAdd(b *testing.B) {
	r := New(openStore(b), Config{})
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			r.Add("le_bench", MeChecks, 1)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r.Add("le_bench", MeChecks, 1)
			}
		})
	})
}

// BenchmarkMetricsTopicSecond is one second of the metrics topic under the
// issue's load, in process: 1,000 visitor events (counted as Record counts
// them) for a retailer that 100 console sockets follow, then the Tick that
// sends each of them its update. Its ns/op divided by 1e9 is the share of
// one core (reported as core-%); the sockets' own writes of those 100
// updates are not in it (the live channel's fan-out, see cmd/liveload).
func BenchmarkMetricsTopicSecond(b *testing.B) {
	r := New(openStore(b), Config{})
	var bytes atomic.Int64
	for range 100 {
		_, cancel, err := r.SubscribeMetrics(b.Context(), "le_bench", func(p []byte) { bytes.Add(int64(len(p))) })
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(cancel)
	}
	counters := []Counter{PlannerOpened, ProductAdded, BasketSent, MeChecks}
	for b.Loop() {
		for i := range 1000 {
			r.Add("le_bench", counters[i%len(counters)], 1)
		}
		r.Tick()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e9*100, "core-%")
	b.ReportMetric(float64(bytes.Load())/float64(b.N)/100, "B/update")
}
