package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/roomplanner/planner/web/live/livetest"
	"github.com/roomplanner/planner/web/postgres/pgtest"
)

// The multi-instance test runs real "planner serve" processes, so that a
// SIGKILL is a real crash and nothing is shared but the database.

// refreshEvery is the instances' --refresh-interval; settleWithin is how
// long a rotation may take to be seen: one interval plus Refresh's queries
// and the polling requests on a loaded two-core machine.
const (
	refreshEvery = 200 * time.Millisecond
	settleWithin = refreshEvery + 3*time.Second
)

// buildPlanner builds this package's binary into a temporary directory.
func buildPlanner(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "planner")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lockedBuffer collects a process's stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// instance is one running "planner serve" process.
type instance struct {
	name string
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{} // closed when the process has exited
}

// startInstance runs "planner serve" on a free loopback port and waits
// until it listens; cleanup stops it with SIGTERM (or kills it).
func startInstance(t *testing.T, name, bin string, env []string, db string) *instance {
	t.Helper()
	in := &instance{name: name, logs: &lockedBuffer{}, done: make(chan struct{})}
	in.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db,
		"--public-url", "http://localhost:8090", "--refresh-interval", refreshEvery.String())
	in.cmd.Env = env
	in.cmd.Stderr = in.logs
	stdout, err := in.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		io.Copy(io.Discard, r)
	}()
	go func() { in.cmd.Wait(); close(in.done) }()
	t.Cleanup(func() {
		in.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(15 * time.Second):
			t.Errorf("%s did not stop on SIGTERM", name)
			in.cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, in.logs)
		}
	})
	select {
	case line := <-lines:
		m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s printed %q; stderr:\n%s", name, line, in.logs)
		}
		in.base = m[1]
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start; stderr:\n%s", name, in.logs)
	}
	return in
}

// runBinary runs an admin command of the built binary and returns its stdout.
func runBinary(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("planner %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) code() string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal(a.body, &e)
	return e.Error.Code
}

var client = &http.Client{Timeout: 10 * time.Second}

// send makes one API call; an error means no answer came.
func send(method, url, tok, body string, header map[string]string) (answer, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return answer{}, err
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: b}, err
}

func mustSend(t *testing.T, method, url, tok, body string, header map[string]string) answer {
	t.Helper()
	a, err := send(method, url, tok, body, header)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return a
}

// savedProject is the part of a project answer the test follows.
type savedProject struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Name    string `json:"name"`
}

func decodeProject(t *testing.T, a answer) savedProject {
	t.Helper()
	var p savedProject
	if err := json.Unmarshal(a.body, &p); err != nil || p.ID == "" {
		t.Fatalf("project answer %d %s: %v", a.status, a.body, err)
	}
	return p
}

func projectDoc(name string) string {
	return `{"name":"` + name + `","room":{"width":400,"depth":300},"items":[]}`
}

// mintUser mints a user token for alice with write access through base.
func mintUser(t *testing.T, base, key, secret string) string {
	t.Helper()
	res, err := client.PostForm(base+"/v1/tokens", url.Values{"api_key": {key}, "api_secret": {secret},
		"kind": {"user"}, "user_id": {"alice"}, "access": {"write"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("mint at %s: status %d, %v", base, res.StatusCode, err)
	}
	return out.Token
}

// kidOf returns the kid header of a JWT.
func kidOf(t *testing.T, tok string) string {
	t.Helper()
	head, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	var h struct{ Kid string }
	if err != nil || json.Unmarshal(b, &h) != nil {
		t.Fatalf("token header %q: %v", head, err)
	}
	return h.Kid
}

// within polls cond until it holds or d has passed, and returns how long it took.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// forwarder is a loopback TCP forwarder to the database that the test can
// cut (close every connection and refuse new ones) and restore: a database
// outage as the planner sees it, without stopping the shared server.
type forwarder struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func startForwarder(t *testing.T, target string) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); f.Cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.pipe(c)
		}
	}()
	return f
}

