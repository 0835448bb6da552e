package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Theme is a retailer's look for the planner (white-label theming): the Go
// copy of the rules in static/embed/theme.js, which the browser applies to
// SetUpSettings {theme}. Every field is optional (the planner's own look fills
// in); colours are "#rrggbb" in lower case, Radius whole px from 0 to
// ThemeRadiusMax, Font a name from ThemeFonts. Nothing of a theme reaches CSS
// as text of its own: CSS writes only these checked values.
type Theme struct {
	Accent     string `json:"accent,omitempty"`
	AccentText string `json:"accentText,omitempty"`
	Text       string `json:"text,omitempty"`
	Muted      string `json:"muted,omitempty"`
	Surface    string `json:"surface,omitempty"`
	Background string `json:"background,omitempty"`
	Border     string `json:"border,omitempty"`
	Radius     *int   `json:"radius,omitempty"`
	Font       string `json:"font,omitempty"`
}

// ThemeRadiusMax is the largest corner radius in px (0 is square corners).
const ThemeRadiusMax = 24

// MaxThemeJSON bounds a theme document in bytes; a full theme is ~200.
const MaxThemeJSON = 2048

// ThemeFonts are the font stacks a theme may pick by name (theme.js FONTS):
// system and web-safe families only, no downloaded fonts.
var ThemeFonts = map[string]string{
	"system":    `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif`,
	"humanist":  `"Segoe UI", "Gill Sans", "Trebuchet MS", Calibri, "Noto Sans", sans-serif`,
	"geometric": `Futura, "Century Gothic", "Avenir Next", Avenir, "Noto Sans", sans-serif`,
	"classic":   `Georgia, "Iowan Old Style", "Palatino Linotype", Palatino, "Noto Serif", serif`,
	"rounded":   `ui-rounded, "SF Pro Rounded", "Hiragino Maru Gothic ProN", Quicksand, "Arial Rounded MT Bold", sans-serif`,
}

// themeColors are the colour fields in theme.js THEME_COLORS order, with the
// custom property each sets.
var themeColors = []struct {
	field, prop string
	get         func(*Theme) *string
}{
	{"accent", "--accent", func(t *Theme) *string { return &t.Accent }},
	{"accentText", "--accent-text", func(t *Theme) *string { return &t.AccentText }},
	{"text", "--text", func(t *Theme) *string { return &t.Text }},
	{"muted", "--muted", func(t *Theme) *string { return &t.Muted }},
	{"surface", "--surface", func(t *Theme) *string { return &t.Surface }},
	{"background", "--bg", func(t *Theme) *string { return &t.Background }},
	{"border", "--border", func(t *Theme) *string { return &t.Border }},
}

