package dump

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/roomplanner/planner/web"
)

// bcryptHash is a bcrypt hash (cost 4) of "a long enough passphrase".
const bcryptHash = "$2a$04$fYoKmr6XAoW/7HsU01jOMOZaNoFRzhWRzvlcCxzyPiLgmK89LDvea"

// sample returns one record of every type, in dump order.
func sample() []web.DumpRecord {
	at := time.UnixMilli(1_700_000_000_123).UTC()
	return []web.DumpRecord{
		{Retailer: &web.Retailer{ID: "le_a", Name: "Shop <&>", Plan: web.PlanPremium, Origins: []string{"https://a.example", "https://b.example"}, DistributionID: "d_a", CreatedAt: at,
			ImageOrigins: []string{"http://127.0.0.1:9000", "https://img.a.example"}}},
		{Retailer: &web.Retailer{ID: "le_b", Name: "Zweiter Läden", Plan: web.PlanFree, Origins: []string{}, DistributionID: "d_b", CreatedAt: at}},
		{Credential: &web.SealedCredential{APIKey: "pk_a", RetailerID: "le_a", SecretSealed: []byte{1, 2, 3, 0xff}, CreatedAt: at}},
		{ConsoleUser: &web.ConsoleUser{ID: "cu_1", RetailerID: "le_a", Email: "staff@a.example", PasswordHash: []byte(bcryptHash), MustChange: true, CreatedAt: at}},
		{SigningKey: &web.SealedSigningKey{KID: "k1", PrivateSealed: []byte("sealed-1"), CreatedAt: at, RetiredAt: at.Add(time.Hour)}},
		{SigningKey: &web.SealedSigningKey{KID: "k2", PrivateSealed: []byte("sealed-2"), CreatedAt: at.Add(time.Hour)}},
		{Category: &web.DumpCategory{RetailerID: "le_a", ID: "sofas", Name: "Sofas", Position: 1}},
		{Product: &web.DumpProduct{Product: web.Product{ID: "p1", RetailerID: "le_a", Name: "Sofa", Category: "sofas", Description: "line\nbreak", Width: 200, Depth: 90, Height: 80, Price: 49900, Currency: "EUR", Color: "#aabbcc",
			Image: "https://img.a.example/p1.jpg"}, UpdatedAt: at}},
		{Project: &web.Project{ProjectDoc: web.ProjectDoc{Name: "Living room", Room: web.Room{Width: 400, Depth: 300},
			Items: []web.Item{{ID: "i1", ProductID: "p1", X: 12.5, Y: -3, Rotation: 90}}}, ID: "prj_1", RetailerID: "le_a", OwnerUID: "u1", Version: 3, CreatedAt: at, UpdatedAt: at.Add(time.Minute)}},
		{Idempotency: &web.IdempotencyRecord{RetailerID: "le_a", OwnerUID: "u1", Key: "k", RequestHash: "h", ProjectID: "prj_gone", CreatedAt: at}},
		// Minutes sort as numbers, not as text: 9 minutes before 100.
		{Metric: &web.MetricCount{RetailerID: "le_a", Minute: time.Unix(9*60, 0).UTC(), Name: "planner.opened", Value: 3}},
		{Metric: &web.MetricCount{RetailerID: "le_a", Minute: time.Unix(100*60, 0).UTC(), Name: "basket.value.EUR", Value: 49900}},
		{Metric: &web.MetricCount{RetailerID: "le_a", Minute: time.Unix(100*60, 0).UTC(), Name: "max.planners_open", Value: 2}},
	}
}

