package bff

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/web/clocktest"
)

// BenchmarkTokenCached measures POST /bff/token for an anonymous visitor
// served from the cache, through echo and every guard (cross-origin check,
// custom header, per-IP limiter), the limit raised so that it never refuses.
func BenchmarkTokenCached(b *testing.B) {
	clock := clocktest.New(time.Time{})
	up := newUpstream(b, clock)
	bf, err := New(Config{
		APIURL: up.srv.URL, APIKey: testKey, APISecret: testSecret,
		Clock: clock.Now, HTTPClient: up.srv.Client(), Logger: slog.New(slog.DiscardHandler),
		IPRate: 1e9, IPBurst: 1 << 30,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer bf.Close()
	e := echo.New()
	e.IPExtractor = echo.ExtractIPDirect()
	bf.Mount(e)
	req := httptest.NewRequest(http.MethodPost, TokenPath, nil)
	req.Header.Set(RequestHeader, "1")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	// Warm the cache.
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("status = %d", rec.Code)
	}
	size := rec.Body.Len()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status = %d", rec.Code)
		}
	}
	b.StopTimer()
	if up.calls.Load() != 1 {
		b.Fatalf("upstream calls = %d, want 1", up.calls.Load())
	}
	b.ReportMetric(float64(size), "body-bytes")
}

// BenchmarkTrivialJSON is the baseline: an echo handler answering a JSON
// body of the same shape and size from memory.
func BenchmarkTrivialJSON(b *testing.B) {
	e := echo.New()
	body := TokenResponse{
		Token:      strings.Repeat("x", 295),
		Kind:       KindLegalEntity,
		ExpiresAt:  clocktest.Epoch.Add(15 * time.Minute),
		ExpiresIn:  900,
		ServerTime: clocktest.Epoch,
	}
	e.POST(TokenPath, func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, body)
	})
	req := httptest.NewRequest(http.MethodPost, TokenPath, nil)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	size := rec.Body.Len()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
	}
	b.ReportMetric(float64(size), "body-bytes")
}
