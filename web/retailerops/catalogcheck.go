package retailerops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/catalog"
)

// CatalogProblem is one thing wrong in a catalog import file: the record it
// is in (e.g. "products[12]", by its index in the file as uploaded; empty
// for the file as a whole), the field (e.g. "products[12].width") and a
// message that names both.
type CatalogProblem struct {
	Record  string `json:"record,omitempty"`
	ID      string `json:"id,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// MaxCatalogProblems is how many problems CheckCatalog lists at most.
const MaxCatalogProblems = 20

var recordRef = regexp.MustCompile(`^(categories|products)\[(\d+)\]`)

// ImageOriginProblems lists (at most MaxCatalogProblems) the products of a
// checked file whose image is not on one of the retailer's image origins
// (catalog.ImageOriginErrors), as CheckCatalog lists its problems.
func ImageOriginProblems(f catalog.File, imageOrigins []string) []CatalogProblem {
	var out []CatalogProblem
	for _, err := range catalog.ImageOriginErrors(f, imageOrigins, MaxCatalogProblems) {
		we, _ := err.(*web.Error)
		if we == nil {
			out = append(out, CatalogProblem{Message: err.Error()})
			continue
		}
		p := CatalogProblem{Field: we.Field, Message: we.Message}
		if m := recordRef.FindStringSubmatch(we.Field); m != nil {
			p.Record = m[0]
			if i, _ := strconv.Atoi(m[2]); i < len(f.Products) {
				p.ID = f.Products[i].ID
			}
		}
		out = append(out, p)
	}
	return out
}

// CheckCatalog parses and validates an import file as catalog.Parse does
// (the same rules, the same first error) and, when it is bad, goes on
// looking: it sets each bad record aside and validates the rest again, so
// the console can show up to MaxCatalogProblems problems, each against its
// record. Products whose only fault is a category set aside for its own
// fault are not listed (the category's problem is). A problem outside any
// record (not JSON, an unknown top-level key) ends the search. The File is
// usable only when there are no problems.
func CheckCatalog(data []byte) (catalog.File, []CatalogProblem) {
	f, err := catalog.Parse(bytes.NewReader(data))
	if err == nil {
		return f, nil
	}
	var top map[string]json.RawMessage
	var recs = map[string][]json.RawMessage{}
	orig := map[string][]int{} // index in the current arrays -> index in the upload
	splittable := json.Unmarshal(bytes.TrimPrefix(data, []byte("\uFEFF")), &top) == nil
	for _, k := range []string{"categories", "products"} {
		if raw, ok := top[k]; ok && splittable {
			var arr []json.RawMessage
			if json.Unmarshal(raw, &arr) != nil {
				splittable = false
				continue
			}
			recs[k] = arr
			idx := make([]int, len(arr))
			for i := range idx {
				idx[i] = i
			}
			orig[k] = idx
		}
	}
	setAside := map[string]bool{} // ids of categories set aside
	var out []CatalogProblem
	for len(out) < MaxCatalogProblems {
		we, ok := err.(*web.Error)
		if !ok {
			return catalog.File{}, append(out, CatalogProblem{Message: web.ErrorMessage(err)})
		}
		m := recordRef.FindStringSubmatch(we.Field)
		if m == nil && len(out) > 0 {
			// Left by what was set aside (say, no products remain).
			return catalog.File{}, out
		}
		if m == nil || !splittable {
			return catalog.File{}, append(out, CatalogProblem{Field: we.Field, Message: we.Message})
		}
		kind := m[1]
		i, _ := strconv.Atoi(m[2])
		if i >= len(recs[kind]) {
			return catalog.File{}, append(out, CatalogProblem{Field: we.Field, Message: we.Message})
		}
		var rec struct {
			ID       any `json:"id"`
			Category any `json:"category"`
		}
		_ = json.Unmarshal(recs[kind][i], &rec)
		id, _ := rec.ID.(string)
		cat, _ := rec.Category.(string)
		if kind == "categories" && id != "" {
			setAside[id] = true
		}
		// A product that names a category set aside is dropped unlisted.
		if !(kind == "products" && we.Field == m[0]+".category" && setAside[cat]) {
			name := fmt.Sprintf("%s[%d]", kind, orig[kind][i])
			out = append(out, CatalogProblem{Record: name, ID: id,
				Field:   name + strings.TrimPrefix(we.Field, m[0]),
				Message: strings.Replace(we.Message, m[0], name, 1)})
		}
		recs[kind] = append(recs[kind][:i:i], recs[kind][i+1:]...)
		orig[kind] = append(orig[kind][:i:i], orig[kind][i+1:]...)
		for k, v := range recs {
			if v == nil {
				v = []json.RawMessage{}
			}
			top[k], _ = json.Marshal(v)
		}
		next, _ := json.Marshal(top)
		if _, err = catalog.Parse(bytes.NewReader(next)); err == nil {
			break
		}
	}
	return catalog.File{}, out
}
