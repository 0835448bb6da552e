package web

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseTheme(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		wantField string // "" means accepted
		wantCSS   string
	}{
		{"empty object", `{}`, "", ""},
		{"full", `{"accent":"#2D6A4F","accentText":"#ffffff","text":"#111111","surface":"#fafafa","radius":2,"font":"classic"}`, "",
			`:root{--accent:#2d6a4f;--accent-text:#ffffff;--text:#111111;--surface:#fafafa;--accent-hover:#2d6a4f;--radius:2px;--font:` + ThemeFonts["classic"] + `;}`},
		{"radius zero", `{"radius":0}`, "", `:root{--radius:0px;}`},
		{"radius as 2.0", `{"radius":2.0}`, "", `:root{--radius:2px;}`},
		{"named colour", `{"accent":"red"}`, "accent", ""},
		{"injection", `{"accent":"#2d6a4f; background: url(https://evil.example/x)"}`, "accent", ""},
		{"short hex", `{"text":"#fff"}`, "text", ""},
		{"empty colour", `{"border":""}`, "border", ""},
		{"null colour", `{"border":null}`, "border", ""},
		{"radius too big", `{"radius":99}`, "radius", ""},
		{"radius negative", `{"radius":-1}`, "radius", ""},
		{"radius fraction", `{"radius":1.5}`, "radius", ""},
		{"radius string", `{"radius":"2"}`, "radius", ""},
		{"font off list", `{"font":"Comic Sans MS"}`, "font", ""},
		{"font inherited name", `{"font":"constructor"}`, "font", ""},
		{"unknown field", `{"accent":"#000000","behaviour":"x"}`, "behaviour", ""},
		{"low contrast accent", `{"accent":"#2d6a4f","accentText":"#2d6a50"}`, "accentText", ""},
		{"low contrast text", `{"text":"#777777","surface":"#888888"}`, "text", ""},
		{"array", `[]`, "theme", ""},
		{"null", `null`, "theme", ""},
		{"two objects", `{} {}`, "theme", ""},
		{"too long", `{"accent":"` + strings.Repeat(" ", MaxThemeJSON) + `"}`, "theme", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th, err := ParseTheme([]byte(tt.in))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("ParseTheme(%s) = %v, want accepted", tt.in, err)
				}
				if got := th.CSS(); got != tt.wantCSS {
					t.Errorf("CSS() = %q, want %q", got, tt.wantCSS)
				}
				return
			}
			var e *Error
			if err == nil || !asError(err, &e) {
				t.Fatalf("ParseTheme(%s) = %+v, %v; want a refusal of %s", tt.in, th, err, tt.wantField)
			}
			if e.Code != EValidation || e.Field != tt.wantField {
				t.Errorf("error %q field %q code %q, want field %q code %q", e.Message, e.Field, e.Code, tt.wantField, EValidation)
			}
		})
	}
}

func TestContrast(t *testing.T) {
	t.Parallel()
	if got := Contrast("#000000", "#ffffff"); got < 20.99 || got > 21.01 {
		t.Errorf("Contrast(black, white) = %v, want 21", got)
	}
	if got := Contrast("#777777", "#777777"); got != 1 {
		t.Errorf("Contrast(x, x) = %v, want 1", got)
	}
}

// FuzzParseTheme checks that no input panics and that an accepted theme is
// in bounds, survives a round trip and gives CSS made only of safe characters.
func FuzzParseTheme(f *testing.F) {
	f.Add([]byte(`{"accent":"#2D6A4F","accentText":"#ffffff","radius":2,"font":"classic"}`))
	f.Add([]byte(`{"text":"#111111","surface":"#fafafa","muted":"#555555","background":"#ffffff","border":"#dddddd"}`))
	f.Add([]byte(`{"accent":"#2d6a4f;}</style><script>","radius":1e400}`))
	f.Add([]byte(`{"radius":24.0000000001,"font":"__proto__"}`))
	f.Add([]byte(`{"accent":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		th, err := ParseTheme(body)
		if err != nil {
			if ErrorCode(err) != EValidation {
				t.Fatalf("rejection without validation_failed: %v", err)
			}
			return
		}
		if err := th.Check(); err != nil {
			t.Fatalf("accepted theme fails Check: %v", err)
		}
		css := th.CSS()
		if strings.Count(css, "{") > 1 || strings.Count(css, "}") > 1 || strings.ContainsAny(css, "<>\\@/") {
			t.Fatalf("CSS has characters a value could escape with: %q", css)
		}
		again, err := json.Marshal(th)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseTheme(again)
		if err != nil {
			t.Fatalf("accepted theme fails after a round trip: %v\n%s", err, again)
		}
		if back.CSS() != css {
			t.Fatalf("round trip changed the CSS: %q vs %q", back.CSS(), css)
		}
	})
}
