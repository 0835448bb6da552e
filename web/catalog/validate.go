package catalog

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/roomplanner/planner/web"
)

// validate checks the decoded records against the rules of the package doc
// and builds the File; its error names the first bad record and field.
func validate(currency string, raws []rawCategory, prods []rawProduct) (File, error) {
	if currency != "" && !isCurrency(currency) {
		return File{}, web.FieldErrorf("currency", "must be an ISO 4217 code of 3 upper-case letters such as EUR, got %q", truncate(currency, 20))
	}
	f := File{Currency: currency, Categories: make([]web.Category, 0, len(raws))}
	catIndex := make(map[string]int, len(raws))
	folded := make(map[string]string, len(raws))
	for i, c := range raws {
		rec := fmt.Sprintf("categories[%d]", i)
		if err := checkID(rec, c.ID, folded); err != nil {
			return File{}, err
		}
		if problem := checkText(c.Name, MaxNameLen, false); problem != "" {
			return File{}, recordError(rec, c.ID, "name", "%s", problem)
		}
		catIndex[c.ID] = i
		f.Categories = append(f.Categories, web.Category{ID: c.ID, Name: c.Name, Position: i})
	}
	if len(prods) == 0 {
		return File{}, web.FieldErrorf("products", "must list at least one product")
	}
	f.Products = make([]web.Product, 0, len(prods))
	clear(folded)
	for i, p := range prods {
		rec := fmt.Sprintf("products[%d]", i)
		if err := checkID(rec, p.ID, folded); err != nil {
			return File{}, err
		}
		if problem := checkText(p.Name, MaxNameLen, false); problem != "" {
			return File{}, recordError(rec, p.ID, "name", "%s", problem)
		}
		ci, ok := catIndex[p.Category]
		switch {
		case p.Category == "":
			return File{}, recordError(rec, p.ID, "category", "is required")
		case !ok:
			return File{}, recordError(rec, p.ID, "category", "%q is not one of the file's categories", truncate(p.Category, MaxIDLen))
		}
		if p.Description != "" {
			if problem := checkText(p.Description, MaxDescriptionLen, true); problem != "" {
				return File{}, recordError(rec, p.ID, "description", "%s", problem)
			}
		}
		for _, d := range []struct {
			name string
			v    *int
			max  int
		}{{"width", p.Width, MaxFootprintCm}, {"depth", p.Depth, MaxFootprintCm}, {"height", p.Height, MaxHeightCm}} {
			switch {
			case d.v == nil:
				return File{}, recordError(rec, p.ID, d.name, "is required (whole centimetres)")
			case *d.v < 1 || *d.v > d.max:
				return File{}, recordError(rec, p.ID, d.name, "must be between 1 and %d cm, got %d", d.max, *d.v)
			}
		}
		switch {
		case p.Price == nil:
			return File{}, recordError(rec, p.ID, "price", "is required (in minor units, e.g. cents)")
		case *p.Price < 0 || *p.Price > MaxPrice:
			return File{}, recordError(rec, p.ID, "price", "must be between 0 and %d minor units, got %d", MaxPrice, *p.Price)
		}
		cur := p.Currency
		switch {
		case cur == "" && currency == "":
			return File{}, recordError(rec, p.ID, "currency", "is required: set it on the product or once for the whole file")
		case cur == "":
			cur = currency
		case !isCurrency(cur):
			return File{}, recordError(rec, p.ID, "currency", "must be an ISO 4217 code of 3 upper-case letters such as EUR, got %q", truncate(cur, 20))
		}
		switch {
		case p.Color == "":
			return File{}, recordError(rec, p.ID, "color", "is required (#rrggbb)")
		case !isColor(p.Color):
			return File{}, recordError(rec, p.ID, "color", "must be a hex colour #rrggbb, got %q", truncate(p.Color, 20))
		}
		mount, mountHeight, err := checkMount(rec, p)
		if err != nil {
			return File{}, err
		}
		var image string
		if p.Image != nil {
			image = *p.Image
			if _, err := web.ParseImageURL(image); err != nil {
				return File{}, recordError(rec, p.ID, "image", "%v", err)
			}
		}
		f.Categories[ci].Count++
		f.Products = append(f.Products, web.Product{
			ID: p.ID, Name: p.Name, Category: p.Category, Description: p.Description,
			Width: *p.Width, Depth: *p.Depth, Height: *p.Height,
			Price: *p.Price, Currency: cur, Color: strings.ToLower(p.Color),
			Mount: mount, MountHeight: mountHeight, Image: image,
		})
	}
	return f, nil
}

