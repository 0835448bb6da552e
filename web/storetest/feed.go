package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/roomplanner/planner/web"
)

// The change feeds' rule: a reader that has seen seq N never later finds a
// smaller one. Readers tail a log by position (entries after the last seq
// they read), so a store that hands out seqs at insert time but lets a later
// seq commit first would make a reader step past an entry that was still
// uncommitted, and miss it for good. The tests below run writers side by side
// while one reader tails the log, then check that the reader missed nothing.

// tailWhile calls read(after) with the last seq read so far until writing is
// closed, then once more until a read returns nothing, and returns every seq
// it read, in order.
func tailWhile(t *testing.T, writing <-chan struct{}, read func(after int64) ([]int64, error)) []int64 {
	t.Helper()
	var seen []int64
	last := int64(0)
	for done := false; ; {
		select {
		case <-writing:
			done = true
		default:
		}
		seqs, err := read(last)
		mustNot(t, err, "read after %d", last)
		for _, seq := range seqs {
			if seq <= last {
				t.Fatalf("read seq %d after %d: seqs must increase", seq, last)
			}
			last = seq
		}
		seen = append(seen, seqs...)
		if done && len(seqs) == 0 {
			return seen
		}
	}
}

func testCatalogChangeFeedIsCommitOrdered(t *testing.T, s Store) {
	ctx := t.Context()
	const rounds, size = 12, 40 // each round changes every product: size entries
	shops := make([]web.Retailer, 2)
	for i := range shops {
		shops[i], _ = addRetailer(t, s, fmt.Sprintf("Shop %d", i))
	}
	writing := make(chan struct{})
	errs := make([]error, len(shops))
	var wg sync.WaitGroup
	for i, r := range shops {
		wg.Go(func() {
			for round := range rounds {
				ps := make([]web.Product, size)
				for j := range ps {
					ps[j] = product(r.ID, fmt.Sprintf("p-%03d", j), "c", "Product")
					ps[j].Price = int64(round + 1)
				}
				if errs[i] = s.ImportCatalog(ctx, r.ID, []web.Category{{ID: "c", Name: "C"}}, ps, false); errs[i] != nil {
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(writing) }()
	tailed := tailWhile(t, writing, func(after int64) ([]int64, error) {
		cs, err := s.CatalogChanges(ctx, after, 1000)
		seqs := make([]int64, len(cs))
		for i, c := range cs {
			seqs[i] = c.Seq
		}
		return seqs, err
	})
	for i, err := range errs {
		mustNot(t, err, "import of shop %d", i)
	}
	// Read the whole log again from the start: what the tail missed shows.
	whole := tailWhile(t, closed(), func(after int64) ([]int64, error) {
		cs, err := s.CatalogChanges(ctx, after, 1000)
		seqs := make([]int64, len(cs))
		for i, c := range cs {
			seqs[i] = c.Seq
		}
		return seqs, err
	})
	if want := len(shops) * rounds * size; len(whole) != want {
		t.Fatalf("the log holds %d entries, want %d", len(whole), want)
	}
	if missed := missing(whole, tailed); len(missed) > 0 {
		t.Errorf("tailing by seq during concurrent imports missed %d of %d entries (first %d): "+
			"a reader that has seen seq N must never later find a smaller one", len(missed), len(whole), missed[0])
	}
}

func testCredentialRotationFeedIsCommitOrdered(t *testing.T, s Store) {
	ctx := t.Context()
	const rounds = 40
	shops := make([]web.Retailer, 2)
	for i := range shops {
		shops[i], _ = addRetailer(t, s, fmt.Sprintf("Shop %d", i))
	}
	start, err := s.LastCredentialRotation(ctx)
	mustNot(t, err, "LastCredentialRotation")
	writing := make(chan struct{})
	errs := make([]error, len(shops))
	var wg sync.WaitGroup
	for i, r := range shops {
		wg.Go(func() {
			for range rounds {
				if _, errs[i] = s.RotateSecret(ctx, r.ID, []byte(web.NewSecret())); errs[i] != nil {
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(writing) }()
	read := func(after int64) ([]int64, error) {
		rs, err := s.CredentialRotations(ctx, max(after, start))
		seqs := make([]int64, len(rs))
		for i, r := range rs {
			seqs[i] = r.Seq
		}
		return seqs, err
	}
	tailed := tailWhile(t, writing, read)
	for i, err := range errs {
		mustNot(t, err, "rotations of shop %d", i)
	}
	whole := tailWhile(t, closed(), read)
	if want := len(shops) * rounds; len(whole) != want {
		t.Fatalf("the log holds %d entries, want %d", len(whole), want)
	}
	if missed := missing(whole, tailed); len(missed) > 0 {
		t.Errorf("tailing by seq during concurrent rotations missed %d of %d entries (first %d): "+
			"a reader that has seen seq N must never later find a smaller one", len(missed), len(whole), missed[0])
	}
}

// closed returns a closed channel: "no more writes".
func closed() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// missing returns the seqs of whole that are not in got.
func missing(whole, got []int64) []int64 {
	in := make(map[int64]bool, len(got))
	for _, seq := range got {
		in[seq] = true
	}
	var out []int64
	for _, seq := range whole {
		if !in[seq] {
			out = append(out, seq)
		}
	}
	return out
}
