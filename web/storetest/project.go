package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

// newProject returns a project ready for CreateProject, as the API builds it.
func newProject(retailerID, uid, name string) web.Project {
	return web.Project{
		ProjectDoc: web.ProjectDoc{
			Name: name,
			Room: web.Room{Width: 400, Depth: 300},
			Items: []web.Item{
				{ID: "i1", ProductID: "sofa-oslo-3", X: 120, Y: 80.5, Rotation: 90},
				{ID: "i2", ProductID: "table-lund", X: -10.25, Y: 200, Rotation: 0},
			},
		},
		ID: web.NewID("prj_"), RetailerID: retailerID, OwnerUID: uid,
		Version: 1, CreatedAt: t0, UpdatedAt: t0,
	}
}

func summary(p web.Project) web.ProjectSummary {
	return web.ProjectSummary{ID: p.ID, Name: p.Name, Room: p.Room, ItemCount: len(p.Items), Version: p.Version, UpdatedAt: p.UpdatedAt}
}

// wantConflict checks a stale-version error: code, message and currentVersion.
func wantConflict(t *testing.T, err error, ifVersion, current int64) {
	t.Helper()
	e := wantCode(t, err, web.EConflict)
	wantMsg := fmt.Sprintf("project changed since version %d; current version is %d", ifVersion, current)
	if e.Message != wantMsg {
		t.Errorf("conflict message = %q, want %q", e.Message, wantMsg)
	}
	if got := fmt.Sprint(e.Extra["currentVersion"]); got != fmt.Sprint(current) {
		t.Errorf("conflict currentVersion = %v, want %d", e.Extra["currentVersion"], current)
	}
}

func testProjectOwnerIsolation(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	p := newProject(r.ID, "alice", "Alice's room")
	stored, _, err := s.CreateProject(ctx, p, "", "")
	mustNot(t, err, "CreateProject")

	_, err = s.Project(ctx, r.ID, "bob", p.ID)
	wantCode(t, err, web.ENotFound)
	_, err = s.UpdateProject(ctx, r.ID, "bob", p.ID, 1, web.ProjectDoc{Name: "Bob was here", Room: p.Room, Items: []web.Item{}}, t0.Add(time.Hour))
	wantCode(t, err, web.ENotFound)
	wantCode(t, s.DeleteProject(ctx, r.ID, "bob", p.ID, 1), web.ENotFound)
	if list, err := s.Projects(ctx, r.ID, "bob"); err != nil || len(list) != 0 {
		t.Errorf("Projects(bob) = %v, %v; want none", list, err)
	}
	// Case matters: user ids are the host's, compared exactly.
	_, err = s.Project(ctx, r.ID, "Alice", p.ID)
	wantCode(t, err, web.ENotFound)

	got, err := s.Project(ctx, r.ID, "alice", p.ID)
	mustNot(t, err, "Project(alice)")
	if diff := cmp.Diff(stored, got); diff != "" {
		t.Errorf("Alice's project after Bob's attempts (-want +got):\n%s", diff)
	}
}