// ThemeFontNames lists ThemeFonts' names, sorted, for messages and usage.
func ThemeFontNames() []string {
	names := make([]string, 0, len(ThemeFonts))
	for n := range ThemeFonts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsZero reports whether t sets nothing (the planner's own look).
func (t Theme) IsZero() bool { return t == Theme{} }

// ParseTheme checks a theme as JSON, as theme.js parseTheme does: an object
// whose every field is known and in bounds. A wrong value refuses the whole
// theme, naming the field; a half-applied theme could be unreadable.
func ParseTheme(data []byte) (Theme, error) {
	if len(data) > MaxThemeJSON {
		return Theme{}, FieldErrorf("theme", "is over %d bytes", MaxThemeJSON)
	}
	var raw map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&raw); err != nil || raw == nil {
		return Theme{}, FieldErrorf("theme", "a theme is a JSON object")
	}
	if d.More() {
		return Theme{}, FieldErrorf("theme", "a theme is one JSON object")
	}
	var t Theme
	for key, v := range raw {
		switch {
		case key == "radius":
			var f float64
			if err := json.Unmarshal(v, &f); err != nil || isNull(v) || f != math.Trunc(f) || f < 0 || f > ThemeRadiusMax {
				return Theme{}, FieldErrorf("radius", "must be a whole number of px from 0 to %d", ThemeRadiusMax)
			}
			r := int(f)
			t.Radius = &r
		case key == "font":
			var s string
			if err := json.Unmarshal(v, &s); err != nil || s == "" || isNull(v) {
				return Theme{}, FieldErrorf("font", "must be one of %s", strings.Join(ThemeFontNames(), ", "))
			}
			t.Font = s
		default:
			c := themeColor(key)
			if c == nil {
				return Theme{}, FieldErrorf(key, "a theme has no field %s", strconv.Quote(key))
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil || s == "" || isNull(v) {
				return Theme{}, FieldErrorf(key, "must be a colour as #rrggbb")
			}
			*c.get(&t) = s
		}
	}
	if err := t.Check(); err != nil {
		return Theme{}, err
	}
	return t.normal(), nil
}

func themeColor(field string) *struct {
	field, prop string
	get         func(*Theme) *string
} {
	for i := range themeColors {
		if themeColors[i].field == field {
			return &themeColors[i]
		}
	}
	return nil
}

// Check validates t: colours as #rrggbb, radius and font in bounds, and the
// pairs it sets readable (WCAG 2 contrast: 4.5:1 for text on surface, 3:1
// for the accent's button labels).
func (t Theme) Check() error {
	for _, c := range themeColors {
		if v := *c.get(&t); v != "" && !isHexColor(v) {
			return FieldErrorf(c.field, "must be a colour as #rrggbb, got %s", strconv.Quote(clip(v, 40)))
		}
	}
	if t.Radius != nil && (*t.Radius < 0 || *t.Radius > ThemeRadiusMax) {
		return FieldErrorf("radius", "must be a whole number of px from 0 to %d, got %d", ThemeRadiusMax, *t.Radius)
	}
	if _, ok := ThemeFonts[t.Font]; t.Font != "" && !ok {
		return FieldErrorf("font", "must be one of %s, got %s", strings.Join(ThemeFontNames(), ", "), strconv.Quote(clip(t.Font, 40)))
	}
	if t.Text != "" && t.Surface != "" && Contrast(t.Text, t.Surface) < 4.5 {
		return FieldErrorf("text", "must contrast with surface (4.5:1), %s on %s is %.2f:1", t.Text, t.Surface, Contrast(t.Text, t.Surface))
	}
	if t.Accent != "" && t.AccentText != "" && Contrast(t.Accent, t.AccentText) < 3 {
		return FieldErrorf("accentText", "must contrast with accent (3:1), %s on %s is %.2f:1", t.AccentText, t.Accent, Contrast(t.Accent, t.AccentText))
	}
	return nil
}

// normal is t with its colours in lower case, as theme.js keeps them.
func (t Theme) normal() Theme {
	for _, c := range themeColors {
		p := c.get(&t)
		*p = strings.ToLower(*p)
	}
	return t
}

// Normalize checks t and returns it in canonical form (lower-case colours).
func (t Theme) Normalize() (Theme, error) {
	if err := t.Check(); err != nil {
		return Theme{}, err
	}
	return t.normal(), nil
}

// CSS is the rule that applies a checked theme to the page's root, the same
// custom properties theme.js themeProperties sets, or "" for the zero theme.
// Only checked values reach it: hex colours, a whole px, a stack from
// ThemeFonts, none of which can close the rule or the style element.
func (t Theme) CSS() string {
	if t.Check() != nil || t.IsZero() {
		return ""
	}
	var b strings.Builder
	b.WriteString(":root{")
	for _, c := range themeColors {
		if v := *c.get(&t); v != "" {
			fmt.Fprintf(&b, "%s:%s;", c.prop, strings.ToLower(v))
		}
	}
	if t.Accent != "" {
		fmt.Fprintf(&b, "--accent-hover:%s;", strings.ToLower(t.Accent))
	}
	if t.Radius != nil {
		fmt.Fprintf(&b, "--radius:%dpx;", *t.Radius)
	}
	if t.Font != "" {
		fmt.Fprintf(&b, "--font:%s;", ThemeFonts[t.Font])
	}
	b.WriteString("}")
	return b.String()
}

// isNull reports whether a JSON value is null, which Unmarshal accepts as
// "no change" but theme.js refuses.
func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

func isHexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Contrast is the WCAG 2 contrast ratio of two "#rrggbb" colours.
func Contrast(a, b string) float64 {
	x, y := luminance(a), luminance(b)
	if x < y {
		x, y = y, x
	}
	return (x + 0.05) / (y + 0.05)
}

func luminance(hex string) float64 {
	n, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	ch := func(v uint64) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*ch((n>>16)&255) + 0.7152*ch((n>>8)&255) + 0.0722*ch(n&255)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
