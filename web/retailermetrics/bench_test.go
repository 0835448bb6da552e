package retailermetrics

import (
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
