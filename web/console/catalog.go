package console

import (
	"fmt"
	"io"
	"net/http"

	"github.com/roomplanner/planner/templates"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/catalog"
	"github.com/roomplanner/planner/web/retailerops"
)

// catalogPage is how many products the console lists at a time.
const catalogPage = 50

// catalogImport answers POST /console/catalog (the file as the body,
// ?replace=1 to make it the whole catalog) for the session's retailer. The
// file is checked whole first (retailerops.CheckCatalog): with any problem
// the answer is 422 {"problems": [...]} and nothing is imported; otherwise it
// is imported by retailerops.ImportCatalog, as "planner catalog import" does,
// and the store's change log brings the catalog event to open planners.
func (h *Handler) catalogImport(w http.ResponseWriter, r *http.Request) {
	s := h.signedIn(w, r)
	if s == nil {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, catalog.MaxFileSize))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"problems": []retailerops.CatalogProblem{
			{Message: web.ErrorMessage(web.Errorf(web.EPayloadTooLarge, "the catalog file is larger than %d MiB", catalog.MaxFileSize>>20))}}})
		return
	}
	file, problems := retailerops.CheckCatalog(data)
	if len(problems) == 0 {
		// Images on origins the retailer has not registered, each against its record.
		ret, err := h.retailers.Retailer(r.Context(), s.user.RetailerID)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"problems": []retailerops.CatalogProblem{{Message: "The import failed and nothing was imported; try again."}}})
			return
		}
		problems = retailerops.ImageOriginProblems(file, ret.ImageOrigins)
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"problems": problems})
		return
	}
	done, err := h.ops.ImportCatalog(r.Context(), s.user.RetailerID, file, r.URL.Query().Get("replace") == "1")
	if web.ErrorCode(err) == web.EValidation { // an image origin removed meanwhile
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"problems": []retailerops.CatalogProblem{{Message: web.ErrorMessage(err)}}})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"problems": []retailerops.CatalogProblem{{Message: "The import failed and nothing was imported; try again."}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": done})
}

// catalogProps fills the page's catalog: the categories and one page of
// products (?q= filters by name, ?after= is the cursor of the next page).
func (h *Handler) catalogProps(r *http.Request, retailerID string, p *templates.ConsolePageProps) error {
	cats, err := h.retailers.Categories(r.Context(), retailerID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	prods, next, err := h.retailers.Products(r.Context(), retailerID, web.ProductQuery{Q: q.Get("q"), Cursor: q.Get("after"), Limit: catalogPage})
	if err != nil && web.ErrorCode(err) != web.EValidation {
		return err
	}
	p.CatalogQuery, p.CatalogNext = q.Get("q"), next
	for _, c := range cats {
		p.Categories = append(p.Categories, templates.ConsoleCategory{ID: c.ID, Name: c.Name, Count: c.Count})
	}
	for _, pr := range prods {
		p.Products = append(p.Products, templates.ConsoleProduct{ID: pr.ID, Name: pr.Name, Category: pr.Category,
			Size:  fmt.Sprintf("%d × %d × %d cm", pr.Width, pr.Depth, pr.Height),
			Price: fmt.Sprintf("%d.%02d %s", pr.Price/100, pr.Price%100, pr.Currency)})
	}
	return nil
}
