package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDemoOneShopName: the retailer the demo seeds has the name the demo
// host site shows, so the planner and the page around it agree.
func TestDemoOneShopName(t *testing.T) {
	t.Parallel()
	const name = "Nordlys Home"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--planner-addr", "localhost:0", "--host-addr", "127.0.0.1:0", "--data", t.TempDir()},
			func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	out := bufio.NewReader(pr)
	var printed string
	for !strings.Contains(printed, "Ctrl+C") {
		l, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("demo printed %q: %v", printed, err)
		}
		printed += l
	}
	go io.Copy(io.Discard, out)
	host := regexp.MustCompile(`Open the host site:\s+(\S+)`).FindStringSubmatch(printed)
	if host == nil {
		t.Fatalf("demo printed %q", printed)
	}
	get := func(url string) string {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", url, res.StatusCode)
		}
		return string(b)
	}
	page := get(host[1])
	if !strings.Contains(page, name) {
		t.Errorf("the host page does not show %q", name)
	}
	cfg := regexp.MustCompile(`"plannerUrl":"([^"]+)","distribution":"([^"]+)"`).FindStringSubmatch(page)
	if cfg == nil {
		t.Fatalf("no planner URL and distribution in the host page:\n%s", page)
	}
	if planner := get(cfg[1] + "/planner?d=" + cfg[2]); !strings.Contains(planner, `"retailerName":"`+name+`"`) {
		t.Errorf("the planner page does not name the retailer %q", name)
	}
}
