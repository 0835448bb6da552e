package secretbox

import (
	"bytes"
	"errors"
	"testing"
)

func testBox(t *testing.T, fill byte) *Box {
	t.Helper()
	b, err := New(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestNewRejectsWrongKeySize(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) = nil error, want an error", n)
		}
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	b := testBox(t, 1)
	for _, plain := range [][]byte{nil, {}, []byte("sk_secret"), bytes.Repeat([]byte{0xff}, 4096)} {
		sealed := b.Seal(plain, []byte("api_credentials:pk_1"))
		if len(plain) > 0 && bytes.Contains(sealed, plain) {
			t.Errorf("sealed value contains the plaintext")
		}
		got, err := b.Open(sealed, []byte("api_credentials:pk_1"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("Open = %q, want %q", got, plain)
		}
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	t.Parallel()
	b := testBox(t, 1)
	x, y := b.Seal([]byte("same"), nil), b.Seal([]byte("same"), nil)
	if bytes.Equal(x, y) {
		t.Fatal("two seals of the same plaintext are equal; the nonce is not random")
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	b := testBox(t, 1)
	ad := []byte("signing_keys:k1")
	sealed := b.Seal([]byte("private key"), ad)
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	tests := []struct {
		name   string
		box    *Box
		sealed []byte
		ad     []byte
	}{
		{"other additional data (value moved to another row)", b, sealed, []byte("signing_keys:k2")},
		{"no additional data", b, sealed, nil},
		{"other master key", testBox(t, 2), sealed, ad},
		{"flipped bit", b, flipped, ad},
		{"truncated", b, sealed[:len(sealed)-1], ad},
		{"shorter than nonce and tag", b, sealed[:20], ad},
		{"empty", b, nil, ad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.box.Open(tc.sealed, tc.ad)
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("Open = %q, %v; want ErrOpen", got, err)
			}
		})
	}
}
