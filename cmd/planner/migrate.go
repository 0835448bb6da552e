package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/roomplanner/planner/cmd/internal/cli"
	"github.com/roomplanner/planner/web/service"
)

// dbUsage is the help of every command's --db flag.
const dbUsage = "database: a SQLite file path or a postgres:// URL (env PLANNER_DB)"

// runMigrate is "planner migrate": the one command that creates a database
// or upgrades its schema to this build's.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("planner migrate", flag.ContinueOnError)
	db := fs.String("db", cli.EnvOr(getenv, "PLANNER_DB", "planner.db"), dbUsage)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "migrate [--db planner.db]"); err != nil {
		return err
	}
	st, err := service.OpenStore(ctx, *db, getenv)
	if err != nil {
		var se *service.SchemaError
		if errors.As(err, &se) && se.Newer() {
			return fmt.Errorf("%w: migrations never downgrade; run the newer planner", err)
		}
		return err
	}
	defer st.Close()
	cur, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{"db": service.DisplayName(*db), "schemaVersion": cur})
}

// migrateHint adds to an error opening an existing database the command
// that creates or upgrades it.
func migrateHint(db string, err error) error {
	var se *service.SchemaError
	switch {
	case errors.Is(err, service.ErrNoDatabase):
		return fmt.Errorf("%w; create it with: planner migrate --db %s", err, service.DisplayName(db))
	case errors.As(err, &se) && se.Newer():
		return fmt.Errorf("%w: a newer planner ran planner migrate --db %s; run that planner", err, se.DB)
	case errors.As(err, &se):
		return fmt.Errorf("%w; upgrade it with: planner migrate --db %s", err, se.DB)
	}
	return err
}
