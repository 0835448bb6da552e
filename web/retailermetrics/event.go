package retailermetrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/roomplanner/planner/web"
)

// Limits of one POST /v1/events batch.
const (
	MaxBatchBytes  = 4 << 10
	MaxBatchEvents = 32
	maxCount       = 100
	maxLines       = 500
	maxValue       = 10_000_000_000 // minor units: a hundred million in the major unit
	maxHeldCalls   = 1000
	maxHoldMillis  = 10 * 60 * 1000
	minLoadLen     = 16
	maxLoadLen     = 64
)

// Event types of a batch.
const (
	EventPlannerOpened = "planner.opened"
	EventPlannerClosed = "planner.closed"
	EventProductAdded  = "product.added"
	EventBasketSent    = "basket.sent"
	EventTokenExpired  = "token.expired"
	EventHeldFailed    = "held.failed"
	EventAuthFailed    = "auth.failed"
	EventHeartbeat     = "heartbeat"
)

// Batch is a parsed POST /v1/events body: what one iframe load reports.
type Batch struct {
	Load          string // the load's anonymous id, kept in memory only
	Opened        bool
	Closed        bool
	Heartbeat     bool
	ProductsAdded int64
	Baskets       []Basket
	Episodes      []Episode
	HeldFailed    int64
	AuthFailures  map[Counter]int64 // AuthFailedInvalidToken, AuthFailedForbidden, AuthFailedOther
}

// Basket is one AddToBasket the planner posted.
type Basket struct {
	Lines    int64
	Value    int64 // minor units of Currency
	Currency string
}

// Episode is one TokenExpired episode that ended.
type Episode struct {
	HeldCalls int64
	Hold      time.Duration
}

// ParseBatch decodes a batch strictly: one JSON object with exactly the keys
// "load" and "events" (case-sensitive, each once, no others), a load id of
// 16-64 characters [A-Za-z0-9_-], 1-MaxBatchEvents events, each an object of
// a known type with exactly that type's fields, every number a whole number
// in its range; no trailing data. Errors are web.EValidation, safe to send.
//
//	{"load":"k3Jf...","events":[{"type":"planner.opened"},{"type":"product.added","count":2},
//	 {"type":"basket.sent","lines":3,"value":12900,"currency":"EUR"},
//	 {"type":"token.expired","heldCalls":2,"holdMs":1400},{"type":"held.failed","count":1},
//	 {"type":"auth.failed","reason":"invalid_token"}]}
func ParseBatch(data []byte) (Batch, error) {
	var b Batch
	if len(data) > MaxBatchBytes {
		return b, &web.Error{Code: web.EPayloadTooLarge, Message: "an event batch is at most 4 KiB"}
	}
	if !utf8.Valid(data) {
		return b, web.Errorf(web.EValidation, "body is not UTF-8 text")
	}
	f, err := object(data, "body", "load", "events")
	if err != nil {
		return b, err
	}
	if b.Load, err = str(f["load"], "load"); err != nil {
		return b, err
	}
	if !validLoad(b.Load) {
		return b, web.FieldErrorf("load", "must be %d-%d characters of A-Z, a-z, 0-9, _ and -", minLoadLen, maxLoadLen)
	}
	raw := f["events"]
	if len(raw) == 0 || raw[0] != '[' {
		return b, web.FieldErrorf("events", "must be an array")
	}
	var events []json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil {
		return b, web.FieldErrorf("events", "is not valid JSON")
	}
	if len(events) == 0 || len(events) > MaxBatchEvents {
		return b, web.FieldErrorf("events", "must hold 1-%d events", MaxBatchEvents)
	}
	for i, e := range events {
		if err := b.add(e, "events["+strconv.Itoa(i)+"]"); err != nil {
			return Batch{}, err
		}
	}
	return b, nil
}

// add parses one event into b.
func (b *Batch) add(raw json.RawMessage, name string) error {
	typ, err := peekType(raw, name)
	if err != nil {
		return err
	}
	var f map[string]json.RawMessage
	num := func(key string, min, max int64) (int64, error) { return integer(f[key], name+"."+key, min, max) }
	switch typ {
	case EventPlannerOpened, EventPlannerClosed, EventHeartbeat:
		if _, err = object(raw, name, "type"); err != nil {
			return err
		}
		switch typ {
		case EventPlannerOpened:
			b.Opened = true
		case EventPlannerClosed:
			b.Closed = true
		default:
			b.Heartbeat = true
		}
	case EventProductAdded, EventHeldFailed:
		if f, err = object(raw, name, "type", "count"); err != nil {
			return err
		}
		n, err := num("count", 1, maxCount)
		if err != nil {
			return err
		}
		if typ == EventProductAdded {
			b.ProductsAdded += n
		} else {
			b.HeldFailed += n
		}
	case EventBasketSent:
		if f, err = object(raw, name, "type", "lines", "value", "currency"); err != nil {
			return err
		}
		var bk Basket
		if bk.Lines, err = num("lines", 1, maxLines); err != nil {
			return err
		}
		if bk.Value, err = num("value", 0, maxValue); err != nil {
			return err
		}
		if bk.Currency, err = str(f["currency"], name+".currency"); err != nil {
			return err
		}
		if !validCurrency(bk.Currency) {
			return web.FieldErrorf(name+".currency", "must be an ISO 4217 code of three capital letters")
		}
		b.Baskets = append(b.Baskets, bk)
	case EventTokenExpired:
		if f, err = object(raw, name, "type", "heldCalls", "holdMs"); err != nil {
			return err
		}
		var ep Episode
		if ep.HeldCalls, err = num("heldCalls", 0, maxHeldCalls); err != nil {
			return err
		}
		ms, err := num("holdMs", 0, maxHoldMillis)
		if err != nil {
			return err
		}
		ep.Hold = time.Duration(ms) * time.Millisecond
		b.Episodes = append(b.Episodes, ep)
	case EventAuthFailed:
		if f, err = object(raw, name, "type", "reason"); err != nil {
			return err
		}
		reason, err := str(f["reason"], name+".reason")
		if err != nil {
			return err
		}
		c, ok := authReasons[reason]
		if !ok {
			return web.FieldErrorf(name+".reason", "must be invalid_token, forbidden or other")
		}
		if b.AuthFailures == nil {
			b.AuthFailures = map[Counter]int64{}
		}
		b.AuthFailures[c]++
	default:
		return web.FieldErrorf(name+".type", "is not a known event type")
	}
	return nil
}

