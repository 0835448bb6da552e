// Package dump is the JSONL form of a whole-deployment dump (web.DumpRecord):
// what `planner export` writes and `planner import` reads to move a
// deployment between databases, SQLite or PostgreSQL, either way.
//
// A dump is one JSON object per line, each with a "type":
//
//	{"type":"header","format":"planner-dump","version":2}
//	{"type":"retailer","id":"le_...","name":"Shop","plan":"free",...}
//	... credential, console_user, signing_key, category, product, project,
//	    idempotency, metric ...
//	{"type":"end","counts":{...},"sha256":{...}}
//
// The record types come in that order (parents before the rows that refer to
// them), each sorted by its key, and every line is in the one canonical form
// the Writer produces (encoding/json of the line types below: their field
// order, no spaces, "\n" after every line). Times are Unix milliseconds, as
// both stores keep them; sealed secrets are base64 (standard, padded).
//
// The end line carries each type's count and the SHA-256 of its lines (each
// with its "\n"). The Reader is strict: it refuses unknown fields, trailing
// data, a line not in canonical form, types or keys out of order, and a dump
// without its end line or whose end line does not match what came before, so
// a cut-short or edited dump is never loaded in part. Its errors name the
// line.
//
// Version 2 added console users and metric aggregates. A Reader still reads
// version 1 dumps (made by a planner before them): they hold neither, and
// their end line names only version 1's types.
package dump

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/roomplanner/planner/web"
	"golang.org/x/crypto/bcrypt"
)

// Format and Version identify the dump format in its header line. A Writer
// writes Version; a Reader refuses any other format and reads Version and
// the versions before it that Types lists.
const (
	Format  = "planner-dump"
	Version = 2
)

// MaxLine is the longest line a Reader accepts, newline included. A project
// document is at most web.MaxProjectBody; this leaves room for its framing.
const MaxLine = 4 << 20

// Types are the record types in the order a dump holds them.
var Types = []string{"retailer", "credential", "console_user", "signing_key", "category", "product", "project", "idempotency", "metric"}

// versionTypes are the record types of each version a Reader reads.
var versionTypes = map[int][]string{
	1:       {"retailer", "credential", "signing_key", "category", "product", "project", "idempotency"},
	Version: Types,
}

// TypeStats is the count and checksum of one record type's lines.
type TypeStats struct {
	Type   string
	Count  int64
	SHA256 string // hex SHA-256 of the type's lines, each with its "\n"
}

// stats accumulates TypeStats for every type of a version.
type stats struct {
	types  []string
	counts map[string]int64
	sums   map[string]hash.Hash
}

func newStats(types []string) *stats {
	s := &stats{types: types, counts: map[string]int64{}, sums: map[string]hash.Hash{}}
	for _, t := range types {
		s.sums[t] = sha256.New()
	}
	return s
}

func (s *stats) add(typ string, line []byte) {
	s.counts[typ]++
	h := s.sums[typ]
	h.Write(line)
	h.Write([]byte{'\n'})
}

func (s *stats) list() []TypeStats {
	out := make([]TypeStats, 0, len(s.types))
	for _, t := range s.types {
		out = append(out, TypeStats{Type: t, Count: s.counts[t], SHA256: hex.EncodeToString(s.sums[t].Sum(nil))})
	}
	return out
}

func (s *stats) end() endLine {
	e := endLine{Type: "end", Counts: map[string]int64{}, SHA256: map[string]string{}}
	for _, ts := range s.list() {
		e.Counts[ts.Type], e.SHA256[ts.Type] = ts.Count, ts.SHA256
	}
	return e
}

