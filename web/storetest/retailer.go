package storetest

import (
	"bytes"
	"crypto/ed25519"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/roomplanner/planner/web"
)

// newRetailer builds (but does not store) a retailer with fresh ids and a
// credential for it.
func newRetailer(name string, created time.Time, origins ...string) (web.Retailer, web.Credential) {
	r := web.Retailer{
		ID: web.NewID("le_"), Name: name, Plan: web.PlanFree, Origins: origins,
		DistributionID: web.NewID("d_"), CreatedAt: created, ImageOrigins: []string{},
	}
	if r.Origins == nil {
		r.Origins = []string{}
	}
	c := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(web.NewSecret()), CreatedAt: created}
	return r, c
}

// addRetailer stores a new retailer and returns it as it should read back.
func addRetailer(t *testing.T, s Store, name string, origins ...string) (web.Retailer, web.Credential) {
	t.Helper()
	r, c := newRetailer(name, t0, origins...)
	mustNot(t, s.CreateRetailer(t.Context(), r, c), "CreateRetailer %s", name)
	slices.Sort(r.Origins)
	return r, c
}

func testRetailerCreateAndRead(t *testing.T, s Store) {
	ctx := t.Context()
	if rs, err := s.Retailers(ctx); err != nil || len(rs) != 0 {
		t.Fatalf("Retailers on an empty store = %v, %v; want none", rs, err)
	}
	// Created second but older: Retailers orders by creation time.
	newer, nc := newRetailer("Newer", t0.Add(time.Hour), "https://shop.example", "http://127.0.0.1:8080")
	older, oc := newRetailer("Older", t0)
	mustNot(t, s.CreateRetailer(ctx, newer, nc), "CreateRetailer newer")
	mustNot(t, s.CreateRetailer(ctx, older, oc), "CreateRetailer older")
	newer.Origins = []string{"http://127.0.0.1:8080", "https://shop.example"} // sorted

	got, err := s.Retailer(ctx, newer.ID)
	mustNot(t, err, "Retailer")
	if diff := cmp.Diff(newer, got); diff != "" {
		t.Errorf("Retailer mismatch (-want +got):\n%s", diff)
	}
	got, err = s.RetailerByDistribution(ctx, newer.DistributionID)
	mustNot(t, err, "RetailerByDistribution")
	if diff := cmp.Diff(newer, got); diff != "" {
		t.Errorf("RetailerByDistribution mismatch (-want +got):\n%s", diff)
	}
	got, err = s.Retailer(ctx, older.ID)
	mustNot(t, err, "Retailer older")
	if got.Origins == nil || len(got.Origins) != 0 {
		t.Errorf("Origins of a retailer without origins = %#v, want an empty non-nil slice", got.Origins)
	}
	all, err := s.Retailers(ctx)
	mustNot(t, err, "Retailers")
	if diff := cmp.Diff([]web.Retailer{older, newer}, all); diff != "" {
		t.Errorf("Retailers mismatch (-want +got):\n%s", diff)
	}

	_, err = s.Retailer(ctx, "le_missing")
	wantCode(t, err, web.ENotFound)
	_, err = s.RetailerByDistribution(ctx, "d_missing")
	wantCode(t, err, web.ENotFound)
	_, err = s.RetailerByDistribution(ctx, newer.ID) // an id is not a distribution id
	wantCode(t, err, web.ENotFound)
}

