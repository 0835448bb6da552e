package web

import (
	"net/mail"
	"strings"
	"time"
)

// ConsoleUser is a member of a retailer's staff who signs in to the console
// at /console. Each is bound to one retailer and sees only its data.
type ConsoleUser struct {
	ID           string
	RetailerID   string
	Email        string // normalized by NormalizeEmail; unique across retailers
	PasswordHash []byte // bcrypt
	MustChange   bool   // the password is the one-time one: change it at the next sign-in
	CreatedAt    time.Time
}

// MaxEmailLen bounds a console user's email address.
const MaxEmailLen = 254

// NormalizeEmail checks a bare email address (no display name) and returns it
// in lower case, so one address is one user however it is typed.
func NormalizeEmail(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(s) || len(s) > MaxEmailLen {
		return "", FieldErrorf("email", "must be a plain email address such as staff@shop.example")
	}
	return strings.ToLower(a.Address), nil
}
