package site

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/roomplanner/planner/templates"
)

func (s *Site) handleBasket(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	items, err := s.store.Basket(c.Request().Context(), sess.ID)
	if err != nil {
		return err
	}
	props := templates.BasketPageProps{Layout: s.layout(c, sess, "Basket")}
	var total int64
	currency := "EUR"
	for _, it := range items {
		line := int64(it.Quantity) * it.UnitPrice
		total += line
		currency = it.Currency
		props.Lines = append(props.Lines, templates.BasketLine{
			ProductID: it.ProductID, Name: it.Name, Quantity: it.Quantity,
			UnitPrice: formatMoney(it.UnitPrice, it.Currency), Total: formatMoney(line, it.Currency),
		})
	}
	props.Total = formatMoney(total, currency)
	return templates.Render(c.Response(), c.Request(), http.StatusOK, templates.BasketPage(props))
}

// basketRequest is what the plan page forwards from the planner's AddToBasket.
type basketRequest struct {
	CSRF  string       `json:"csrf"`
	Items []BasketItem `json:"items"`
}

func (s *Site) handleBasketAdd(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	var req basketRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 128<<10))
	if err := dec.Decode(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "basket: invalid JSON")
	}
	if req.CSRF != sess.CSRF {
		return echo.NewHTTPError(http.StatusForbidden, "the page has expired; reload it")
	}
	if err := validateBasket(req.Items); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	if err := s.store.AddToBasket(c.Request().Context(), sess.ID, req.Items); err != nil {
		return err
	}
	items, err := s.store.Basket(c.Request().Context(), sess.ID)
	if err != nil {
		return err
	}
	n := 0
	for _, it := range items {
		n += it.Quantity
	}
	return c.JSON(http.StatusOK, map[string]int{"count": n})
}

func (s *Site) handleBasketClear(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if c.FormValue("csrf") != sess.CSRF {
		return errFormExpired
	}
	if err := s.store.ClearBasket(c.Request().Context(), sess.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/basket")
}

// validateBasket checks what the planner sent. A real shop would re-price
// every line from its own catalog; this one shows what arrived.
func validateBasket(items []BasketItem) error {
	if len(items) == 0 || len(items) > 500 {
		return fmt.Errorf("basket: 1 to 500 lines, got %d", len(items))
	}
	for i, it := range items {
		switch {
		case it.ProductID == "" || len(it.ProductID) > 64:
			return fmt.Errorf("items[%d].productId: required, at most 64 characters", i)
		case it.Quantity < 1 || it.Quantity > 999:
			return fmt.Errorf("items[%d].quantity: 1 to 999, got %d", i, it.Quantity)
		case it.UnitPrice < 0 || it.UnitPrice > 100_000_000:
			return fmt.Errorf("items[%d].unitPrice: 0 to 100000000 minor units, got %d", i, it.UnitPrice)
		case len(it.Name) > 120:
			return fmt.Errorf("items[%d].name: at most 120 characters", i)
		}
		if it.Name == "" {
			items[i].Name = it.ProductID
		}
		if len(it.Currency) != 3 {
			items[i].Currency = "EUR"
		}
	}
	return nil
}

// formatMoney formats minor units, e.g. 129900 EUR as "€1,299.00".
func formatMoney(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	whole := fmt.Sprint(minor / 100)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	sym := map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}[currency]
	if sym == "" {
		sym = currency + " "
	}
	return fmt.Sprintf("%s%s%s.%02d", sign, sym, b.String(), minor%100)
}
