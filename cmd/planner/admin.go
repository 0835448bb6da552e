package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/roomplanner/planner/cmd/internal/cli"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/catalog"
	"github.com/roomplanner/planner/web/retailerops"
	"github.com/roomplanner/planner/web/service"
	"github.com/roomplanner/planner/web/token"
)

// adminFlags makes a flag set with the --db flag every admin command takes.
func adminFlags(name string, getenv func(string) string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("planner "+name, flag.ContinueOnError)
	db := fs.String("db", cli.EnvOr(getenv, "PLANNER_DB", "planner.db"), dbUsage)
	return fs, db
}

// withStore opens the database for one admin command. Like serve, it refuses a
// database that does not exist or is not at this build's schema: only
// "planner migrate" creates or upgrades one, so a mistyped --db never leaves
// an empty database (and a key file) behind.
func withStore(ctx context.Context, db string, getenv func(string) string, f func(service.Store) error) error {
	st, err := service.OpenExistingStore(ctx, db, getenv)
	if err != nil {
		return migrateHint(db, err)
	}
	defer st.Close()
	return f(st)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// createdEntity is what "entity create" prints: the only time the secret is shown.
type createdEntity struct {
	web.Retailer
	APIKey    string `json:"apiKey"`
	APISecret string `json:"apiSecret"`
}

func runEntityCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, db := adminFlags("entity create", getenv)
	name := fs.String("name", "", "the retailer's name")
	plan := fs.String("plan", string(web.PlanFree), "plan: free or premium")
	var origins cli.StringList
	fs.Var(&origins, "origin", "an origin that may embed the planner, e.g. https://shop.example; repeatable")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "entity create --name NAME --origin ORIGIN [--plan free|premium]"); err != nil {
		return err
	}
	r, cred, secret, err := newEntity(*name, *plan, origins, time.Now())
	if err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		if err := st.CreateRetailer(ctx, r, cred); err != nil {
			return err
		}
		if err := printJSON(stdout, createdEntity{Retailer: r, APIKey: cred.APIKey, APISecret: secret}); err != nil {
			return err
		}
		// On stderr, so that stdout stays the JSON a script reads.
		if len(r.Origins) == 0 {
			fmt.Fprintf(stderr, "planner: warning: %s has no --origin, so no site can embed its planner (the page's CSP frame-ancestors is 'none');\n"+
				"  add the host site's origin with: planner entity origins add %s https://shop.example\n", r.ID, r.ID)
		}
		fmt.Fprintf(stderr, "planner: %s starts with an empty catalog; load one with: planner catalog import %s FILE.json (or planner catalog seed %s for the demo catalog)\n", r.ID, r.ID, r.ID)
		return nil
	})
}

// newEntity validates and builds a new retailer with fresh credentials.
func newEntity(name, plan string, origins []string, now time.Time) (web.Retailer, web.Credential, string, error) {
	if name == "" || len(name) > 200 {
		return web.Retailer{}, web.Credential{}, "", fmt.Errorf("--name is required (at most 200 characters)")
	}
	p, err := web.ParsePlan(plan)
	if err != nil {
		return web.Retailer{}, web.Credential{}, "", err
	}
	r := web.Retailer{ID: web.NewID("le_"), Name: name, Plan: p, DistributionID: web.NewID("d_"), CreatedAt: now.UTC(), Origins: []string{}, ImageOrigins: []string{}}
	for _, o := range origins {
		n, err := web.NormalizeOrigin(o)
		if err != nil {
			return web.Retailer{}, web.Credential{}, "", err
		}
		r.Origins = append(r.Origins, n)
	}
	secret := web.NewSecret()
	cred := web.Credential{APIKey: web.NewID("pk_"), RetailerID: r.ID, Secret: []byte(secret), CreatedAt: now.UTC()}
	return r, cred, secret, nil
}

func runEntityList(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("entity list", getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "entity list"); err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		rs, err := st.Retailers(ctx)
		if err != nil {
			return err
		}
		if rs == nil {
			rs = []web.Retailer{}
		}
		return printJSON(stdout, rs)
	})
}

func runEntityOrigins(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("entity origins", getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 3, "entity origins add|remove ENTITY_ID ORIGIN"); err != nil {
		return err
	}
	if _, err := web.NormalizeOrigin(pos[2]); err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		ops := retailerops.New(st)
		var (
			r   web.Retailer
			err error
		)
		switch pos[0] {
		case "add":
			r, err = ops.AddOrigin(ctx, pos[1], pos[2])
		case "remove":
			r, err = ops.RemoveOrigin(ctx, pos[1], pos[2])
		default:
			return fmt.Errorf("usage: planner entity origins add|remove ENTITY_ID ORIGIN")
		}
		if err != nil {
			return err
		}
		return printJSON(stdout, r)
	})
}

// runEntityImageOrigin lists, adds or removes the origins a retailer's
// product images may come from (the planner page's CSP img-src).
func runEntityImageOrigin(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	const use = "usage: planner entity image-origin add|remove ENTITY_ID ORIGIN | list ENTITY_ID"
	fs, db := adminFlags("entity image-origin", getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 2 && pos[0] == "list":
	case len(pos) == 3 && pos[0] == "add":
		if _, err := web.NormalizeImageOrigin(pos[2]); err != nil {
			return fmt.Errorf("origin %w", err)
		}
	case len(pos) == 3 && pos[0] == "remove":
	default:
		return errors.New(use)
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		ops := retailerops.New(st)
		var (
			r   web.Retailer
			err error
		)
		switch pos[0] {
		case "list":
			r, err = st.Retailer(ctx, pos[1])
		case "add":
			r, err = ops.AddImageOrigin(ctx, pos[1], pos[2])
		case "remove":
			r, err = ops.RemoveImageOrigin(ctx, pos[1], pos[2])
		}
		if err != nil {
			return err
		}
		return printJSON(stdout, struct {
			ID           string   `json:"id"`
			ImageOrigins []string `json:"imageOrigins"`
			ImgSrc       string   `json:"imgSrc"` // the planner page's CSP directive
		}{r.ID, r.ImageOrigins, retailerops.ImgSrc(r.ImageOrigins)})
	})
}

