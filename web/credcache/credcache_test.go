package credcache

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/clocktest"
)

// fakeStore is a function-field fake that counts its calls.
type fakeStore struct {
	calls      atomic.Int64
	credential func(ctx context.Context, apiKey string) (web.Credential, error)
}

func (f *fakeStore) Credential(ctx context.Context, apiKey string) (web.Credential, error) {
	f.calls.Add(1)
	return f.credential(ctx, apiKey)
}

// table answers from creds (by API key), not found otherwise.
func table(creds map[string]web.Credential) func(context.Context, string) (web.Credential, error) {
	return func(_ context.Context, k string) (web.Credential, error) {
		if c, ok := creds[k]; ok {
			return c, nil
		}
		return web.Credential{}, web.Errorf(web.ENotFound, "API key %q not found", k)
	}
}

func TestCacheHitReadsNoStore(t *testing.T) {
	t.Parallel()
	creds := map[string]web.Credential{"pk_a": {APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("s1")}}
	st := &fakeStore{credential: table(creds)}
	c := New(st, Config{})
	ctx := context.Background()
	for i := range 5 {
		got, err := c.Credential(ctx, "pk_a")
		if err != nil || string(got.Secret) != "s1" {
			t.Fatalf("call %d: Credential = %q, %v; want s1", i, got.Secret, err)
		}
	}
	if n := st.calls.Load(); n != 1 {
		t.Errorf("store calls = %d, want 1", n)
	}
}

func TestCacheNegativeBounded(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(time.Unix(1e9, 0))
	creds := map[string]web.Credential{}
	st := &fakeStore{credential: table(creds)}
	c := New(st, Config{NegativeTTL: 5 * time.Second, Clock: clk.Now})
	ctx := context.Background()
	for range 10 {
		if _, err := c.Credential(ctx, "pk_new"); web.ErrorCode(err) != web.ENotFound {
			t.Fatalf("err = %v, want not_found", err)
		}
	}
	if n := st.calls.Load(); n != 1 {
		t.Errorf("store calls for an unknown key = %d, want 1", n)
	}
	// The retailer is created by another process: usable once the negative
	// answer expires, not before.
	creds["pk_new"] = web.Credential{APIKey: "pk_new", RetailerID: "le_new", Secret: []byte("s")}
	clk.Advance(4 * time.Second)
	if _, err := c.Credential(ctx, "pk_new"); web.ErrorCode(err) != web.ENotFound {
		t.Errorf("within NegativeTTL: err = %v, want not_found (cached)", err)
	}
	clk.Advance(time.Second)
	if _, err := c.Credential(ctx, "pk_new"); err != nil {
		t.Errorf("after NegativeTTL: err = %v, want the new credential", err)
	}
}

func TestCacheSizeBounded(t *testing.T) {
	t.Parallel()
	st := &fakeStore{credential: table(nil)}
	c := New(st, Config{Size: 100})
	ctx := context.Background()
	for i := range 1000 {
		c.Credential(ctx, "pk_"+string(rune('a'+i%26))+time.Duration(i).String())
	}
	if n := c.Len(); n > 100 {
		t.Errorf("Len = %d, want at most 100", n)
	}
}

func TestCacheForget(t *testing.T) {
	t.Parallel()
	creds := map[string]web.Credential{
		"pk_a": {APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("old")},
		"pk_b": {APIKey: "pk_b", RetailerID: "le_b", Secret: []byte("b")},
	}
	st := &fakeStore{credential: table(creds)}
	c := New(st, Config{})
	ctx := context.Background()
	c.Credential(ctx, "pk_a")
	c.Credential(ctx, "pk_b")
	creds["pk_a"] = web.Credential{APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("new")}
	c.Forget("le_a")
	if got, _ := c.Credential(ctx, "pk_a"); string(got.Secret) != "new" {
		t.Errorf("after Forget: secret = %q, want new", got.Secret)
	}
	if n := st.calls.Load(); n != 3 {
		t.Errorf("store calls = %d, want 3 (le_b stays cached)", n)
	}
	c.Credential(ctx, "pk_b")
	if n := st.calls.Load(); n != 3 {
		t.Errorf("store calls = %d, want 3 (le_b stays cached)", n)
	}
}

