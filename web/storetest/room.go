package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

// lRoom is a version 2 room: an L of 500 × 400 cm with a door and a window.
func lRoom() web.Room {
	return web.Room{Width: 500, Depth: 400,
		Polygon:       []web.Point{{X: 0, Y: 0}, {X: 500, Y: 0}, {X: 500, Y: 250}, {X: 250.5, Y: 250}, {X: 250.5, Y: 400}, {X: 0, Y: 400}},
		WallThickness: 12.5,
		Openings: []web.Opening{
			{ID: "d1", Kind: web.OpeningDoor, Wall: 0, Offset: 40, Width: 90, Hinge: "start", Swing: "in"},
			{ID: "w1", Kind: web.OpeningWindow, Wall: 1, Offset: 60.25, Width: 120, Sill: 90, Height: 110},
			{ID: "o1", Kind: web.OpeningPlain, Wall: 5, Offset: 10, Width: 80},
		}}
}

// testProjectRoomV2 checks that a version 2 room (polygon, wall thickness,
// openings) is stored exactly, that lists carry its bounding box, and that a
// version 1 project saved with a version 2 room is upgraded and stays so.
func testProjectRoomV2(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	p := newProject(r.ID, "alice", "L-shaped")
	p.Room = lRoom()
	stored, _, err := s.CreateProject(ctx, p, "", "")
	mustNot(t, err, "CreateProject v2")
	if diff := cmp.Diff(p, stored); diff != "" {
		t.Errorf("CreateProject v2 result (-want +got):\n%s", diff)
	}
	got, err := s.Project(ctx, r.ID, "alice", p.ID)
	mustNot(t, err, "Project v2")
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("Project v2 (-want +got):\n%s", diff)
	}

	// A version 1 project reads back as version 1 (no polygon) ...
	old := newProject(r.ID, "alice", "Old rectangle")
	old.UpdatedAt = t0.Add(time.Minute)
	_, _, err = s.CreateProject(ctx, old, "", "")
	mustNot(t, err, "CreateProject v1")
	gotOld, err := s.Project(ctx, r.ID, "alice", old.ID)
	mustNot(t, err, "Project v1")
	if gotOld.Room.IsV2() || gotOld.Room.Openings != nil {
		t.Errorf("v1 room reads back as %+v, want a plain rectangle", gotOld.Room)
	}
	if diff := cmp.Diff(old, gotOld); diff != "" {
		t.Errorf("Project v1 (-want +got):\n%s", diff)
	}
	// ... and is upgraded by the next save with a version 2 room.
	doc := old.ProjectDoc
	doc.Room = old.Room.Rect()
	doc.Room.Openings = []web.Opening{{ID: "d", Kind: web.OpeningDoubleDoor, Wall: 2, Offset: 100, Width: 160, Swing: "out"}}
	later := t0.Add(time.Hour)
	upgraded, err := s.UpdateProject(ctx, r.ID, "alice", old.ID, 1, doc, later)
	mustNot(t, err, "UpdateProject v1 → v2")
	want := old
	want.ProjectDoc, want.Version, want.UpdatedAt = doc, 2, later
	if diff := cmp.Diff(want, upgraded); diff != "" {
		t.Errorf("UpdateProject v1 → v2 (-want +got):\n%s", diff)
	}
	again, err := s.Project(ctx, r.ID, "alice", old.ID)
	mustNot(t, err, "Project after upgrade")
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("Project after upgrade (-want +got):\n%s", diff)
	}

	// Lists show the bounding box and no shape.
	list, err := s.Projects(ctx, r.ID, "alice")
	mustNot(t, err, "Projects")
	wantList := []web.ProjectSummary{summary(want), summary(p)}
	for i := range wantList {
		wantList[i].Room = web.Room{Width: wantList[i].Room.Width, Depth: wantList[i].Room.Depth}
	}
	if diff := cmp.Diff(wantList, list); diff != "" {
		t.Errorf("Projects with v2 rooms (-want +got):\n%s", diff)
	}
}