func (f *forwarder) pipe(c net.Conn) {
	f.mu.Lock()
	if f.cut {
		f.mu.Unlock()
		c.Close()
		return
	}
	f.mu.Unlock()
	up, err := net.Dial("tcp", f.target)
	if err != nil {
		c.Close()
		return
	}
	f.mu.Lock()
	if f.cut { // cut while dialling
		f.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	f.conns[c], f.conns[up] = true, true
	f.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

// Cut closes every forwarded connection and refuses new ones.
func (f *forwarder) Cut() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cut = true
	for c := range f.conns {
		c.Close()
		delete(f.conns, c)
	}
}

// Restore forwards new connections again.
func (f *forwarder) Restore() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cut = false
}

// TestTwoInstancesOneDatabase runs two "planner serve" processes, A and B,
// on one PostgreSQL database, as behind a load balancer: whatever one does
// the other sees, at once for data and within --refresh-interval for
// rotations made elsewhere; killing A mid-save loses no acknowledged save;
// and B answers 503 unavailable while its database is unreachable, then
// recovers without a restart.
func TestTwoInstancesOneDatabase(t *testing.T) {
	db := pgtest.NewDatabase(t)
	bin := buildPlanner(t)
	env := []string{"PLANNER_MASTER_KEY=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)), "PLANNER_DB=" + db}
	runBinary(t, bin, env, "migrate")
	var e struct{ ID, APIKey, APISecret, DistributionID string }
	if err := json.Unmarshal([]byte(runBinary(t, bin, env, "entity", "create", "--name", "Shop", "--origin", "https://shop.example", "--plan", "premium")), &e); err != nil || e.APISecret == "" {
		t.Fatalf("entity create: %+v, %v", e, err)
	}
	// B reaches the database through a forwarder the test can cut.
	u, _ := url.Parse(db)
	fwd := startForwarder(t, u.Host)
	u.Host = fwd.ln.Addr().String()
	a := startInstance(t, "A", bin, env, db)
	b := startInstance(t, "B", bin, env, u.String())

	me := func(in *instance, tok string) int {
		t.Helper()
		return mustSend(t, "GET", in.base+"/v1/me", tok, "", nil).status
	}
	tok := mintUser(t, a.base, e.APIKey, e.APISecret)
	if got := me(b, tok); got != http.StatusOK {
		t.Fatalf("B's /v1/me with A's token = %d, want 200", got)
	}

	// A project saved through A is B's at once, at the version A returned.
	res := mustSend(t, "POST", a.base+"/v1/projects", tok, projectDoc("Living room"), nil)
	if res.status != http.StatusCreated {
		t.Fatalf("POST through A = %d %s", res.status, res.body)
	}
	p := decodeProject(t, res)
	// A socket on B hears of a save made through A (LISTEN/NOTIFY). The
	// instances' public URL is localhost:8090, the origin sockets must come from.
	ws, _, err := livetest.TryDial(t, b.base, e.DistributionID, "http://localhost:8090")
	if err != nil {
		t.Fatalf("socket on B: %v", err)
	}
	if m := ws.Authenticate(tok); m.Type != "authenticated" {
		t.Fatalf("authenticate on B: %+v", m)
	}
	ws.Subscribe("projects")
	res = mustSend(t, "PUT", a.base+"/v1/projects/"+p.ID, tok, projectDoc("Living room 2"), map[string]string{"If-Match": strconv.Quote(strconv.FormatInt(p.Version, 10))})
	p = decodeProject(t, res)
	ws.ExpectEvent("project.updated", p.ID, p.Version)
	res = mustSend(t, "GET", b.base+"/v1/projects/"+p.ID, tok, "", nil)
	if got := decodeProject(t, res); res.status != http.StatusOK || got != p || res.header.Get("ETag") != strconv.Quote(strconv.FormatInt(p.Version, 10)) {
		t.Errorf("B reads %d %+v ETag %s, want %+v as A saved it", res.status, got, res.header.Get("ETag"), p)
	}

	// An Idempotency-Key replayed to the other instance returns A's project.
	key := map[string]string{"Idempotency-Key": "k-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	first := decodeProject(t, mustSend(t, "POST", a.base+"/v1/projects", tok, projectDoc("Kitchen"), key))
	res = mustSend(t, "POST", b.base+"/v1/projects", tok, projectDoc("Kitchen"), key)
	if got := decodeProject(t, res); res.status/100 != 2 || got.ID != first.ID {
		t.Errorf("replay to B = %d %+v, want A's project %s", res.status, got, first.ID)
	}
	var list struct{ Projects []savedProject }
	json.Unmarshal(mustSend(t, "GET", b.base+"/v1/projects", tok, "", nil).body, &list)
	if len(list.Projects) != 2 {
		t.Errorf("after the replay alice has %d projects, want 2 (no second Kitchen)", len(list.Projects))
	}

	// A signing-key rotation by a third process reaches both within the bound.
	oldKid := kidOf(t, tok)
	var rotated struct{ Kid string }
	json.Unmarshal([]byte(runBinary(t, bin, env, "signing-key", "rotate")), &rotated)
	if rotated.Kid == "" || rotated.Kid == oldKid {
		t.Fatalf("signing-key rotate gave kid %q (old %q)", rotated.Kid, oldKid)
	}
	took := within(t, settleWithin, "A's and B's new tokens carry the new kid and verify on the other", func() bool {
		ta, tb := mintUser(t, a.base, e.APIKey, e.APISecret), mintUser(t, b.base, e.APIKey, e.APISecret)
		return kidOf(t, ta) == rotated.Kid && kidOf(t, tb) == rotated.Kid && me(b, ta) == http.StatusOK && me(a, tb) == http.StatusOK
	})
	t.Logf("signing-key rotation took effect on both instances in %s", took.Round(time.Millisecond))
	if got := me(b, tok); got != http.StatusOK {
		t.Errorf("B refuses a token of the retired key = %d, want 200 until it expires", got)
	}

	// An API secret rotation stops partner-signed tokens of the old secret.
	partner := func(secret string) string {
		now := time.Now()
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"clientId": e.APIKey, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"kind": "user", "uid": "alice", "scope": "read write",
		}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	old := partner(e.APISecret)
	if got := me(b, old); got != http.StatusOK {
		t.Fatalf("B's /v1/me with a partner-signed token = %d, want 200", got)
	}
	var newCreds struct{ APISecret string }
	json.Unmarshal([]byte(runBinary(t, bin, env, "key", "rotate", e.ID)), &newCreds)
	took = within(t, settleWithin, "B refuses the old secret's partner token", func() bool {
		return me(b, old) == http.StatusUnauthorized
	})
	t.Logf("API secret rotation took effect on B in %s", took.Round(time.Millisecond))
	if got := me(b, partner(newCreds.APISecret)); got != http.StatusOK {
		t.Errorf("B's /v1/me with the new secret's partner token = %d, want 200", got)
	}
	e.APISecret = newCreds.APISecret

	t.Run("A killed mid-save", func(t *testing.T) { killMidSave(t, a, b, tok) })
	t.Run("database unreachable", func(t *testing.T) { databaseDown(t, b, fwd, tok, p) })
}

// killMidSave streams saves through A, kills A with SIGKILL meanwhile, and
// checks that B has every save A acknowledged.
func killMidSave(t *testing.T, a, b *instance, tok string) {
	type ack struct {
		version int64
		name    string
	}
	acked := map[string]ack{} // project id → its last acknowledged save
	enough := make(chan struct{})
	stopped := make(chan error, 1)
	go func() {
		var cur savedProject
		for i := 0; ; i++ {
			name := fmt.Sprintf("save %d", i)
			var res answer
			var err error
			if cur.ID == "" || i%5 == 0 {
				res, err = send("POST", a.base+"/v1/projects", tok, projectDoc(name), map[string]string{"Idempotency-Key": fmt.Sprintf("kill-%d", i)})
			} else {
				res, err = send("PUT", a.base+"/v1/projects/"+cur.ID, tok, projectDoc(name), map[string]string{"If-Match": strconv.Quote(strconv.FormatInt(cur.Version, 10))})
			}
			if err != nil {
				stopped <- err // A is gone
				return
			}
			if res.status/100 != 2 {
				stopped <- fmt.Errorf("save %d answered %d %s", i, res.status, res.body)
				return
			}
			if err := json.Unmarshal(res.body, &cur); err != nil {
				stopped <- err
				return
			}
			acked[cur.ID] = ack{cur.Version, name}
			if i == 20 {
				close(enough)
			}
		}
	}()
	select {
	case <-enough:
	case err := <-stopped:
		t.Fatalf("the save stream stopped before A was killed: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the save stream is too slow")
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	var netErr net.Error
	if err := <-stopped; !errors.As(err, &netErr) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("the save stream stopped with %v, want A's connection gone", err)
	}
	for id, want := range acked {
		res := mustSend(t, "GET", b.base+"/v1/projects/"+id, tok, "", nil)
		if res.status != http.StatusOK {
			t.Errorf("B reads acknowledged project %s: %d %s", id, res.status, res.body)
			continue
		}
		got := decodeProject(t, res)
		// A save committed just before the kill may have lost its answer:
		// then B holds one version more than was acknowledged, never fewer.
		if got.Version < want.version || got.Version > want.version+1 || (got.Version == want.version && got.Name != want.name) {
			t.Errorf("B has project %s at version %d %q, want the acknowledged version %d %q", id, got.Version, got.Name, want.version, want.name)
		}
	}
	t.Logf("%d projects acknowledged before the kill, all on B", len(acked))
}

// databaseDown cuts B's database connections: B answers 503 unavailable
// with Retry-After (never a 500 or a logged internal error), and once the
// database is back it serves again without a restart.
func databaseDown(t *testing.T, b *instance, fwd *forwarder, tok string, p savedProject) {
	fwd.Cut()
	logsBefore := len(b.logs.String())
	for _, call := range []struct{ method, path, body string }{
		{"GET", "/v1/projects/" + p.ID, ""},
		{"GET", "/v1/projects", ""},
		{"PUT", "/v1/projects/" + p.ID, projectDoc("while down")},
		{"POST", "/v1/projects", projectDoc("while down")},
	} {
		res := mustSend(t, call.method, b.base+call.path, tok, call.body, map[string]string{"If-Match": strconv.Quote(strconv.FormatInt(p.Version, 10))})
		if res.status != http.StatusServiceUnavailable || res.code() != "unavailable" || res.header.Get("Retry-After") == "" {
			t.Errorf("%s %s with the database down = %d %s Retry-After %q, want 503 unavailable with Retry-After",
				call.method, call.path, res.status, res.body, res.header.Get("Retry-After"))
		}
	}
	if got := mustSend(t, "GET", b.base+"/readyz", "", "", nil).status; got != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down = %d, want 503", got)
	}
	// The access log line of a 5xx is an error; the failure itself is one
	// warning, never the internal "request failed".
	if logs := b.logs.String()[logsBefore:]; strings.Contains(logs, `msg="request failed"`) || !strings.Contains(logs, `msg="database unavailable"`) {
		t.Errorf("B logged during the outage:\n%s\nwant database unavailable warnings, no internal error", logs)
	}

	fwd.Restore()
	took := within(t, 10*time.Second, "B serves again once the database is back", func() bool {
		res, err := send("GET", b.base+"/v1/projects/"+p.ID, tok, "", nil)
		return err == nil && res.status == http.StatusOK
	})
	t.Logf("B recovered %s after the database came back", took.Round(time.Millisecond))
	res := mustSend(t, "PUT", b.base+"/v1/projects/"+p.ID, tok, projectDoc("after the outage"), map[string]string{"If-Match": strconv.Quote(strconv.FormatInt(p.Version, 10))})
	if res.status != http.StatusOK {
		t.Errorf("PUT after the outage = %d %s, want 200", res.status, res.body)
	}
}
