package token

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
)

func cacheKey(i int) [sha256.Size]byte { return sha256.Sum256(fmt.Appendf(nil, "token-%d", i)) }

func TestCacheHitOnlyBeforeUntil(t *testing.T) {
	t.Parallel()
	now := testStart
	c := newCache(10)
	p := web.Principal{Kind: web.KindLegalEntity, RetailerID: testRetailer}
	c.put(cacheKey(1), p, now.Add(time.Minute), cacheEpoch{}, now)
	tests := []struct {
		name  string
		at    time.Time
		epoch cacheEpoch
		want  bool
	}{
		{"now", now, cacheEpoch{}, true},
		{"just before until", now.Add(time.Minute - time.Nanosecond), cacheEpoch{}, true},
		{"at until", now.Add(time.Minute), cacheEpoch{}, false},
		{"after until", now.Add(time.Hour), cacheEpoch{}, false},
		{"other key epoch", now, cacheEpoch{keys: 1}, false},
		{"API token after a secret rotation", now, cacheEpoch{secrets: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, got := c.get(cacheKey(1), tt.at, tt.epoch); got != tt.want {
				t.Errorf("hit = %v, want %v", got, tt.want)
			}
		})
	}
	if _, ok := c.get(cacheKey(2), now, cacheEpoch{}); ok {
		t.Errorf("hit for a key never put")
	}
}

func TestCacheEviction(t *testing.T) {
	t.Parallel()
	now := testStart
	c := newCache(10)
	for i := range 10 {
		until := now.Add(time.Hour)
		if i%2 == 0 {
			until = now.Add(time.Minute)
		}
		c.put(cacheKey(i), web.Principal{}, until, cacheEpoch{}, now)
	}
	if got, want := c.len(), 10; got != want {
		t.Fatalf("len = %d, want %d", got, want)
	}
	// Full: the five entries expired by now go first, nothing live is dropped.
	later := now.Add(2 * time.Minute)
	c.put(cacheKey(100), web.Principal{}, later.Add(time.Hour), cacheEpoch{}, later)
	if got, want := c.len(), 6; got != want {
		t.Errorf("len after evicting expired entries = %d, want %d", got, want)
	}
	for i := 1; i < 10; i += 2 {
		if _, ok := c.get(cacheKey(i), later, cacheEpoch{}); !ok {
			t.Errorf("live entry %d was evicted", i)
		}
	}
	// Full of live entries: some go, the cache never exceeds its bound.
	for i := 200; i < 300; i++ {
		c.put(cacheKey(i), web.Principal{}, later.Add(time.Hour), cacheEpoch{}, later)
		if got := c.len(); got > 10 {
			t.Fatalf("len = %d, want at most 10", got)
		}
	}
	if _, ok := c.get(cacheKey(299), later, cacheEpoch{}); !ok {
		t.Errorf("the newest entry is missing")
	}
}

func TestCacheSkipsExpired(t *testing.T) {
	t.Parallel()
	now := testStart
	c := newCache(10)
	c.put(cacheKey(1), web.Principal{}, now, cacheEpoch{}, now)
	if got := c.len(); got != 0 {
		t.Errorf("len = %d, want 0: an entry already expired is not stored", got)
	}
}

func TestCacheDisabled(t *testing.T) {
	t.Parallel()
	c := newCache(-1)
	now := testStart
	c.put(cacheKey(1), web.Principal{}, now.Add(time.Hour), cacheEpoch{}, now) // must not panic
	if _, ok := c.get(cacheKey(1), now, cacheEpoch{}); ok {
		t.Errorf("hit from a disabled cache")
	}
}
