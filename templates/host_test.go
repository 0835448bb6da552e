package templates

import (
	"context"
	"strings"
	"testing"
)

// The plan page writes the planner iframe the SDK would create
// (static/embed/options.js), so createPlanner({iframe}) accepts it; with no
// usable planner URL it writes none rather than a frame of the host itself.
func TestPlanPageFrame(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  PlanPageConfig
		want string // the iframe's src attribute as written, "" for no iframe
	}{
		{
			name: "demo", cfg: PlanPageConfig{PlannerURL: "http://localhost:8090", Distribution: "d_abc123", Locale: "en"},
			want: `src="http://localhost:8090/planner?d=d_abc123&amp;locale=en"`,
		},
		{
			name: "path and query of plannerUrl ignored, as by the SDK",
			cfg:  PlanPageConfig{PlannerURL: "https://planner.example/x/?y=1", Distribution: "d_1"},
			want: `src="https://planner.example/planner?d=d_1"`,
		},
		{
			name: "distribution escaped", cfg: PlanPageConfig{PlannerURL: "https://planner.example", Distribution: `d_"&<`, Locale: "fr-FR"},
			want: `src="https://planner.example/planner?d=d_%22%26%3C&amp;locale=fr-FR"`,
		},
		{name: "no planner URL", cfg: PlanPageConfig{Distribution: "d_1"}},
		{name: "relative planner URL", cfg: PlanPageConfig{PlannerURL: "/planner", Distribution: "d_1"}},
		{name: "javascript URL", cfg: PlanPageConfig{PlannerURL: "javascript:alert(1)", Distribution: "d_1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			if err := PlanPage(PlanPageProps{Config: tt.cfg}).Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			frames := strings.Count(html, "<iframe")
			if tt.want == "" {
				if frames != 0 {
					t.Errorf("%d iframes written, want none", frames)
				}
				return
			}
			if frames != 1 {
				t.Fatalf("%d iframes written, want 1", frames)
			}
			frame := html[strings.Index(html, "<iframe"):]
			frame = frame[:strings.Index(frame, ">")+1]
			for _, attr := range []string{tt.want, `referrerpolicy="origin"`, `title="Room planner"`, `data-testid="planner-iframe"`} {
				if !strings.Contains(frame, attr) {
					t.Errorf("iframe %s lacks %s", frame, attr)
				}
			}
		})
	}
}