func testRetailerCreateIsAtomic(t *testing.T, s Store) {
	ctx := t.Context()
	first, fc := addRetailer(t, s, "First", "https://first.example")

	// Same distribution id: refused, and neither its origins nor its
	// credential are left behind.
	dup, dc := newRetailer("Dup distribution", t0, "https://dup.example")
	dup.DistributionID = first.DistributionID
	if err := s.CreateRetailer(ctx, dup, dc); err == nil {
		t.Fatal("CreateRetailer with a taken distribution id = nil error")
	}
	if _, err := s.Credential(ctx, dc.APIKey); web.ErrorCode(err) != web.ENotFound {
		t.Errorf("Credential of the refused retailer: err = %v, want not_found", err)
	}
	// Same API key: refused, and the retailer row rolled back.
	r2, c2 := newRetailer("Dup key", t0)
	c2.APIKey = fc.APIKey
	if err := s.CreateRetailer(ctx, r2, c2); err == nil {
		t.Fatal("CreateRetailer with a taken API key = nil error")
	}
	if _, err := s.Retailer(ctx, r2.ID); web.ErrorCode(err) != web.ENotFound {
		t.Errorf("Retailer after a failed create: err = %v, want not_found", err)
	}
	got, err := s.Credential(ctx, fc.APIKey)
	mustNot(t, err, "Credential")
	if got.RetailerID != first.ID || !bytes.Equal(got.Secret, fc.Secret) {
		t.Errorf("the first retailer's credential changed: %+v", got)
	}
	all, err := s.Retailers(ctx)
	mustNot(t, err, "Retailers")
	if diff := cmp.Diff([]web.Retailer{first}, all); diff != "" {
		t.Errorf("Retailers mismatch (-want +got):\n%s", diff)
	}
}

func testOrigins(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop", "https://b.example")
	origins := func() []string {
		t.Helper()
		got, err := s.Retailer(ctx, r.ID)
		mustNot(t, err, "Retailer")
		return got.Origins
	}
	mustNot(t, s.AddOrigin(ctx, r.ID, "https://a.example"), "AddOrigin")
	mustNot(t, s.AddOrigin(ctx, r.ID, "https://a.example"), "AddOrigin again (idempotent)")
	if diff := cmp.Diff([]string{"https://a.example", "https://b.example"}, origins()); diff != "" {
		t.Errorf("origins after adding (-want +got):\n%s", diff)
	}
	mustNot(t, s.RemoveOrigin(ctx, r.ID, "https://b.example"), "RemoveOrigin")
	if diff := cmp.Diff([]string{"https://a.example"}, origins()); diff != "" {
		t.Errorf("origins after removing (-want +got):\n%s", diff)
	}
	wantCode(t, s.RemoveOrigin(ctx, r.ID, "https://b.example"), web.ENotFound)
	wantCode(t, s.RemoveOrigin(ctx, r.ID, "https://A.example"), web.ENotFound) // exact comparison
	wantCode(t, s.AddOrigin(ctx, "le_missing", "https://a.example"), web.ENotFound)
	wantCode(t, s.RemoveOrigin(ctx, "le_missing", "https://a.example"), web.ENotFound)
}

func testImageOrigins(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop", "https://shop.example")
	other, _ := addRetailer(t, s, "Other")
	images := func(id string) []string {
		t.Helper()
		got, err := s.Retailer(ctx, id)
		mustNot(t, err, "Retailer")
		return got.ImageOrigins
	}
	if got := images(r.ID); got == nil || len(got) != 0 {
		t.Errorf("ImageOrigins of a new retailer = %#v, want an empty non-nil slice", got)
	}
	mustNot(t, s.AddImageOrigin(ctx, r.ID, "https://img.shop.example"), "AddImageOrigin")
	mustNot(t, s.AddImageOrigin(ctx, r.ID, "http://127.0.0.1:9000"), "AddImageOrigin loopback")
	mustNot(t, s.AddImageOrigin(ctx, r.ID, "https://img.shop.example"), "AddImageOrigin again (idempotent)")
	if diff := cmp.Diff([]string{"http://127.0.0.1:9000", "https://img.shop.example"}, images(r.ID)); diff != "" {
		t.Errorf("image origins after adding (-want +got):\n%s", diff)
	}
	got, err := s.Retailer(ctx, r.ID)
	mustNot(t, err, "Retailer")
	if diff := cmp.Diff([]string{"https://shop.example"}, got.Origins); diff != "" {
		t.Errorf("embedding origins changed with the image origins (-want +got):\n%s", diff)
	}
	if got := images(other.ID); len(got) != 0 {
		t.Errorf("another retailer's image origins = %v, want none", got)
	}
	mustNot(t, s.RemoveImageOrigin(ctx, r.ID, "https://img.shop.example"), "RemoveImageOrigin")
	if diff := cmp.Diff([]string{"http://127.0.0.1:9000"}, images(r.ID)); diff != "" {
		t.Errorf("image origins after removing (-want +got):\n%s", diff)
	}
	wantCode(t, s.RemoveImageOrigin(ctx, r.ID, "https://img.shop.example"), web.ENotFound)
	wantCode(t, s.RemoveImageOrigin(ctx, r.ID, "http://localhost:9000"), web.ENotFound) // exact comparison
	wantCode(t, s.AddImageOrigin(ctx, "le_missing", "https://a.example"), web.ENotFound)
	wantCode(t, s.RemoveImageOrigin(ctx, "le_missing", "https://a.example"), web.ENotFound)
	all, err := s.Retailers(ctx)
	mustNot(t, err, "Retailers")
	for _, x := range all {
		if x.ID == r.ID && !slices.Equal(x.ImageOrigins, []string{"http://127.0.0.1:9000"}) {
			t.Errorf("Retailers lists image origins %v, want [http://127.0.0.1:9000]", x.ImageOrigins)
		}
	}
}