func runEntityPlan(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("entity plan", getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "entity plan ENTITY_ID free|premium"); err != nil {
		return err
	}
	if _, err := web.ParsePlan(pos[1]); err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		r, err := retailerops.New(st).SetPlan(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		return printJSON(stdout, r)
	})
}

// runEntityTheme sets a retailer's theme to what its flags say (fields not
// given are the planner's own), or clears it with --clear.
func runEntityTheme(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("entity theme", getenv)
	var t web.Theme
	for _, c := range []struct {
		flag string
		dst  *string
	}{
		{"accent", &t.Accent}, {"accent-text", &t.AccentText}, {"text", &t.Text}, {"muted", &t.Muted},
		{"surface", &t.Surface}, {"background", &t.Background}, {"border", &t.Border},
	} {
		fs.StringVar(c.dst, c.flag, "", "a colour as #rrggbb")
	}
	radius := fs.String("radius", "", fmt.Sprintf("corner radius, whole px from 0 to %d", web.ThemeRadiusMax))
	fs.StringVar(&t.Font, "font", "", "font stack: "+strings.Join(web.ThemeFontNames(), ", "))
	clear := fs.Bool("clear", false, "remove the theme: the planner's own look")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	const use = "entity theme ENTITY_ID [--accent C] [--accent-text C] [--text C] [--muted C] [--surface C] [--background C] [--border C] [--radius N] [--font NAME] | --clear"
	if err := wantArgs(pos, 1, use); err != nil {
		return err
	}
	if *radius != "" {
		n, err := strconv.Atoi(*radius)
		if err != nil {
			return web.FieldErrorf("radius", "must be a whole number of px from 0 to %d, got %q", web.ThemeRadiusMax, *radius)
		}
		t.Radius = &n
	}
	if *clear != t.IsZero() {
		return fmt.Errorf("usage: planner %s (give --clear alone, or at least one field)", use)
	}
	if t, err = t.Normalize(); err != nil {
		return fmt.Errorf("%w (the theme was not changed)", err)
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		r, err := retailerops.New(st).SetTheme(ctx, pos[0], t)
		if err != nil {
			return err
		}
		return printJSON(stdout, r)
	})
}

func runKeyRotate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("key rotate", getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "key rotate ENTITY_ID"); err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		key, secret, err := retailerops.New(st).RotateSecret(ctx, pos[0])
		if err != nil {
			return err
		}
		return printJSON(stdout, map[string]string{"id": pos[0], "apiKey": key, "apiSecret": secret})
	})
}

func runSigningKeyRotate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("signing-key rotate", getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "signing-key rotate"); err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		keys := token.NewKeyring(st, time.Now, service.KeyWindow)
		if err := keys.Load(ctx); err != nil {
			return err
		}
		kid, err := keys.Rotate(ctx)
		if err != nil {
			return err
		}
		return printJSON(stdout, map[string]string{"kid": kid, "note": "running servers switch to the new key within their --refresh-interval (30 s by default); tokens signed with the old key verify until they expire"})
	})
}

func runCatalogImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("catalog import", getenv)
	replace := fs.Bool("replace", false, "make the file the whole catalog: products not in it are removed")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 2, "catalog import ENTITY_ID FILE.json [--replace]"); err != nil {
		return err
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return err
	}
	defer f.Close()
	file, err := catalog.Parse(f)
	if err != nil {
		return fmt.Errorf("%s: %w (nothing was imported)", pos[1], err)
	}
	return importCatalog(ctx, *db, getenv, pos[0], file, *replace, stdout)
}

func runCatalogSeed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("catalog seed", getenv)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "catalog seed ENTITY_ID"); err != nil {
		return err
	}
	return importCatalog(ctx, *db, getenv, pos[0], catalog.Seed(), false, stdout)
}

func importCatalog(ctx context.Context, db string, getenv func(string) string, id string, file catalog.File, replace bool, stdout io.Writer) error {
	return withStore(ctx, db, getenv, func(st service.Store) error {
		done, err := retailerops.New(st).ImportCatalog(ctx, id, file, replace)
		if err != nil {
			return err
		}
		return printJSON(stdout, done)
	})
}

// runConsoleUser is "planner console user add --entity ID --email E": a
// console user of that retailer with a one-time password, printed once, to
// change at the first sign-in.
func runConsoleUser(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, db := adminFlags("console user", getenv)
	entity := fs.String("entity", "", "the retailer (entity id) the user belongs to")
	email := fs.String("email", "", "the user's email address, their sign-in name")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	const shape = "console user add --entity ENTITY_ID --email EMAIL"
	if err := wantArgs(pos, 1, shape); err != nil || pos[0] != "add" || *entity == "" || *email == "" {
		return fmt.Errorf("usage: planner %s", shape)
	}
	if _, err := web.NormalizeEmail(*email); err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		u, password, err := retailerops.New(st).AddConsoleUser(ctx, *entity, *email)
		if err != nil {
			return err
		}
		return printJSON(stdout, map[string]any{
			"id": u.ID, "entity": u.RetailerID, "email": u.Email, "oneTimePassword": password,
			"note": "shown once: the user signs in at /console with it and must choose a new password",
		})
	})
}
