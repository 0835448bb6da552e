package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/postgres/pgtest"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// BenchmarkProjects measures project loads (GET) and saves (PUT with
// If-Match) through the HTTP API on loopback: one instance on SQLite, and
// one and two instances sharing one PostgreSQL database (clients alternate
// between the instances). PostgreSQL runs need PLANNER_TEST_POSTGRES_URL.
// Compare ns/op across the rows; run with -cpu 2 and a fixed -benchtime.
func BenchmarkProjects(b *testing.B) {
	for _, bc := range []struct {
		name      string
		postgres  bool
		instances int
	}{{"sqlite-1", false, 1}, {"postgres-1", true, 1}, {"postgres-2", true, 2}} {
		b.Run(bc.name, func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "planner.db")
			if bc.postgres {
				db = pgtest.NewDatabase(b)
			}
			getenv := func(k string) string {
				if k == "PLANNER_MASTER_KEY" {
					return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
				}
				return ""
			}
			var urls []string
			var first *service.Service
			for i := range bc.instances {
				svc, err := service.Open(context.Background(), service.Config{DB: db, Migrate: i == 0, PublicURL: "http://localhost", Getenv: getenv})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { svc.Close() })
				srv := httptest.NewServer(svc.Handler())
				b.Cleanup(srv.Close)
				urls = append(urls, srv.URL)
				if first == nil {
					first = svc
				}
			}
			ctx := context.Background()
			r := web.Retailer{ID: web.NewID("le_"), Name: "Bench", Plan: web.PlanFree, DistributionID: web.NewID("d_"), CreatedAt: time.Now()}
			if err := first.Store.CreateRetailer(ctx, r, web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
			tok, err := first.Issuer.Issue(token.IssueRequest{Kind: web.KindUser, RetailerID: r.ID, UID: "bench", Scopes: []string{web.ScopeRead, web.ScopeWrite}, TTL: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			do := func(method, url string, body []byte, hdr ...string) (int, []byte) {
				req, _ := http.NewRequest(method, url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok.Token)
				req.Header.Set("Content-Type", "application/json")
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				return res.StatusCode, out
			}
			doc := []byte(`{"name":"Room","room":{"width":400,"depth":300},"items":[]}`)
			// One project per parallel worker, so saves do not conflict.
			const projects = 16
			ids := make([]string, projects)
			versions := make([]atomic.Int64, projects)
			for i := range ids {
				st, out := do("POST", urls[0]+"/v1/projects", doc)
				if st != http.StatusCreated && st != http.StatusOK {
					b.Fatalf("create: %d %s", st, out)
				}
				var p struct {
					ID      string `json:"id"`
					Version int64  `json:"version"`
				}
				_ = json.Unmarshal(out, &p)
				ids[i] = p.ID
				versions[i].Store(p.Version)
			}
			var next atomic.Int64
			b.Run("load", func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					n := int(next.Add(1))
					for pb.Next() {
						n++
						if st, out := do("GET", urls[n%len(urls)]+"/v1/projects/"+ids[n%projects], nil); st != http.StatusOK {
							b.Fatalf("load: %d %s", st, out)
						}
					}
				})
			})
			b.Run("save", func(b *testing.B) {
				b.SetParallelism(4)
				var worker atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					w := int(worker.Add(1)-1) % projects
					n := w
					for pb.Next() {
						n++
						v := versions[w].Load()
						st, out := do("PUT", urls[n%len(urls)]+"/v1/projects/"+ids[w], doc, "If-Match", fmt.Sprintf(`"%d"`, v))
						if st != http.StatusOK {
							b.Fatalf("save: %d %s", st, out)
						}
						versions[w].Store(v + 1)
					}
				})
			})
		})
	}
}
