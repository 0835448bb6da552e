package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `planner: the embeddable room planner's service and admin tool

Usage:
  planner migrate [--db planner.db]
  planner serve [--addr 127.0.0.1:8090] [--db planner.db] [--public-url http://localhost:8090]
                [--tls-cert F --tls-key F] [--trusted-proxy CIDR]... [--refresh-interval 30s]
                [--log-level info] [--log-format text|json] [--token-rate 10 --token-burst 100]
                [--metrics-addr 127.0.0.1:9090]
  planner entity create --name NAME --origin ORIGIN [--origin ORIGIN]... [--plan free|premium]
  planner entity list
  planner entity origins add|remove ENTITY_ID ORIGIN
  planner entity image-origin add|remove ENTITY_ID ORIGIN | list ENTITY_ID
  planner entity plan ENTITY_ID free|premium
  planner entity theme ENTITY_ID [--accent C] [--accent-text C] [--text C] [--muted C]
                [--surface C] [--background C] [--border C] [--radius N] [--font NAME] | --clear
  planner key rotate ENTITY_ID
  planner signing-key rotate
  planner catalog import ENTITY_ID FILE.json [--replace]
  planner catalog seed ENTITY_ID
  planner console user add --entity ENTITY_ID --email EMAIL
  planner export [--out FILE] > dump.jsonl
  planner import [--in FILE] [--into-nonempty] < dump.jsonl

Every command takes --db (env PLANNER_DB, default planner.db): a SQLite file
path or a postgres:// URL. "migrate" creates the database or upgrades its
schema; every other command refuses one that is missing or not at this
build's schema. Secrets are sealed with PLANNER_MASTER_KEY (base64, 32 bytes)
or, for SQLite when it is unset, a key file created beside the database
(FILE.key, mode 0600); PostgreSQL needs PLANNER_MASTER_KEY.

"export" and "import" move a deployment between databases, SQLite or
PostgreSQL: secrets move sealed, so run the target with the source's master
key. "import" wants a migrated, empty database (--into-nonempty adds to one
with data; it never overwrites).

Several "serve" processes may share one PostgreSQL database behind one
address. Each re-reads signing keys and API-secret rotations every
--refresh-interval (env PLANNER_REFRESH_INTERVAL, default and maximum 30s):
that bounds how long a rotation made by "planner signing-key rotate", "planner
key rotate" or another process takes to take effect in this one.
`

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	sub := ""
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		sub = rest[0]
	}
	switch {
	case cmd == "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case cmd == "migrate":
		return runMigrate(ctx, rest, getenv, stdout)
	case cmd == "export":
		return runExport(ctx, rest, getenv, stdout, stderr)
	case cmd == "import":
		return runImport(ctx, rest, getenv, stdout, stderr)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case cmd == "entity" && sub == "create":
		return runEntityCreate(ctx, rest[1:], getenv, stdout, stderr)
	case cmd == "entity" && sub == "list":
		return runEntityList(ctx, rest[1:], getenv, stdout)
	case cmd == "entity" && sub == "origins":
		return runEntityOrigins(ctx, rest[1:], getenv, stdout)
	case cmd == "entity" && sub == "image-origin":
		return runEntityImageOrigin(ctx, rest[1:], getenv, stdout)
	case cmd == "entity" && sub == "plan":
		return runEntityPlan(ctx, rest[1:], getenv, stdout)
	case cmd == "entity" && sub == "theme":
		return runEntityTheme(ctx, rest[1:], getenv, stdout)
	case cmd == "key" && sub == "rotate":
		return runKeyRotate(ctx, rest[1:], getenv, stdout)
	case cmd == "signing-key" && sub == "rotate":
		return runSigningKeyRotate(ctx, rest[1:], getenv, stdout)
	case cmd == "catalog" && sub == "import":
		return runCatalogImport(ctx, rest[1:], getenv, stdout)
	case cmd == "catalog" && sub == "seed":
		return runCatalogSeed(ctx, rest[1:], getenv, stdout)
	case cmd == "console" && sub == "user":
		return runConsoleUser(ctx, rest[1:], getenv, stdout)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.TrimSpace(cmd+" "+sub))
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments ("origins add ID ORIGIN --db F") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// wantArgs checks the count of positional arguments.
func wantArgs(pos []string, n int, shape string) error {
	if len(pos) != n {
		return fmt.Errorf("usage: planner %s", shape)
	}
	return nil
}
