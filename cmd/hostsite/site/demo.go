package site

import (
	"context"
	"crypto/rand"
	"math/big"
)

// DemoUsers are the reference site's two seeded accounts.
var DemoUsers = []string{"alice", "bob"}

// EnsureUsers creates each named user that does not exist yet with the
// password given in passwords, generating one where none is given. It returns
// every user's password as it now stands for the ones it created or was given.
func EnsureUsers(ctx context.Context, st *Store, passwords map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range DemoUsers {
		pw := passwords[name]
		exists, err := st.HasUser(ctx, name)
		if err != nil {
			return nil, err
		}
		switch {
		case !exists:
			if pw == "" {
				pw = NewPassword()
			}
			if _, err := st.CreateUser(ctx, name, pw); err != nil {
				return nil, err
			}
		case pw == "":
			// The user exists and its password is unknown here: set a new one
			// so the demo can print a working sign-in.
			pw = NewPassword()
			if err := st.SetPassword(ctx, name, pw); err != nil {
				return nil, err
			}
		}
		out[name] = pw
	}
	return out, nil
}

// NewPassword returns a random, readable password such as "plum-4821-tide".
func NewPassword() string {
	words := []string{"oak", "pine", "birch", "plum", "tide", "fern", "moss", "dune", "reed", "clay", "sage", "wren"}
	pick := func(n int64) int64 { v, _ := rand.Int(rand.Reader, big.NewInt(n)); return v.Int64() }
	return words[pick(int64(len(words)))] + "-" + big.NewInt(1000+pick(9000)).String() + "-" + words[pick(int64(len(words)))]
}