func testProjectLifecycle(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	if list, err := s.Projects(ctx, r.ID, "alice"); err != nil || len(list) != 0 {
		t.Fatalf("Projects on an empty store = %v, %v; want none", list, err)
	}
	p := newProject(r.ID, "alice", "Living room")
	stored, created, err := s.CreateProject(ctx, p, "", "")
	mustNot(t, err, "CreateProject")
	if !created {
		t.Error("CreateProject created = false, want true")
	}
	if diff := cmp.Diff(p, stored); diff != "" {
		t.Errorf("CreateProject result (-want +got):\n%s", diff)
	}
	got, err := s.Project(ctx, r.ID, "alice", p.ID)
	mustNot(t, err, "Project")
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("Project (-want +got):\n%s", diff)
	}

	// A project without items reads back with an empty, non-nil list.
	empty := newProject(r.ID, "alice", "Empty")
	empty.Items, empty.CreatedAt, empty.UpdatedAt = nil, t0.Add(time.Minute), t0.Add(time.Minute)
	_, _, err = s.CreateProject(ctx, empty, "", "")
	mustNot(t, err, "CreateProject empty")
	gotEmpty, err := s.Project(ctx, r.ID, "alice", empty.ID)
	mustNot(t, err, "Project empty")
	if gotEmpty.Items == nil || len(gotEmpty.Items) != 0 {
		t.Errorf("Items of an empty project = %#v, want []", gotEmpty.Items)
	}
	empty.Items = []web.Item{}

	list, err := s.Projects(ctx, r.ID, "alice")
	mustNot(t, err, "Projects")
	if diff := cmp.Diff([]web.ProjectSummary{summary(empty), summary(p)}, list); diff != "" {
		t.Errorf("Projects, newest first (-want +got):\n%s", diff)
	}

	// Update with the current version.
	doc := web.ProjectDoc{Name: "Living room, v2", Room: web.Room{Width: 500, Depth: 350},
		Items: []web.Item{{ID: "i9", ProductID: "table-moss", X: 1, Y: 2, Rotation: 270}}}
	later := t0.Add(2 * time.Hour)
	updated, err := s.UpdateProject(ctx, r.ID, "alice", p.ID, 1, doc, later)
	mustNot(t, err, "UpdateProject")
	want := p
	want.ProjectDoc, want.Version, want.UpdatedAt = doc, 2, later
	if diff := cmp.Diff(want, updated); diff != "" {
		t.Errorf("UpdateProject result (-want +got):\n%s", diff)
	}
	if got, _ := s.Project(ctx, r.ID, "alice", p.ID); !cmp.Equal(want, got) {
		t.Errorf("Project after update = %+v, want %+v", got, want)
	}
	list, err = s.Projects(ctx, r.ID, "alice")
	mustNot(t, err, "Projects")
	if diff := cmp.Diff([]web.ProjectSummary{summary(want), summary(empty)}, list); diff != "" {
		t.Errorf("Projects after update, newest first (-want +got):\n%s", diff)
	}

	// Stale versions conflict and change nothing.
	_, err = s.UpdateProject(ctx, r.ID, "alice", p.ID, 1, p.ProjectDoc, later.Add(time.Hour))
	wantConflict(t, err, 1, 2)
	_, err = s.UpdateProject(ctx, r.ID, "alice", p.ID, 3, p.ProjectDoc, later.Add(time.Hour))
	wantConflict(t, err, 3, 2)
	wantConflict(t, s.DeleteProject(ctx, r.ID, "alice", p.ID, 1), 1, 2)
	if got, _ := s.Project(ctx, r.ID, "alice", p.ID); !cmp.Equal(want, got) {
		t.Errorf("Project after refused changes = %+v, want %+v", got, want)
	}

	// Delete with the current version.
	mustNot(t, s.DeleteProject(ctx, r.ID, "alice", p.ID, 2), "DeleteProject")
	_, err = s.Project(ctx, r.ID, "alice", p.ID)
	if e := wantCode(t, err, web.ENotFound); !strings.Contains(e.Message, p.ID) {
		t.Errorf("not_found message %q does not name the project %q", e.Message, p.ID)
	}
	wantCode(t, s.DeleteProject(ctx, r.ID, "alice", p.ID, 2), web.ENotFound)
	_, err = s.UpdateProject(ctx, r.ID, "alice", p.ID, 2, doc, later)
	wantCode(t, err, web.ENotFound)
	list, err = s.Projects(ctx, r.ID, "alice")
	mustNot(t, err, "Projects")
	if diff := cmp.Diff([]web.ProjectSummary{summary(empty)}, list); diff != "" {
		t.Errorf("Projects after delete (-want +got):\n%s", diff)
	}
}

func testProjectConcurrentUpdates(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	p := newProject(r.ID, "alice", "Contended")
	_, _, err := s.CreateProject(ctx, p, "", "")
	mustNot(t, err, "CreateProject")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			doc := p.ProjectDoc
			doc.Name = fmt.Sprintf("writer %d", i)
			_, errs[i] = s.UpdateProject(ctx, r.ID, "alice", p.ID, 1, doc, t0.Add(time.Duration(i+1)*time.Second))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both updated version 1", winner, i)
		case err == nil:
			winner = i
		case web.ErrorCode(err) != web.EConflict:
			t.Errorf("writer %d: %v, want success or conflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer succeeded")
	}
	got, err := s.Project(ctx, r.ID, "alice", p.ID)
	mustNot(t, err, "Project")
	if got.Version != 2 || got.Name != fmt.Sprintf("writer %d", winner) {
		t.Errorf("project = version %d %q, want version 2 by writer %d", got.Version, got.Name, winner)
	}
}

