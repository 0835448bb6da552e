package web

// Category is a catalog category of one retailer.
type Category struct {
	ID       string `json:"id"`   // slug, e.g. "sofas"
	Name     string `json:"name"` // display name
	Position int    `json:"-"`
	Count    int    `json:"count"` // products in the category
}

// Product is a catalog product. Dimensions are the footprint and height in
// centimetres; Price is in minor units of Currency (e.g. cents of EUR).
type Product struct {
	ID          string `json:"id"`
	RetailerID  string `json:"-"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	Description string `json:"description,omitempty"`
	Width       int    `json:"width"`  // cm, along x when not rotated
	Depth       int    `json:"depth"`  // cm, along y when not rotated
	Height      int    `json:"height"` // cm
	Price       int64  `json:"price"`  // minor units
	Currency    string `json:"currency"`
	Color       string `json:"color"` // "#rrggbb"
	// Mount is where the product goes: "" stands on the floor, MountWall
	// hangs on a wall (cabinets, shelves, a TV), MountHeight cm above the
	// floor to its underside.
	Mount       string `json:"mount,omitempty"`
	MountHeight int    `json:"mountHeight,omitempty"`
	// Image is the product's picture (a photo or a top-down view), an
	// absolute URL checked by ParseImageURL whose origin is one of the
	// retailer's ImageOrigins when it was imported; "" for none, and the
	// planner draws the product's symbol.
	Image string `json:"image,omitempty"`
}

// MountWall is Product.Mount of a product that hangs on a wall.
const MountWall = "wall"

// ProductQuery filters and pages a retailer's products. Products are ordered by
// ID; Cursor is the last ID of the previous page.
type ProductQuery struct {
	Category string
	Q        string // case-insensitive substring of name or description
	Limit    int
	Cursor   string
}