// The line types. Their field order is the canonical key order.
type (
	headerLine struct {
		Type    string `json:"type"`
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	retailerLine struct {
		Type           string     `json:"type"`
		ID             string     `json:"id"`
		Name           string     `json:"name"`
		Plan           string     `json:"plan"`
		DistributionID string     `json:"distributionId"`
		Origins        []string   `json:"origins"`
		CreatedAtMs    int64      `json:"createdAtMs"`
		Theme          *web.Theme `json:"theme,omitempty"`        // none: the planner's own look
		ImageOrigins   []string   `json:"imageOrigins,omitempty"` // none: no product images load
	}
	credentialLine struct {
		Type         string `json:"type"`
		APIKey       string `json:"apiKey"`
		RetailerID   string `json:"retailerId"`
		SecretSealed []byte `json:"secretSealed"`
		CreatedAtMs  int64  `json:"createdAtMs"`
	}
	// consoleUserLine carries the bcrypt hash as its text ("$2a$..."): like
	// the sealed secrets it is useless without what it protects, and
	// without it every staff member would need a new one-time password
	// after a move.
	consoleUserLine struct {
		Type         string `json:"type"`
		ID           string `json:"id"`
		RetailerID   string `json:"retailerId"`
		Email        string `json:"email"`
		PasswordHash string `json:"passwordHash"`
		MustChange   bool   `json:"mustChange"`
		CreatedAtMs  int64  `json:"createdAtMs"`
	}
	signingKeyLine struct {
		Type          string `json:"type"`
		KID           string `json:"kid"`
		PrivateSealed []byte `json:"privateSealed"`
		CreatedAtMs   int64  `json:"createdAtMs"`
		RetiredAtMs   *int64 `json:"retiredAtMs"` // null while current
	}
	categoryLine struct {
		Type       string `json:"type"`
		RetailerID string `json:"retailerId"`
		ID         string `json:"id"`
		Name       string `json:"name"`
		Position   int    `json:"position"`
	}
	productLine struct {
		Type        string `json:"type"`
		RetailerID  string `json:"retailerId"`
		ID          string `json:"id"`
		Name        string `json:"name"`
		Category    string `json:"category"`
		Description string `json:"description"`
		Width       int    `json:"width"`
		Depth       int    `json:"depth"`
		Height      int    `json:"height"`
		Price       int64  `json:"price"`
		Currency    string `json:"currency"`
		Color       string `json:"color"`
		Mount       string `json:"mount,omitempty"`
		MountHeight int    `json:"mountHeight,omitempty"`
		Image       string `json:"image,omitempty"`
		UpdatedAtMs int64  `json:"updatedAtMs"`
	}
	projectLine struct {
		Type        string     `json:"type"`
		ID          string     `json:"id"`
		RetailerID  string     `json:"retailerId"`
		OwnerUID    string     `json:"ownerUid"`
		Name        string     `json:"name"`
		Room        web.Room   `json:"room"`
		Items       []web.Item `json:"items"`
		Version     int64      `json:"version"`
		CreatedAtMs int64      `json:"createdAtMs"`
		UpdatedAtMs int64      `json:"updatedAtMs"`
	}
	idempotencyLine struct {
		Type        string `json:"type"`
		RetailerID  string `json:"retailerId"`
		OwnerUID    string `json:"ownerUid"`
		Key         string `json:"key"`
		RequestHash string `json:"requestHash"`
		ProjectID   string `json:"projectId"`
		CreatedAtMs int64  `json:"createdAtMs"`
	}
	metricLine struct {
		Type       string `json:"type"`
		RetailerID string `json:"retailerId"`
		MinuteMs   int64  `json:"minuteMs"` // the minute's start
		Name       string `json:"name"`
		Value      int64  `json:"value"`
	}
	endLine struct {
		Type   string            `json:"type"`
		Counts map[string]int64  `json:"counts"`
		SHA256 map[string]string `json:"sha256"`
	}
)

// encode returns v's canonical line, without its newline.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

// toLine turns a record into its line type, its type name and its sort key.
func toLine(r web.DumpRecord) (line any, typ string, key []string, err error) {
	n := 0
	for _, set := range []bool{r.Retailer != nil, r.Credential != nil, r.ConsoleUser != nil, r.SigningKey != nil, r.Category != nil,
		r.Product != nil, r.Project != nil, r.Idempotency != nil, r.Metric != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, "", nil, fmt.Errorf("a dump record has %d of its fields set, want exactly 1", n)
	}
	switch {
	case r.Retailer != nil:
		x := r.Retailer
		origins := x.Origins
		if origins == nil {
			origins = []string{}
		}
		var theme *web.Theme
		if !x.Theme.IsZero() {
			theme = &x.Theme
		}
		return retailerLine{"retailer", x.ID, x.Name, string(x.Plan), x.DistributionID, origins, ms(x.CreatedAt), theme, x.ImageOrigins},
			"retailer", []string{x.ID}, nil
	case r.Credential != nil:
		x := r.Credential
		return credentialLine{"credential", x.APIKey, x.RetailerID, x.SecretSealed, ms(x.CreatedAt)},
			"credential", []string{x.APIKey}, nil
	case r.ConsoleUser != nil:
		x := r.ConsoleUser
		return consoleUserLine{"console_user", x.ID, x.RetailerID, x.Email, string(x.PasswordHash), x.MustChange, ms(x.CreatedAt)},
			"console_user", []string{x.ID}, nil
	case r.SigningKey != nil:
		x := r.SigningKey
		l := signingKeyLine{Type: "signing_key", KID: x.KID, PrivateSealed: x.PrivateSealed, CreatedAtMs: ms(x.CreatedAt)}
		if !x.RetiredAt.IsZero() {
			v := ms(x.RetiredAt)
			l.RetiredAtMs = &v
		}
		return l, "signing_key", []string{x.KID}, nil
	case r.Category != nil:
		x := r.Category
		return categoryLine{"category", x.RetailerID, x.ID, x.Name, x.Position},
			"category", []string{x.RetailerID, x.ID}, nil
	case r.Product != nil:
		x := r.Product
		return productLine{"product", x.RetailerID, x.ID, x.Name, x.Category, x.Description, x.Width, x.Depth, x.Height,
			x.Price, x.Currency, x.Color, x.Mount, x.MountHeight, x.Image, ms(x.UpdatedAt)}, "product", []string{x.RetailerID, x.ID}, nil
	case r.Project != nil:
		x := r.Project
		items := x.Items
		if items == nil {
			items = []web.Item{}
		}
		return projectLine{"project", x.ID, x.RetailerID, x.OwnerUID, x.Name, x.Room, items, x.Version,
			ms(x.CreatedAt), ms(x.UpdatedAt)}, "project", []string{x.ID}, nil
	case r.Idempotency != nil:
		x := r.Idempotency
		return idempotencyLine{"idempotency", x.RetailerID, x.OwnerUID, x.Key, x.RequestHash, x.ProjectID, ms(x.CreatedAt)},
			"idempotency", []string{x.RetailerID, x.OwnerUID, x.Key}, nil
	default:
		x := r.Metric
		// The minute sorts as a number: zero-padded (minutes are after 1970).
		return metricLine{"metric", x.RetailerID, ms(x.Minute), x.Name, x.Value},
			"metric", []string{x.RetailerID, fmt.Sprintf("%020d", ms(x.Minute)), x.Name}, nil
	}
}

// order checks that records come type by type in Types order, each type
// sorted by its key without repeats. A dump loads in one pass only if
// parents come first; sorting makes two dumps of the same data identical.
type order struct {
	types   []string // the version's
	typeIdx int
	key     []string
	started bool
}

func (o *order) next(typ string, key []string) error {
	i := slices.Index(o.types, typ)
	switch {
	case i < 0:
		return fmt.Errorf("a %s record in a dump whose version has none (its types are %v)", typ, o.types)
	case i < o.typeIdx:
		return fmt.Errorf("a %s record after the %s records (the order is %v)", typ, o.types[o.typeIdx], o.types)
	case i > o.typeIdx || !o.started:
		o.typeIdx, o.key, o.started = i, key, true
		return nil
	}
	if slices.Compare(key, o.key) <= 0 {
		if slices.Equal(key, o.key) {
			return fmt.Errorf("%s %q appears twice", typ, key)
		}
		return fmt.Errorf("%s %q comes after %q; records of a type are sorted by key", typ, key, o.key)
	}
	o.key = key
	return nil
}

// Writer writes a dump. Write the records in dump order (as the stores'
// Dump methods produce them), then Close to write the end line.
type Writer struct {
	w     io.Writer
	stats *stats
	order order
	err   error
}

// NewWriter writes the header line to w and returns a Writer for the rest.
// The caller buffers w if it wants to.
func NewWriter(w io.Writer) (*Writer, error) {
	dw := &Writer{w: w, stats: newStats(Types), order: order{types: Types}}
	line, err := encode(headerLine{"header", Format, Version})
	if err != nil {
		return nil, err
	}
	if err := dw.writeLine(line); err != nil {
		return nil, err
	}
	return dw, nil
}

func (w *Writer) writeLine(line []byte) error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.w.Write(append(line, '\n')); err != nil {
		w.err = fmt.Errorf("write dump: %w", err)
	}
	return w.err
}