// checkMount validates a product's mount and mountHeight and returns them as
// stored: "" and 0 for a floor product.
func checkMount(rec string, p rawProduct) (string, int, error) {
	switch p.Mount {
	case "", "floor":
		if p.MountHeight != nil {
			return "", 0, recordError(rec, p.ID, "mountHeight", "is only for wall-mounted products (mount \"wall\")")
		}
		return "", 0, nil
	case web.MountWall:
	default:
		return "", 0, recordError(rec, p.ID, "mount", "must be \"floor\" or \"wall\", got %q", truncate(p.Mount, 20))
	}
	switch h := p.MountHeight; {
	case h == nil:
		return "", 0, recordError(rec, p.ID, "mountHeight", "is required for a wall-mounted product (cm from the floor to its underside)")
	case *h < 0 || *h+*p.Height > MaxHeightCm:
		return "", 0, recordError(rec, p.ID, "mountHeight", "must be 0 or more, with height, at most %d cm, got %d", MaxHeightCm, *h)
	}
	return web.MountWall, *p.MountHeight, nil
}

// checkID validates a record's id and that no earlier record has it.
// folded maps the ASCII-lower-cased ids seen so far to their records: ids
// differing only in case are duplicates, as stores and URLs may fold case.
func checkID(rec, id string, folded map[string]string) error {
	switch {
	case id == "":
		return recordError(rec, id, "id", "is required")
	case len(id) > MaxIDLen || !web.IsToken(id):
		return recordError(rec, id, "id", "must be 1-%d letters, digits, '-', '_' or '.', got %q", MaxIDLen, truncate(id, MaxIDLen+1))
	case strings.Trim(id, ".") == "":
		return recordError(rec, id, "id", "must not be made of dots only, got %q", id)
	}
	key := strings.ToLower(id)
	if prev, ok := folded[key]; ok {
		return &web.Error{Code: web.EValidation, Field: rec + ".id",
			Message: fmt.Sprintf("%s: id %q is already used by %s", label(rec, id), id, prev)}
	}
	folded[key] = rec
	return nil
}

// checkText validates a name or description, returning what is wrong or "".
func checkText(s string, maxLen int, multiline bool) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is required"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(s) > maxLen:
		return fmt.Sprintf("must be at most %d characters, got %d", maxLen, utf8.RuneCountInString(s))
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("must not contain control characters, found %U at byte %d", r, i)
	}
	return ""
}

// validID reports whether id is a well-formed product or category id.
func validID(id string) bool {
	return len(id) <= MaxIDLen && web.IsToken(id) && strings.Trim(id, ".") != ""
}

func isCurrency(s string) bool {
	return len(s) == 3 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

func isColor(s string) bool {
	return len(s) == 7 && s[0] == '#' && strings.Trim(s[1:], "0123456789abcdefABCDEF") == ""
}

// CheckImageOrigins checks that every product image of f is served from one
// of origins (a retailer's registered image origins, as
// web.NormalizeImageOrigin writes them), so that the planner page's CSP
// img-src lets it load. Its error names the first product at fault, by its
// index in the file as Parse's errors do, and the command that registers
// the origin.
func CheckImageOrigins(f File, origins []string) error {
	if errs := ImageOriginErrors(f, origins, 1); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// ImageOriginErrors is CheckImageOrigins' errors for every product at
// fault, at most limit of them, in file order.
func ImageOriginErrors(f File, origins []string, limit int) []error {
	var errs []error
	for i, p := range f.Products {
		if len(errs) >= limit {
			break
		}
		if p.Image == "" {
			continue
		}
		rec := fmt.Sprintf("products[%d]", i)
		origin, err := web.ParseImageURL(p.Image)
		switch {
		case err != nil: // Parse has checked it; a File built by hand may not be
			errs = append(errs, recordError(rec, p.ID, "image", "%v", err))
		case !slices.Contains(origins, origin):
			errs = append(errs, recordError(rec, p.ID, "image",
				"is on %s, which is not one of the retailer's image origins (register it with planner entity image-origin add, or on the console's Embedding page)", origin))
		}
	}
	return errs
}
