package static

import "testing"

// BenchmarkBuild is what a server pays once at start-up: bundling the
// pages and precompressing every output.
//
//	go test -run '^$' -bench Build -benchtime 5x ./static/
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build(FS, pages, rawFiles); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBundleOnly is the esbuild part of BenchmarkBuild, without compression.
func BenchmarkBundleOnly(b *testing.B) {
	for b.Loop() {
		for _, p := range pages {
			if _, err := buildPage(FS, p); err != nil {
				b.Fatal(err)
			}
		}
	}
}