// Write writes one record. Records out of dump order are refused.
func (w *Writer) Write(r web.DumpRecord) error {
	v, typ, key, err := toLine(r)
	if err != nil {
		return err
	}
	if err := w.order.next(typ, key); err != nil {
		return fmt.Errorf("write dump: %w", err)
	}
	line, err := encode(v)
	if err != nil {
		return fmt.Errorf("write dump: %s %q: %w", typ, key, err)
	}
	w.stats.add(typ, line)
	return w.writeLine(line)
}

// Close writes the end line. It does not close the underlying writer.
func (w *Writer) Close() error {
	line, err := encode(w.stats.end())
	if err != nil {
		return err
	}
	return w.writeLine(line)
}

// Stats returns each type's count and checksum of what was written.
func (w *Writer) Stats() []TypeStats { return w.stats.list() }

// Reader reads a dump. Next returns the records one by one, then io.EOF once
// the end line has been read and matched; any other error is final.
type Reader struct {
	version int
	br      *bufio.Reader
	buf     []byte
	line    int // number of the last line read, from 1
	stats   *stats
	order   order
	done    bool
	err     error
}

// NewReader reads and checks the header line of the dump in r.
func NewReader(r io.Reader) (*Reader, error) {
	dr := &Reader{br: bufio.NewReaderSize(r, 64<<10)}
	line, err := dr.readLine()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("dump is empty: it has no header line")
	}
	if err != nil {
		return nil, err
	}
	var h headerLine
	if err := decodeStrict(line, &h); err != nil || h.Type != "header" {
		return nil, dr.errorf("not a planner dump: the first line must be the header {\"type\":\"header\",\"format\":%q,\"version\":%d}", Format, Version)
	}
	if h.Format != Format {
		return nil, dr.errorf("format %q is not %q", h.Format, Format)
	}
	types, ok := versionTypes[h.Version]
	if !ok {
		return nil, dr.errorf("dump format version %d; this planner reads versions 1 to %d", h.Version, Version)
	}
	dr.version, dr.stats, dr.order = h.Version, newStats(types), order{types: types}
	if err := dr.canonical(line, h); err != nil {
		return nil, err
	}
	return dr, nil
}

