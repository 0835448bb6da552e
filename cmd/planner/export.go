package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/roomplanner/planner/web"
	"github.com/roomplanner/planner/web/dump"
	"github.com/roomplanner/planner/web/service"
)

// mover is what export and import need of a store beyond service.Store; both
// backends have it.
type mover interface {
	Dump(ctx context.Context, emit func(web.DumpRecord) error) error
	Load(ctx context.Context, records iter.Seq2[web.DumpRecord, error], intoNonEmpty bool) error
}

// asMover returns st's Dump and Load.
func asMover(st service.Store) (mover, error) {
	m, ok := st.(mover)
	if !ok {
		return nil, fmt.Errorf("this database (%T) cannot be exported or imported", st)
	}
	return m, nil
}

// runExport is "planner export": the whole deployment as a dump (web/dump)
// on stdout or in --out, with each table's count and checksum on stderr.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, db := adminFlags("export", getenv)
	out := fs.String("out", "-", "write the dump to this file (made only if the export succeeds) instead of standard output")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "export [--db planner.db] [--out FILE] > dump.jsonl"); err != nil {
		return err
	}
	return withStore(ctx, *db, getenv, func(st service.Store) error {
		m, err := asMover(st)
		if err != nil {
			return err
		}
		if *out == "-" {
			stats, err := writeDump(ctx, m, stdout)
			if err != nil {
				// What went out has no end line, so import refuses it.
				return fmt.Errorf("export %s: %w (the dump written so far is incomplete; planner import refuses it)", service.DisplayName(*db), err)
			}
			printStats(stderr, "exported from "+service.DisplayName(*db), stats)
			return nil
		}
		stats, err := writeDumpFile(ctx, m, *out)
		if err != nil {
			return fmt.Errorf("export %s: %w", service.DisplayName(*db), err)
		}
		printStats(stderr, "exported from "+service.DisplayName(*db)+" to "+*out, stats)
		return nil
	})
}

// writeDump dumps m to w.
func writeDump(ctx context.Context, m mover, w io.Writer) ([]dump.TypeStats, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	dw, err := dump.NewWriter(bw)
	if err != nil {
		return nil, err
	}
	if err := m.Dump(ctx, dw.Write); err != nil {
		return nil, err
	}
	if err := dw.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write dump: %w", err)
	}
	return dw.Stats(), nil
}

// writeDumpFile dumps m into a temporary file beside path and renames it to
// path once complete, so that path never holds half a dump. CreateTemp makes
// it mode 0600: the dump holds sealed secrets.
func writeDumpFile(ctx context.Context, m mover, path string) ([]dump.TypeStats, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing left to remove
	stats, err := writeDump(ctx, m, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return nil, err
	}
	return stats, nil
}

// printStats writes each type's count and SHA-256, the same on both sides
// of a move.
func printStats(w io.Writer, title string, stats []dump.TypeStats) {
	fmt.Fprintf(w, "%s:\n", title)
	for _, s := range stats {
		fmt.Fprintf(w, "  %-12s %8d  sha256 %s\n", s.Type, s.Count, s.SHA256)
	}
}