func TestCacheForgetDuringLoad(t *testing.T) {
	t.Parallel()
	// A read that started before a Forget must not store its stale answer.
	release := make(chan struct{})
	started := make(chan struct{})
	var n atomic.Int64
	st := &fakeStore{credential: func(context.Context, string) (web.Credential, error) {
		if n.Add(1) == 1 {
			close(started)
			<-release
			return web.Credential{APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("old")}, nil
		}
		return web.Credential{APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("new")}, nil
	}}
	c := New(st, Config{})
	ctx := context.Background()
	done := make(chan struct{})
	go func() { defer close(done); c.Credential(ctx, "pk_a") }()
	<-started
	c.Forget("le_a")
	close(release)
	<-done
	if got, _ := c.Credential(ctx, "pk_a"); string(got.Secret) != "new" {
		t.Errorf("secret = %q, want new (the pre-Forget read is not kept)", got.Secret)
	}
}

func TestCacheReloadBounded(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(time.Unix(1e9, 0))
	creds := map[string]web.Credential{"pk_a": {APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("old")}}
	st := &fakeStore{credential: table(creds)}
	c := New(st, Config{MinReload: time.Second, Clock: clk.Now})
	ctx := context.Background()
	c.Credential(ctx, "pk_a")
	for range 10 {
		c.Reload(ctx, "pk_a")
	}
	if n := st.calls.Load(); n != 1 {
		t.Errorf("store calls within MinReload = %d, want 1", n)
	}
	creds["pk_a"] = web.Credential{APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("new")}
	clk.Advance(time.Second)
	if got, _ := c.Reload(ctx, "pk_a"); string(got.Secret) != "new" {
		t.Errorf("Reload after MinReload: secret = %q, want new", got.Secret)
	}
	if got, _ := c.Credential(ctx, "pk_a"); string(got.Secret) != "new" {
		t.Errorf("Credential after Reload: secret = %q, want new", got.Secret)
	}
}

func TestCacheErrorsNotCached(t *testing.T) {
	t.Parallel()
	down := true
	st := &fakeStore{credential: func(context.Context, string) (web.Credential, error) {
		if down {
			return web.Credential{}, errors.New("database is down")
		}
		return web.Credential{APIKey: "pk_a", RetailerID: "le_a", Secret: []byte("s")}, nil
	}}
	c := New(st, Config{})
	ctx := context.Background()
	if _, err := c.Credential(ctx, "pk_a"); err == nil || web.ErrorCode(err) == web.ENotFound {
		t.Fatalf("err = %v, want the store's error", err)
	}
	down = false
	if _, err := c.Credential(ctx, "pk_a"); err != nil {
		t.Errorf("after the outage: err = %v, want nil", err)
	}
}

// One caller's cancellation does not fail the others waiting on the same
// store read, and a caller after Forget never joins a read from before it.
func TestSharedReadSurvivesACancelledCaller(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	st := &fakeStore{credential: func(ctx context.Context, k string) (web.Credential, error) {
		entered <- struct{}{}
		select {
		case <-release:
			return web.Credential{APIKey: k, RetailerID: "le_a", Secret: []byte("s1")}, nil
		case <-ctx.Done():
			return web.Credential{}, ctx.Err()
		}
	}}
	c := New(st, Config{})
	first, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, err := c.Credential(first, "pk_a"); errs <- err }()
	<-entered
	go func() { _, err := c.Credential(context.Background(), "pk_a"); errs <- err }()
	cancel()
	close(release)
	var failed int
	for range 2 {
		if err := <-errs; err != nil {
			failed++
			if !errors.Is(err, context.Canceled) {
				t.Errorf("unexpected error %v", err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d callers failed because the first one's context was cancelled; want none", failed)
	}
}