func write(t testing.TB, recs []web.DumpRecord) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readAll reads a whole dump and writes what it read again.
func readAll(data []byte) ([]web.DumpRecord, []TypeStats, error) {
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var recs []web.DumpRecord
	for rec, err := range r.All() {
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	return recs, r.Stats(), nil
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	data := write(t, sample())
	recs, stats, err := readAll(data)
	if err != nil {
		t.Fatalf("read: %v\n%s", err, data)
	}
	if again := write(t, recs); !bytes.Equal(again, data) {
		t.Errorf("written again:\n%s\nwant:\n%s", again, data)
	}
	var w bytes.Buffer
	dw, _ := NewWriter(&w)
	for _, r := range recs {
		dw.Write(r)
	}
	if d := Compare(stats, dw.Stats()); d != "" {
		t.Errorf("stats of read and written differ at %s", d)
	}
	if got := recs[4].SigningKey.RetiredAt; !got.Equal(time.UnixMilli(1_700_000_000_123 + 3_600_000)) {
		t.Errorf("retiredAt = %v", got)
	}
	if !recs[5].SigningKey.RetiredAt.IsZero() {
		t.Errorf("a current key read back retired at %v", recs[5].SigningKey.RetiredAt)
	}
	if u := recs[3].ConsoleUser; string(u.PasswordHash) != bcryptHash || !u.MustChange || u.Email != "staff@a.example" {
		t.Errorf("console user read back as %+v", u)
	}
	if m := recs[10].Metric; m.Minute.Unix() != 9*60 || m.Name != "planner.opened" || m.Value != 3 {
		t.Errorf("metric read back as %+v", m)
	}
}

// writeV1 writes recs as a planner before console users and metrics did:
// version 1, whose end line names its seven types only.
func writeV1(t testing.TB, recs []web.DumpRecord) []byte {
	t.Helper()
	var b bytes.Buffer
	st := newStats(versionTypes[1])
	line, _ := encode(headerLine{"header", Format, 1})
	b.Write(append(line, '\n'))
	for _, r := range recs {
		v, typ, _, err := toLine(r)
		if err != nil {
			t.Fatal(err)
		}
		line, _ := encode(v)
		if st.sums[typ] != nil {
			st.add(typ, line)
		}
		b.Write(append(line, '\n'))
	}
	line, _ = encode(st.end())
	b.Write(append(line, '\n'))
	return b.Bytes()
}

// TestReadsVersion1: a dump made before version 2 still imports, with no
// console users or metrics, and compares equal to its export again; one
// that has them anyway is refused.
func TestReadsVersion1(t *testing.T) {
	t.Parallel()
	var v1 []web.DumpRecord
	for _, r := range sample() {
		if r.ConsoleUser == nil && r.Metric == nil {
			v1 = append(v1, r)
		}
	}
	recs, stats, err := readAll(writeV1(t, v1))
	if err != nil {
		t.Fatalf("read a version 1 dump: %v", err)
	}
	if len(recs) != len(v1) {
		t.Errorf("read %d records, want %d", len(recs), len(v1))
	}
	w, _ := NewWriter(io.Discard)
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if d := Compare(stats, w.Stats()); d != "" {
		t.Errorf("a version 1 dump and its version 2 export differ at %s", d)
	}
	if _, _, err := readAll(writeV1(t, sample())); err == nil || !strings.Contains(err.Error(), "a console_user record in a dump whose version has none") {
		t.Errorf("a version 1 dump with console users: %v, want a refusal", err)
	}
}

func TestWriterRefusesDisorder(t *testing.T) {
	t.Parallel()
	s := sample()
	for _, tc := range []struct {
		name string
		recs []web.DumpRecord
	}{
		{"type order", []web.DumpRecord{s[2], s[0]}},
		{"key order", []web.DumpRecord{s[1], s[0]}},
		{"repeat", []web.DumpRecord{s[0], s[0]}},
		{"empty", []web.DumpRecord{{}}},
		{"two fields", []web.DumpRecord{{Retailer: s[0].Retailer, Credential: s[2].Credential}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, _ := NewWriter(io.Discard)
			var err error
			for _, r := range tc.recs {
				if err = w.Write(r); err != nil {
					break
				}
			}
			if err == nil {
				t.Errorf("Write accepted %s", tc.name)
			}
		})
	}
}

func TestReaderRefuses(t *testing.T) {
	t.Parallel()
	good := string(write(t, sample()))
	lines := strings.SplitAfter(good, "\n")
	lines = lines[:len(lines)-1] // the empty string after the last "\n"
	replace := func(i int, old, new string) string {
		c := append([]string(nil), lines...)
		c[i] = strings.Replace(c[i], old, new, 1)
		return strings.Join(c, "")
	}
	for _, tc := range []struct{ name, data, want string }{
		{"empty", "", "no header line"},
		{"not a dump", "hello\n", "dump line 1: not a planner dump"},
		{"newer version", replace(0, `"version":2`, `"version":3`), "dump line 1: dump format version 3"},
		{"unknown field", replace(1, `"id":"le_a"`, `"id":"le_a","extra":1`), `dump line 2: retailer: json: unknown field "extra"`},
		{"trailing data", replace(1, "}\n", "} {}\n"), "dump line 2: retailer: unexpected data after the JSON object"},
		{"spaces", replace(1, `"id":"le_a"`, `"id": "le_a"`), "dump line 2: not in the canonical form"},
		{"unknown type", replace(1, `"type":"retailer"`, `"type":"shop"`), `dump line 2: unknown record type "shop"`},
		{"bad plan", replace(1, `"plan":"premium"`, `"plan":"gold"`), "dump line 2: retailer: validation_failed: plan: must be free or premium"},
		{"image origin not canonical", replace(1, `"https://img.a.example"`, `"https://IMG.a.example"`), `dump line 2: retailer: imageOrigins: "https://IMG.a.example" is not an image origin`},
		{"image origin on plain http", replace(1, `"https://img.a.example"`, `"http://img.a.example"`), `dump line 2: retailer: imageOrigins: "http://img.a.example" is not an image origin`},
		{"image origins unsorted", replace(1, `"http://127.0.0.1:9000","https://img.a.example"`, `"https://img.a.example","http://127.0.0.1:9000"`), "dump line 2: retailer: imageOrigins must be sorted"},
		{"image with credentials", replace(8, `"https://img.a.example/p1.jpg"`, `"https://u:p@img.a.example/p1.jpg"`), "dump line 9: product: image must not carry a user name"},
		{"edited value", replace(8, `"price":49900`, `"price":1`), "dump line 15: the end line says 1 product records"},
		{"cut short", strings.Join(lines[:5], ""), "dump ends after line 5 without its end line"},
		{"no final newline", strings.TrimSuffix(good, "\n"), "no newline at its end"},
		{"after the end", good + "{}\n", "dump line 16: data after the end line"},
		{"crlf", strings.ReplaceAll(good, "\n", "\r\n"), "dump line 1: not in the canonical form"},
		{"out of order", strings.Join([]string{lines[0], lines[2], lines[1]}, "") + strings.Join(lines[3:], ""), "dump line 3: retailer"},
		{"type order", strings.Join([]string{lines[0], lines[3], lines[1]}, "") + strings.Join(lines[4:], ""), "dump line 3: a retailer record after the credential records"},
		{"bad base64", replace(3, `"secretSealed":"`, `"secretSealed":"!`), "dump line 4: credential: illegal base64"},
		{"null items", replace(9, `"items":[{"id":"i1","productId":"p1","x":12.5,"y":-3,"rotation":90}]`, `"items":null`), "dump line 10: project: items must be a list"},
		{"plain password", replace(4, bcryptHash, "hunter2hunter2"), "dump line 5: console_user: passwordHash is not a bcrypt hash"},
		{"email not normalised", replace(4, "staff@a.example", "Staff@A.example"), "dump line 5: console_user: email"},
		{"metric mid-minute", replace(11, `"minuteMs":540000`, `"minuteMs":540001`), "dump line 12: metric: minuteMs 540001 is not the start of a minute"},
		{"negative metric", replace(11, `"value":3`, `"value":-3`), "dump line 12: metric: value must not be negative"},
		{"metrics out of order", strings.Join(lines[:11], "") + lines[12] + lines[11] + strings.Join(lines[13:], ""), "dump line 13: metric"},
		{"too long", lines[0] + strings.Repeat("x", MaxLine+1) + "\n", "dump line 2: longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := readAll([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("read = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// FuzzReadDump checks that the reader never panics and that whatever it
// accepts is exactly what the writer writes for the records it returned.
func FuzzReadDump(f *testing.F) {
	good := write(f, sample())
	f.Add(good)
	f.Add(write(f, nil))
	f.Add([]byte(""))
	f.Add([]byte("{\"type\":\"header\",\"format\":\"planner-dump\",\"version\":1}\n"))
	f.Add(writeV1(f, sample()[:3]))
	f.Add(bytes.Replace(good, []byte(`"price":49900`), []byte(`"price":-1`), 1))
	f.Add(bytes.Replace(good, []byte(`"retiredAtMs":null`), []byte(`"retiredAtMs":0`), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, stats, err := readAll(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		w, err := NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				t.Fatalf("accepted a dump whose records the writer refuses: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if r, _ := NewReader(bytes.NewReader(data)); r.version == Version && !bytes.Equal(b.Bytes(), data) {
			t.Fatalf("accepted\n%q\nbut it writes back as\n%q", data, b.Bytes())
		}
		if d := Compare(stats, w.Stats()); d != "" {
			t.Fatalf("stats differ at %s", d)
		}
	})
}
