package api_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roomplanner/planner/web"
)

// from returns a client whose connections come from the loopback address ip
// (127.0.0.0/8 is all loopback on Linux), so one test can play several peers.
func (h *harness) from(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func (h *harness) mintFrom(client *http.Client, key, secret string) response {
	h.t.Helper()
	form := url.Values{"api_key": {key}, "api_secret": {secret}}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/tokens", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	return response{status: res.StatusCode, header: res.Header}
}

// The API key is not a secret: a flood of wrong-secret requests naming it,
// from many addresses, must not lock its genuine caller out of minting.
// Failures have their own budgets per key and per address; an address past
// its budget is refused before its guesses are checked.
func TestWrongSecretFloodDoesNotLockOutTheRetailer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	attackers := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}
	var unauthorized, limited int
	for _, ip := range attackers {
		c := h.from(ip)
		for range 30 { // 150 failures: past the success burst of 100 too
			switch res := h.mintFrom(c, h.a.key, "sk_guess"); res.status {
			case http.StatusUnauthorized:
				unauthorized++
			case http.StatusTooManyRequests:
				limited++
				if res.header.Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
			default:
				t.Fatalf("wrong secret: status %d", res.status)
			}
		}
	}
	if unauthorized > 20 || limited == 0 {
		t.Errorf("wrong-secret answers: %d × 401, %d × 429; want at most the failure burst (20) of 401s, the rest 429", unauthorized, limited)
	}
	for i := range 3 {
		if res := h.mintFrom(h.from("127.0.0.1"), h.a.key, h.a.secret); res.status != http.StatusOK {
			t.Fatalf("genuine mint %d after the flood: status %d, want 200", i, res.status)
		}
	}
	if res := h.mintFrom(h.from("127.0.0.7"), h.b.key, h.b.secret); res.status != http.StatusOK {
		t.Errorf("another retailer's mint: status %d, want 200", res.status)
	}
	// The flooding address itself is refused before its secret is checked:
	// even a right guess from it gets no token.
	if res := h.mintFrom(h.from(attackers[0]), h.a.key, h.a.secret); res.status != http.StatusTooManyRequests {
		t.Errorf("right secret from a flooding address: status %d, want 429", res.status)
	}
	// Unknown keys and missing secrets count against the address too.
	c := h.from("127.0.0.8")
	var last int
	for range 25 {
		last = h.mintFrom(c, web.NewID("pk_"), "x").status
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("25 unknown keys from one address: last status %d, want 429", last)
	}
}
