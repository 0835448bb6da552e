package retailerops_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/catalog"
	"github.com/roomplanner/planner/web/retailerops"
)

func TestImageOrigins(t *testing.T) {
	t.Parallel()
	ops, _, r := setup(t)
	ctx := t.Context()
	got, err := ops.AddImageOrigin(ctx, r.ID, " https://IMG.Shop.example:443/ ")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://img.shop.example"}; !slices.Equal(got.ImageOrigins, want) {
		t.Errorf("ImageOrigins = %v, want %v", got.ImageOrigins, want)
	}
	for _, bad := range []string{"http://img.shop.example", "https://*.shop.example", "https://img.shop.example/path",
		"img.shop.example", "'self'", "https://u@img.shop.example", "data:"} {
		if _, err := ops.AddImageOrigin(ctx, r.ID, bad); web.ErrorCode(err) != web.EValidation {
			t.Errorf("AddImageOrigin(%q) = %v, want validation_failed", bad, err)
		}
	}
	if _, err := ops.AddImageOrigin(ctx, "le_missing", "https://img.shop.example"); web.ErrorCode(err) != web.ENotFound {
		t.Errorf("AddImageOrigin on a missing retailer = %v, want not_found", err)
	}
	got, err = ops.RemoveImageOrigin(ctx, r.ID, "https://img.shop.example/")
	if err != nil || len(got.ImageOrigins) != 0 {
		t.Errorf("RemoveImageOrigin = %v, %v; want none left", got.ImageOrigins, err)
	}
	if _, err := ops.RemoveImageOrigin(ctx, r.ID, "https://img.shop.example"); web.ErrorCode(err) != web.ENotFound {
		t.Errorf("RemoveImageOrigin twice = %v, want not_found", err)
	}
}

func TestImgSrc(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		origins []string
		want    string
	}{
		{nil, "img-src 'self' data:"},
		{[]string{"http://127.0.0.1:9000", "https://img.shop.example"}, "img-src 'self' data: http://127.0.0.1:9000 https://img.shop.example"},
	} {
		if got := retailerops.ImgSrc(tc.origins); got != tc.want {
			t.Errorf("ImgSrc(%v) = %q, want %q", tc.origins, got, tc.want)
		}
	}
}

// TestImportCatalogChecksImageOrigins: an image on an origin the retailer
// has not registered refuses the whole import, naming the product; once the
// origin is registered the same file imports and the image reads back.
func TestImportCatalogChecksImageOrigins(t *testing.T) {
	t.Parallel()
	ops, st, r := setup(t)
	ctx := t.Context()
	file := `{"currency":"EUR","categories":[{"id":"sofas","name":"Sofas"}],"products":[
		{"id":"plain","name":"Plain","category":"sofas","width":100,"depth":80,"height":70,"price":100,"color":"#112233"},
		{"id":"pictured","name":"Pictured","category":"sofas","width":100,"depth":80,"height":70,"price":100,"color":"#112233",
		 "image":"https://img.shop.example/pictured.jpg"}]}`
	f, err := catalog.Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ops.ImportCatalog(ctx, r.ID, f, false)
	var we *web.Error
	if !errors.As(err, &we) || we.Field != "products[1].image" || !strings.Contains(we.Message, "https://img.shop.example") {
		t.Fatalf("import with an unregistered image origin = %v, want a refusal of products[1].image naming the origin", err)
	}
	if ps, _, _ := st.Products(ctx, r.ID, web.ProductQuery{}); len(ps) != 0 {
		t.Errorf("a refused import left %d products", len(ps))
	}
	if _, err := ops.AddImageOrigin(ctx, r.ID, "https://img.shop.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := ops.ImportCatalog(ctx, r.ID, f, false); err != nil {
		t.Fatalf("import once the origin is registered: %v", err)
	}
	p, err := st.Product(ctx, r.ID, "pictured")
	if err != nil || p.Image != "https://img.shop.example/pictured.jpg" {
		t.Errorf("Product = %+v, %v; want its image", p, err)
	}
}