// Line returns the number of the last line read.
func (r *Reader) Line() int { return r.line }

// Stats returns each type's count and checksum of what was read so far (all
// of the dump once Next has returned io.EOF).
func (r *Reader) Stats() []TypeStats { return r.stats.list() }

func (r *Reader) errorf(format string, args ...any) error {
	return fmt.Errorf("dump line %d: %s", r.line, fmt.Sprintf(format, args...))
}

// readLine returns the next line without its "\n". Every line, the last
// included, must end with one.
func (r *Reader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, chunk...)
		if len(r.buf) > MaxLine {
			r.line++
			return nil, r.errorf("longer than %d bytes", MaxLine)
		}
		switch {
		case err == nil:
			r.line++
			return r.buf[:len(r.buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(r.buf) == 0:
			return nil, io.EOF
		case errors.Is(err, io.EOF):
			r.line++
			return nil, r.errorf("no newline at its end: the dump is cut short")
		default:
			return nil, fmt.Errorf("read dump after line %d: %w", r.line, err)
		}
	}
}

// decodeStrict decodes one JSON object into v, refusing unknown fields and
// anything after it.
func decodeStrict(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// canonical checks that line is exactly what the Writer writes for v.
func (r *Reader) canonical(line []byte, v any) error {
	want, err := encode(v)
	if err != nil {
		return r.errorf("%v", err)
	}
	if !bytes.Equal(line, want) {
		return r.errorf("not in the canonical form planner export writes (keys in order, no spaces, no escapes it would not use)")
	}
	return nil
}

// Next returns the next record, or io.EOF after the end line matched.
func (r *Reader) Next() (web.DumpRecord, error) {
	if r.err != nil {
		return web.DumpRecord{}, r.err
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
	}
	return rec, err
}

// All yields the records in order, then stops after the end line matched,
// or yields the first error and stops.
func (r *Reader) All() iter.Seq2[web.DumpRecord, error] {
	return func(yield func(web.DumpRecord, error) bool) {
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

func (r *Reader) next() (web.DumpRecord, error) {
	if r.done {
		return web.DumpRecord{}, io.EOF
	}
	line, err := r.readLine()
	if errors.Is(err, io.EOF) {
		return web.DumpRecord{}, fmt.Errorf("dump ends after line %d without its end line: it is cut short", r.line)
	}
	if err != nil {
		return web.DumpRecord{}, err
	}
	var peek struct {
		Type string `json:"type"`
	}
	// Only the first JSON value, leniently: the strict decoding of its type
	// says what else is wrong with the line.
	if err := json.NewDecoder(bytes.NewReader(line)).Decode(&peek); err != nil {
		return web.DumpRecord{}, r.errorf("%v", err)
	}
	if peek.Type == "end" {
		return web.DumpRecord{}, r.end(line)
	}
	rec, v, err := r.parse(peek.Type, line)
	if err != nil {
		return web.DumpRecord{}, err
	}
	if err := r.canonical(line, v); err != nil {
		return web.DumpRecord{}, err
	}
	_, typ, key, err := toLine(rec)
	if err != nil {
		return web.DumpRecord{}, r.errorf("%v", err)
	}
	if err := r.order.next(typ, key); err != nil {
		return web.DumpRecord{}, r.errorf("%v", err)
	}
	r.stats.add(typ, line)
	return rec, nil
}

// end checks the end line against what was read, and that nothing follows.
func (r *Reader) end(line []byte) error {
	var e endLine
	if err := decodeStrict(line, &e); err != nil {
		return r.errorf("end: %v", err)
	}
	if err := r.canonical(line, e); err != nil {
		return err
	}
	got := r.stats.end()
	for _, t := range r.stats.types {
		if e.Counts[t] != got.Counts[t] || e.SHA256[t] != got.SHA256[t] {
			return r.errorf("the end line says %d %s records with SHA-256 %.12s..., the dump has %d with %.12s...: it was changed or damaged",
				e.Counts[t], t, e.SHA256[t], got.Counts[t], got.SHA256[t])
		}
	}
	if len(e.Counts) != len(r.stats.types) || len(e.SHA256) != len(r.stats.types) {
		return r.errorf("the end line names types a version %d dump does not have (it has %v)", r.version, r.stats.types)
	}
	if _, err := r.readLine(); !errors.Is(err, io.EOF) {
		if err == nil {
			return r.errorf("data after the end line")
		}
		return err
	}
	r.done = true
	return io.EOF
}

// parse decodes one record line of type typ and checks what the stores'
// schemas would otherwise refuse less clearly. It returns the line value too,
// for the canonical check.
func (r *Reader) parse(typ string, line []byte) (web.DumpRecord, any, error) {
	bad := func(format string, args ...any) (web.DumpRecord, any, error) {
		return web.DumpRecord{}, nil, r.errorf("%s: %s", typ, fmt.Sprintf(format, args...))
	}
	decode := func(v any) error {
		if err := decodeStrict(line, v); err != nil {
			return r.errorf("%s: %v", typ, err)
		}
		return nil
	}
	switch typ {
	case "retailer":
		var l retailerLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.ID == "" || l.DistributionID == "" {
			return bad("needs an id and a distributionId")
		}
		if _, err := web.ParsePlan(l.Plan); err != nil {
			return bad("%v", err)
		}
		if l.Origins == nil {
			return bad("origins must be a list")
		}
		if !slices.IsSorted(l.Origins) || len(slices.Compact(slices.Clone(l.Origins))) != len(l.Origins) {
			return bad("origins must be sorted, without repeats")
		}
		if !slices.IsSorted(l.ImageOrigins) || len(slices.Compact(slices.Clone(l.ImageOrigins))) != len(l.ImageOrigins) {
			return bad("imageOrigins must be sorted, without repeats")
		}
		for _, o := range l.ImageOrigins {
			// Checked as the CLI checks them: they become the page's CSP.
			if n, err := web.NormalizeImageOrigin(o); err != nil || n != o {
				return bad("imageOrigins: %q is not an image origin in canonical form", o)
			}
		}
		var theme web.Theme
		if l.Theme != nil {
			// Checked as the CLI checks it: a dump is never a way round the
			// rules, and a theme is written in one form only.
			t, err := l.Theme.Normalize()
			if err != nil {
				return bad("theme: %v", err)
			}
			if t.IsZero() || t.CSS() != l.Theme.CSS() || !themeCanonical(*l.Theme) {
				return bad("theme must be set and in lower case when present")
			}
			theme = t
		}
		return web.DumpRecord{Retailer: &web.Retailer{ID: l.ID, Name: l.Name, Plan: web.Plan(l.Plan),
			Origins: l.Origins, DistributionID: l.DistributionID, CreatedAt: fromMs(l.CreatedAtMs), Theme: theme,
			ImageOrigins: append([]string{}, l.ImageOrigins...)}}, l, nil
	case "credential":
		var l credentialLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.APIKey == "" || l.RetailerID == "" || len(l.SecretSealed) == 0 {
			return bad("needs an apiKey, a retailerId and a secretSealed")
		}
		return web.DumpRecord{Credential: &web.SealedCredential{APIKey: l.APIKey, RetailerID: l.RetailerID,
			SecretSealed: l.SecretSealed, CreatedAt: fromMs(l.CreatedAtMs)}}, l, nil
	case "console_user":
		var l consoleUserLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.ID == "" || l.RetailerID == "" {
			return bad("needs an id and a retailerId")
		}
		if e, err := web.NormalizeEmail(l.Email); err != nil || e != l.Email {
			return bad("email %q is not a normalised email address", l.Email)
		}
		// A bcrypt hash, never a password: the console compares with bcrypt.
		if _, err := bcrypt.Cost([]byte(l.PasswordHash)); err != nil {
			return bad("passwordHash is not a bcrypt hash")
		}
		return web.DumpRecord{ConsoleUser: &web.ConsoleUser{ID: l.ID, RetailerID: l.RetailerID, Email: l.Email,
			PasswordHash: []byte(l.PasswordHash), MustChange: l.MustChange, CreatedAt: fromMs(l.CreatedAtMs)}}, l, nil
	case "signing_key":
		var l signingKeyLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.KID == "" || len(l.PrivateSealed) == 0 {
			return bad("needs a kid and a privateSealed")
		}
		k := &web.SealedSigningKey{KID: l.KID, PrivateSealed: l.PrivateSealed, CreatedAt: fromMs(l.CreatedAtMs)}
		if l.RetiredAtMs != nil {
			if k.RetiredAt = fromMs(*l.RetiredAtMs); k.RetiredAt.IsZero() {
				// The zero time means "current"; it would not read back.
				return bad("retiredAtMs %d is the zero time", *l.RetiredAtMs)
			}
		}
		return web.DumpRecord{SigningKey: k}, l, nil
	case "category":
		var l categoryLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.RetailerID == "" || l.ID == "" {
			return bad("needs a retailerId and an id")
		}
		return web.DumpRecord{Category: &web.DumpCategory{RetailerID: l.RetailerID, ID: l.ID, Name: l.Name, Position: l.Position}}, l, nil
	case "product":
		var l productLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.RetailerID == "" || l.ID == "" || l.Category == "" {
			return bad("needs a retailerId, an id and a category")
		}
		if l.Width < 0 || l.Depth < 0 || l.Height < 0 || l.Price < 0 || l.MountHeight < 0 {
			return bad("width, depth, height, mountHeight and price must not be negative")
		}
		if l.Mount != "" && l.Mount != web.MountWall {
			return bad(`mount must be "" or "wall"`)
		}
		if l.Image != "" {
			if _, err := web.ParseImageURL(l.Image); err != nil {
				return bad("image %v", err)
			}
		}
		return web.DumpRecord{Product: &web.DumpProduct{Product: web.Product{ID: l.ID, RetailerID: l.RetailerID,
			Name: l.Name, Category: l.Category, Description: l.Description, Width: l.Width, Depth: l.Depth,
			Height: l.Height, Price: l.Price, Currency: l.Currency, Color: l.Color,
			Mount: l.Mount, MountHeight: l.MountHeight, Image: l.Image}, UpdatedAt: fromMs(l.UpdatedAtMs)}}, l, nil
	case "project":
		var l projectLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.ID == "" || l.RetailerID == "" || l.OwnerUID == "" {
			return bad("needs an id, a retailerId and an ownerUid")
		}
		if l.Version < 1 {
			return bad("version must be at least 1, got %d", l.Version)
		}
		if l.Items == nil {
			return bad("items must be a list")
		}
		return web.DumpRecord{Project: &web.Project{ProjectDoc: web.ProjectDoc{Name: l.Name, Room: l.Room, Items: l.Items},
			ID: l.ID, RetailerID: l.RetailerID, OwnerUID: l.OwnerUID, Version: l.Version,
			CreatedAt: fromMs(l.CreatedAtMs), UpdatedAt: fromMs(l.UpdatedAtMs)}}, l, nil
	case "idempotency":
		var l idempotencyLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.RetailerID == "" || l.OwnerUID == "" || l.Key == "" || l.ProjectID == "" {
			return bad("needs a retailerId, an ownerUid, a key and a projectId")
		}
		return web.DumpRecord{Idempotency: &web.IdempotencyRecord{RetailerID: l.RetailerID, OwnerUID: l.OwnerUID,
			Key: l.Key, RequestHash: l.RequestHash, ProjectID: l.ProjectID, CreatedAt: fromMs(l.CreatedAtMs)}}, l, nil
	case "metric":
		var l metricLine
		if err := decode(&l); err != nil {
			return web.DumpRecord{}, nil, err
		}
		if l.RetailerID == "" || l.Name == "" || len(l.Name) > maxMetricName {
			return bad("needs a retailerId and a name of at most %d bytes", maxMetricName)
		}
		if l.MinuteMs < 0 || l.MinuteMs%60_000 != 0 {
			return bad("minuteMs %d is not the start of a minute", l.MinuteMs)
		}
		if l.Value < 0 {
			return bad("value must not be negative, got %d", l.Value)
		}
		return web.DumpRecord{Metric: &web.MetricCount{RetailerID: l.RetailerID, Minute: fromMs(l.MinuteMs), Name: l.Name, Value: l.Value}}, l, nil
	case "header":
		return web.DumpRecord{}, nil, r.errorf("a second header line")
	case "":
		return web.DumpRecord{}, nil, r.errorf(`no "type"`)
	}
	return web.DumpRecord{}, nil, r.errorf("unknown record type %q (this planner knows %v)", typ, Types)
}

// maxMetricName bounds a metric name (web/retailermetrics' are far shorter).
const maxMetricName = 64

// Compare reports the first type whose count or checksum differs between a
// and b, or "" if they agree. A type one side does not list (a version 1
// dump has no console users) counts as none of it.
func Compare(a, b []TypeStats) string {
	empty := hex.EncodeToString(sha256.New().Sum(nil))
	get := func(s []TypeStats, t string) TypeStats {
		for _, ts := range s {
			if ts.Type == t {
				return ts
			}
		}
		return TypeStats{Type: t, SHA256: empty}
	}
	var names []string
	for _, s := range [][]TypeStats{a, b} {
		for _, ts := range s {
			if !slices.Contains(names, ts.Type) {
				names = append(names, ts.Type)
			}
		}
	}
	for _, t := range names {
		if get(a, t) != get(b, t) {
			return t
		}
	}
	return ""
}

// themeCanonical reports whether t's colours are in lower case, the one form
// a dump writes (so a dump read and written again is the same bytes).
func themeCanonical(t web.Theme) bool {
	for _, c := range []string{t.Accent, t.AccentText, t.Text, t.Muted, t.Surface, t.Background, t.Border} {
		if c != strings.ToLower(c) {
			return false
		}
	}
	return true
}