func testSetPlan(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	mustNot(t, s.SetPlan(ctx, r.ID, web.PlanPremium), "SetPlan")
	got, err := s.Retailer(ctx, r.ID)
	mustNot(t, err, "Retailer")
	if got.Plan != web.PlanPremium {
		t.Errorf("plan = %q, want %q", got.Plan, web.PlanPremium)
	}
	wantCode(t, s.SetPlan(ctx, "le_missing", web.PlanFree), web.ENotFound)
	if err := s.SetPlan(ctx, r.ID, web.Plan("gold")); err == nil {
		t.Error("SetPlan(gold) = nil error")
	}
	if got, _ := s.Retailer(ctx, r.ID); got.Plan != web.PlanPremium {
		t.Errorf("plan after a refused change = %q, want %q", got.Plan, web.PlanPremium)
	}
}

func testCredential(t *testing.T, s Store) {
	ctx := t.Context()
	r, c := addRetailer(t, s, "Shop")
	other, oc := addRetailer(t, s, "Other")
	got, err := s.Credential(ctx, c.APIKey)
	mustNot(t, err, "Credential")
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("Credential mismatch (-want +got):\n%s", diff)
	}
	if got.RetailerID != r.ID {
		t.Errorf("RetailerID = %q, want %q", got.RetailerID, r.ID)
	}
	got, err = s.Credential(ctx, oc.APIKey)
	mustNot(t, err, "Credential other")
	if got.RetailerID != other.ID || !bytes.Equal(got.Secret, oc.Secret) {
		t.Errorf("other credential = %+v, want retailer %q with its own secret", got, other.ID)
	}
	_, err = s.Credential(ctx, "pk_missing")
	wantCode(t, err, web.ENotFound)
	_, err = s.Credential(ctx, "")
	wantCode(t, err, web.ENotFound)
}

func testRotateSecret(t *testing.T, s Store) {
	ctx := t.Context()
	r, c := addRetailer(t, s, "Shop")
	_, oc := addRetailer(t, s, "Other")
	secret := []byte(web.NewSecret())
	key, err := s.RotateSecret(ctx, r.ID, secret)
	mustNot(t, err, "RotateSecret")
	if key != c.APIKey {
		t.Errorf("RotateSecret returned API key %q, want the retailer's %q", key, c.APIKey)
	}
	got, err := s.Credential(ctx, key)
	mustNot(t, err, "Credential")
	if !bytes.Equal(got.Secret, secret) {
		t.Errorf("secret after rotation = %q, want the new %q", got.Secret, secret)
	}
	if bytes.Equal(got.Secret, c.Secret) {
		t.Error("the old secret still works")
	}
	if got, _ := s.Credential(ctx, oc.APIKey); !bytes.Equal(got.Secret, oc.Secret) {
		t.Error("rotating one retailer's secret changed another's")
	}
	_, err = s.RotateSecret(ctx, "le_missing", secret)
	wantCode(t, err, web.ENotFound)
	// APIKey looks the key up by retailer: each its own, none for a stranger.
	for _, tc := range []struct{ id, want string }{{r.ID, c.APIKey}, {oc.RetailerID, oc.APIKey}} {
		if got, err := s.APIKey(ctx, tc.id); err != nil || got != tc.want {
			t.Errorf("APIKey(%s) = %q, %v, want %q", tc.id, got, err, tc.want)
		}
	}
	_, err = s.APIKey(ctx, "le_missing")
	wantCode(t, err, web.ENotFound)
}