func testIdempotency(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	count := func(uid string) int {
		t.Helper()
		list, err := s.Projects(ctx, r.ID, uid)
		mustNot(t, err, "Projects")
		return len(list)
	}
	first := newProject(r.ID, "alice", "Kitchen")
	stored, created, err := s.CreateProject(ctx, first, "key-1", "hash-a")
	mustNot(t, err, "CreateProject")
	if !created || stored.ID != first.ID {
		t.Fatalf("first call: id %q created %v, want %q created", stored.ID, created, first.ID)
	}

	// The same request again (a retry: the caller made a new id) answers the
	// first project, as stored, even after it changed.
	mustNot(t, func() error {
		_, err := s.UpdateProject(ctx, r.ID, "alice", first.ID, 1, first.ProjectDoc, t0.Add(time.Minute))
		return err
	}(), "UpdateProject")
	current, err := s.Project(ctx, r.ID, "alice", first.ID)
	mustNot(t, err, "Project")
	retry := newProject(r.ID, "alice", "Kitchen")
	got, created, err := s.CreateProject(ctx, retry, "key-1", "hash-a")
	mustNot(t, err, "CreateProject retry")
	if created {
		t.Error("retry: created = true, want false")
	}
	if diff := cmp.Diff(current, got); diff != "" {
		t.Errorf("retry result (-want +got):\n%s", diff)
	}
	if n := count("alice"); n != 1 {
		t.Errorf("alice has %d projects after a retry, want 1", n)
	}

	// The same key with another request is refused.
	_, _, err = s.CreateProject(ctx, newProject(r.ID, "alice", "Other"), "key-1", "hash-b")
	e := wantCode(t, err, web.EValidation)
	if want := `Idempotency-Key "key-1" was already used for a different request`; e.Message != want {
		t.Errorf("message = %q, want %q", e.Message, want)
	}
	if n := count("alice"); n != 1 {
		t.Errorf("alice has %d projects after a refused reuse, want 1", n)
	}

	// Keys belong to one user: Bob's key-1 is his own.
	bobs := newProject(r.ID, "bob", "Bob's")
	got, created, err = s.CreateProject(ctx, bobs, "key-1", "hash-b")
	mustNot(t, err, "CreateProject bob")
	if !created || got.ID != bobs.ID {
		t.Errorf("Bob with Alice's key: id %q created %v, want a new project", got.ID, created)
	}

	// Without a key every call creates.
	for range 2 {
		if _, created, err := s.CreateProject(ctx, newProject(r.ID, "carol", "Same"), "", ""); err != nil || !created {
			t.Fatalf("CreateProject without key: created %v, %v", created, err)
		}
	}
	if n := count("carol"); n != 2 {
		t.Errorf("carol has %d projects, want 2", n)
	}

	// Once the project is deleted, a replay is not_found, not a new project.
	mustNot(t, s.DeleteProject(ctx, r.ID, "alice", first.ID, 2), "DeleteProject")
	_, _, err = s.CreateProject(ctx, newProject(r.ID, "alice", "Kitchen"), "key-1", "hash-a")
	wantCode(t, err, web.ENotFound)
	if n := count("alice"); n != 0 {
		t.Errorf("alice has %d projects after replaying a deleted one, want 0", n)
	}

	// Purged keys are forgotten: records made before the time go, later ones stay.
	later := newProject(r.ID, "alice", "Later")
	later.CreatedAt, later.UpdatedAt = t0.Add(time.Hour), t0.Add(time.Hour)
	_, _, err = s.CreateProject(ctx, later, "key-2", "hash-c")
	mustNot(t, err, "CreateProject later")
	mustNot(t, s.PurgeIdempotency(ctx, t0.Add(time.Minute)), "PurgeIdempotency")
	again := newProject(r.ID, "alice", "Kitchen")
	got, created, err = s.CreateProject(ctx, again, "key-1", "hash-a")
	mustNot(t, err, "CreateProject after purge")
	if !created || got.ID != again.ID {
		t.Errorf("after purge: id %q created %v, want a new project", got.ID, created)
	}
	got, created, err = s.CreateProject(ctx, newProject(r.ID, "alice", "Later"), "key-2", "hash-c")
	mustNot(t, err, "CreateProject key-2 replay")
	if created || got.ID != later.ID {
		t.Errorf("replay of a key newer than the purge: id %q created %v, want %q replayed", got.ID, created, later.ID)
	}
}

func testIdempotencyConcurrent(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	const n = 16
	type result struct {
		p       web.Project
		created bool
		err     error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			p, created, err := s.CreateProject(ctx, newProject(r.ID, "alice", "Double click"), "same-key", "same-hash")
			results[i] = result{p, created, err}
		})
	}
	close(start)
	wg.Wait()
	createdID := ""
	for i, res := range results {
		if res.err != nil {
			t.Fatalf("call %d: %v", i, res.err)
		}
		if res.created {
			if createdID != "" {
				t.Fatalf("two calls created a project: %q and %q", createdID, res.p.ID)
			}
			createdID = res.p.ID
		}
	}
	if createdID == "" {
		t.Fatal("no call created the project")
	}
	for i, res := range results {
		if res.p.ID != createdID {
			t.Errorf("call %d answered project %q, want %q", i, res.p.ID, createdID)
		}
	}
	list, err := s.Projects(ctx, r.ID, "alice")
	mustNot(t, err, "Projects")
	if len(list) != 1 {
		t.Errorf("%d projects after %d concurrent calls with one key, want 1", len(list), n)
	}
}