var authReasons = map[string]Counter{
	"invalid_token": AuthFailedInvalidToken,
	"forbidden":     AuthFailedForbidden,
	"other":         AuthFailedOther,
}

// peekType returns the "type" member of an event object, which must be a
// string; object then checks the event's whole shape.
func peekType(raw json.RawMessage, name string) (string, error) {
	var probe map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &probe) != nil {
		return "", web.FieldErrorf(name, "must be a JSON object")
	}
	// encoding/json matches keys case-insensitively; object does not, so a
	// "Type" key is refused there. Here only the exact key counts.
	t, ok := probe["type"]
	if !ok {
		return "", web.FieldErrorf(name+".type", "is required")
	}
	return str(t, name+".type")
}

// object decodes data, which must be one JSON object with exactly the keys
// named (exact case, each once), returning their raw values.
func object(data []byte, name string, keys ...string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, web.FieldErrorf(name, "must be a JSON object")
	}
	out := make(map[string]json.RawMessage, len(keys))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, web.FieldErrorf(name, "is not valid JSON")
		}
		key, _ := tok.(string)
		known := false
		for _, k := range keys {
			known = known || k == key
		}
		if !known {
			return nil, web.FieldErrorf(name, "has an unknown field %q", shorten(key))
		}
		if _, dup := out[key]; dup {
			return nil, web.FieldErrorf(name, "has the field %q twice", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, web.FieldErrorf(name, "is not valid JSON")
		}
		out[key] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, web.FieldErrorf(name, "is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, web.FieldErrorf(name, "has data after the JSON object")
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			return nil, web.FieldErrorf(joinName(name, k), "is required")
		}
	}
	return out, nil
}

func joinName(parent, key string) string {
	if parent == "body" {
		return key
	}
	return parent + "." + key
}

// str decodes a raw JSON value that must be a non-empty string.
func str(raw json.RawMessage, field string) (string, error) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", web.FieldErrorf(field, "must be a string")
	}
	if s == "" {
		return "", web.FieldErrorf(field, "is required")
	}
	return s, nil
}

// integer decodes a raw JSON number that must be a whole number from min to
// max, written plainly (no fraction, exponent or sign).
func integer(raw json.RawMessage, field string, min, max int64) (int64, error) {
	s := string(raw)
	if s == "" || len(s) > 12 || (len(s) > 1 && s[0] == '0') {
		return 0, web.FieldErrorf(field, "must be a whole number from %d to %d", min, max)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, web.FieldErrorf(field, "must be a whole number from %d to %d", min, max)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		return 0, web.FieldErrorf(field, "must be a whole number from %d to %d", min, max)
	}
	return n, nil
}

func validLoad(s string) bool {
	if len(s) < minLoadLen || len(s) > maxLoadLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validCurrency(s string) bool {
	return len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z'
}

// shorten cuts client input echoed in an error to 40 bytes on a rune boundary.
func shorten(s string) string {
	n := 40
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Record counts a parsed batch from an iframe load of retailerID whose token
// was of a signed-in user (signedIn). It remembers the load id in memory to
// count open planners, and counts planner.opened once per load.
func (r *Recorder) Record(retailerID string, signedIn bool, b Batch) {
	if r == nil {
		return
	}
	now := r.cfg.Clock()
	if b.Closed {
		r.presence.closed(retailerID, b.Load)
	} else {
		firstIn, _, l := r.presence.seen(retailerID, b.Load, signedIn, now)
		if firstIn {
			r.Add(retailerID, VisitorsSignedIn, 1)
		}
		if b.Opened {
			// Once per load: a replayed batch does not open it twice.
			first := true
			if l != nil {
				r.presence.mu.Lock()
				first, l.opened = !l.opened, true
				r.presence.mu.Unlock()
			}
			if first {
				r.Add(retailerID, PlannerOpened, 1)
			}
		}
	}
	r.Add(retailerID, ProductAdded, b.ProductsAdded)
	for _, bk := range b.Baskets {
		r.Add(retailerID, BasketSent, 1)
		r.Add(retailerID, BasketLines, bk.Lines)
		r.addValue(retailerID, bk.Currency, bk.Value)
	}
	for _, ep := range b.Episodes {
		r.Add(retailerID, ExpiryEpisodes, 1)
		r.Add(retailerID, HeldCalls, ep.HeldCalls)
		r.Add(retailerID, HoldMillis, ep.Hold.Milliseconds())
		r.Add(retailerID, holdCounter(ep.Hold), 1)
	}
	r.Add(retailerID, HeldFailed, b.HeldFailed)
	for c, n := range b.AuthFailures {
		r.Add(retailerID, c, n)
	}
}