// newSigningKey returns a signing key from a fixed seed.
func newSigningKey(kid string, seed byte, created time.Time) web.SigningKey {
	return web.SigningKey{
		KID:        kid,
		PrivateKey: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)),
		CreatedAt:  created,
	}
}

func testSigningKeyRotation(t *testing.T, s Store) {
	ctx := t.Context()
	keys := func() []web.SigningKey {
		t.Helper()
		ks, err := s.SigningKeys(ctx)
		mustNot(t, err, "SigningKeys")
		// Order is not part of the contract.
		slices.SortFunc(ks, func(a, b web.SigningKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
		return ks
	}
	if ks := keys(); len(ks) != 0 {
		t.Fatalf("SigningKeys on an empty store = %d keys, want none", len(ks))
	}
	t1, t2, t3 := t0, t0.Add(time.Hour), t0.Add(2*time.Hour)
	k1, k2, k3 := newSigningKey("k1", 1, t1), newSigningKey("k2", 2, t2), newSigningKey("k3", 3, t3)

	mustNot(t, s.RotateSigningKey(ctx, k1), "RotateSigningKey k1")
	if diff := cmp.Diff([]web.SigningKey{k1}, keys()); diff != "" {
		t.Fatalf("after k1 (-want +got):\n%s", diff)
	}
	mustNot(t, s.RotateSigningKey(ctx, k2), "RotateSigningKey k2")
	mustNot(t, s.RotateSigningKey(ctx, k3), "RotateSigningKey k3")
	k1.RetiredAt, k2.RetiredAt = t2, t3 // each retired when the next arrived, never later
	if diff := cmp.Diff([]web.SigningKey{k1, k2, k3}, keys()); diff != "" {
		t.Fatalf("after k3 (-want +got):\n%s", diff)
	}

	// A kid that exists is refused and changes nothing.
	if err := s.RotateSigningKey(ctx, newSigningKey("k2", 9, t3.Add(time.Hour))); err == nil {
		t.Error("RotateSigningKey with an existing kid = nil error")
	}
	if diff := cmp.Diff([]web.SigningKey{k1, k2, k3}, keys()); diff != "" {
		t.Fatalf("after a refused rotation (-want +got):\n%s", diff)
	}

	// Purge removes keys retired strictly before the time, never the current one.
	mustNot(t, s.PurgeSigningKeys(ctx, t3), "PurgeSigningKeys")
	if diff := cmp.Diff([]web.SigningKey{k2, k3}, keys()); diff != "" {
		t.Fatalf("after purge (-want +got):\n%s", diff)
	}
	mustNot(t, s.PurgeSigningKeys(ctx, t3.Add(24*time.Hour)), "PurgeSigningKeys later")
	if diff := cmp.Diff([]web.SigningKey{k3}, keys()); diff != "" {
		t.Fatalf("after the second purge (-want +got):\n%s", diff)
	}
}

func testCredentialRotationLog(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	o, _ := addRetailer(t, s, "Other")
	start, err := s.LastCredentialRotation(ctx)
	mustNot(t, err, "LastCredentialRotation")
	before := time.Now().Add(-time.Second)
	for _, id := range []string{r.ID, o.ID, r.ID} {
		_, err := s.RotateSecret(ctx, id, []byte(web.NewSecret()))
		mustNot(t, err, "RotateSecret")
	}
	_, err = s.RotateSecret(ctx, "le_missing", []byte(web.NewSecret()))
	wantCode(t, err, web.ENotFound)

	log, err := s.CredentialRotations(ctx, start)
	mustNot(t, err, "CredentialRotations")
	var got []string
	for i, e := range log {
		got = append(got, e.RetailerID)
		if i > 0 && e.Seq <= log[i-1].Seq {
			t.Errorf("seq %d after %d, want increasing", e.Seq, log[i-1].Seq)
		}
		if e.At.Before(before) || e.At.After(time.Now().Add(time.Second)) {
			t.Errorf("rotation at %s, want about now", e.At)
		}
	}
	if want := []string{r.ID, o.ID, r.ID}; !slices.Equal(got, want) {
		t.Fatalf("rotation log = %v, want %v (a failed rotation logs nothing)", got, want)
	}
	last, err := s.LastCredentialRotation(ctx)
	mustNot(t, err, "LastCredentialRotation")
	if last != log[2].Seq {
		t.Errorf("LastCredentialRotation = %d, want %d", last, log[2].Seq)
	}
	if rest, _ := s.CredentialRotations(ctx, log[1].Seq); len(rest) != 1 || rest[0].Seq != log[2].Seq {
		t.Errorf("after seq %d: %v, want only the last entry", log[1].Seq, rest)
	}
	mustNot(t, s.PurgeCredentialRotations(ctx, time.Now().Add(time.Hour)), "PurgeCredentialRotations")
	if rest, _ := s.CredentialRotations(ctx, start); len(rest) != 0 {
		t.Errorf("after a purge: %v, want none", rest)
	}
	_, err = s.RotateSecret(ctx, r.ID, []byte(web.NewSecret()))
	mustNot(t, err, "RotateSecret")
	if next, _ := s.LastCredentialRotation(ctx); next <= last {
		t.Errorf("seq after a purge = %d, want above %d (never reused)", next, last)
	}
}

func testSetTheme(t *testing.T, s Store) {
	ctx := t.Context()
	r, _ := addRetailer(t, s, "Shop")
	if got, _ := s.Retailer(ctx, r.ID); !got.Theme.IsZero() {
		t.Errorf("new retailer's theme = %+v, want none", got.Theme)
	}
	radius := 0 // zero is a value, not "unset"
	want := web.Theme{Accent: "#2d6a4f", AccentText: "#ffffff", Text: "#111111", Surface: "#fafafa", Radius: &radius, Font: "classic"}
	in := want
	in.Accent = "#2D6A4F" // stored in canonical form
	mustNot(t, s.SetTheme(ctx, r.ID, in), "SetTheme")
	for _, load := range []func() (web.Retailer, error){
		func() (web.Retailer, error) { return s.Retailer(ctx, r.ID) },
		func() (web.Retailer, error) { return s.RetailerByDistribution(ctx, r.DistributionID) },
	} {
		got, err := load()
		mustNot(t, err, "load retailer")
		if got.Theme.CSS() != want.CSS() || got.Theme.Radius == nil || *got.Theme.Radius != 0 {
			t.Errorf("theme = %+v (css %q), want %+v", got.Theme, got.Theme.CSS(), want)
		}
	}
	bad := want
	bad.Accent = "red"
	if err := s.SetTheme(ctx, r.ID, bad); web.ErrorCode(err) != web.EValidation {
		t.Errorf("SetTheme(accent red) = %v, want validation_failed", err)
	}
	if got, _ := s.Retailer(ctx, r.ID); got.Theme.Accent != want.Accent {
		t.Errorf("accent after a refused change = %q, want %q", got.Theme.Accent, want.Accent)
	}
	wantCode(t, s.SetTheme(ctx, "le_missing", want), web.ENotFound)
	mustNot(t, s.SetTheme(ctx, r.ID, web.Theme{}), "SetTheme(clear)")
	if got, _ := s.Retailer(ctx, r.ID); !got.Theme.IsZero() {
		t.Errorf("theme after clearing = %+v, want none", got.Theme)
	}
}
