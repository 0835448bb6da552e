package static

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user + system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuild is what a server pays once at start-up: bundling the
// pages and precompressing every output. It reports CPU time per build
// beside wall time, which on a shared machine says more:
//
//	go test -run '^$' -bench 'Build|BundleOnly' -benchtime 5x ./static/
func BenchmarkBuild(b *testing.B) {
	start := cpuTime(b)
	for b.Loop() {
		if _, err := Build(FS, pages, rawFiles); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkBundleOnly is the esbuild part of BenchmarkBuild, without compression.
func BenchmarkBundleOnly(b *testing.B) {
	start := cpuTime(b)
	for b.Loop() {
		for _, p := range pages {
			if _, err := buildPage(FS, p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((cpuTime(b)-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}
