package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/dump"
	"github.com/roomplanner/planner/web/service"
)

// intoNonEmptyFlag is the flag that lets import add to a database with data.
const intoNonEmptyFlag = "--into-nonempty"

// runImport is "planner import": load a dump made by "planner export" into a
// migrated, empty database, in one transaction, then export the database
// again and check it matches the dump.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, db := adminFlags("import", getenv)
	in := fs.String("in", "-", "read the dump from this file instead of standard input")
	intoNonEmpty := fs.Bool(intoNonEmptyFlag[2:], false,
		"also import into a database that already has data: the dump's rows are added beside it; "+
			"nothing is overwritten, and a row whose key is taken aborts the whole import")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "import [--db planner.db] [--in FILE] ["+intoNonEmptyFlag+"] < dump.jsonl"); err != nil {
		return err
	}
	var r io.Reader = os.Stdin
	name := "standard input"
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r, name = f, *in
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		m, err := asMover(st)
		if err != nil {
			return err
		}
		target := service.DisplayName(*db)
		dr, err := dump.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: %w (nothing was imported)", name, err)
		}
		if *intoNonEmpty {
			fmt.Fprintf(stderr, "%s: adding the dump's rows beside what %s holds; nothing is overwritten, and a key that is taken aborts the import\n", intoNonEmptyFlag, target)
		}
		if err := m.Load(ctx, dr.All(), *intoNonEmpty); err != nil {
			if errors.Is(err, web.ErrNotEmpty) {
				return fmt.Errorf("import into %s: %w; import into a new database (planner migrate --db NEW), "+
					"or pass %s to add the dump's rows beside the existing ones (it never overwrites: a key that is taken aborts the import)",
					target, err, intoNonEmptyFlag)
			}
			return fmt.Errorf("import %s into %s: %w (nothing was imported)", name, target, err)
		}
		read := dr.Stats()
		printStats(stderr, "imported into "+target, read)
		fmt.Fprintf(stderr, "secrets were copied sealed: run %s with the master key the source used (%s, or a SQLite database's key file)\n",
			target, "PLANNER_MASTER_KEY")
		verified := false
		if !*intoNonEmpty {
			// The database held nothing before, so exporting it again must give
			// back the dump: proof that nothing was lost or changed on the way.
			again, err := writeDump(ctx, m, io.Discard)
			if err != nil {
				return fmt.Errorf("imported into %s, but exporting it again to check failed: %w", target, err)
			}
			if t := dump.Compare(read, again); t != "" {
				return fmt.Errorf("imported into %s, but exporting it again gives other %s records than the dump had", target, t)
			}
			verified = true
		}
		counts := map[string]int64{}
		for _, s := range read {
			counts[s.Type] = s.Count
		}
		return printJSON(stdout, map[string]any{"db": target, "imported": counts, "verified": verified})
	})
}
