package static

import (
	"bytes"
	"path"
)

// Strip returns a JavaScript or CSS file without its comment lines, blank
// lines and indentation, which is what a browser needs of it: the sources
// carry JSDoc types and explanations for the people and the type checker
// that read them, and the planner page would otherwise weigh twice as much.
// Any other file is returned unchanged.
//
// It works line by line and only ever drops whole lines or leading white
// space, so it never rewrites code: a line that holds code keeps all of it,
// trailing comments included. A scanner tracks string, template and comment
// state across lines, and lines inside a template literal are kept verbatim
// (their white space is content).
func Strip(name string, src []byte) []byte {
	var lineComments bool
	switch path.Ext(name) {
	case ".js":
		lineComments = true
	case ".css":
	default:
		return src
	}
	out := make([]byte, 0, len(src)/2)
	st := stCode
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		if st == stTemplate {
			out = append(out, line...)
			out = append(out, '\n')
			st = scan(line, st, lineComments)
			continue
		}
		t := bytes.TrimSpace(line)
		next := scan(t, st, lineComments)
		switch {
		case st == stBlock && (next == stBlock || bytes.HasSuffix(t, []byte("*/"))):
			// Inside a block comment, or the line that ends it with nothing after.
		case st == stBlock:
			// The comment ends mid-line: keep the code after it.
			out = append(out, bytes.TrimSpace(t[bytes.Index(t, []byte("*/"))+2:])...)
			out = append(out, '\n')
		case len(t) == 0:
		case lineComments && bytes.HasPrefix(t, []byte("//")):
		case bytes.HasPrefix(t, []byte("/*")) && (next == stBlock || bytes.Index(t, []byte("*/")) == len(t)-2):
			// A comment that starts the line and ends it, or runs on.
		default:
			out = append(out, t...)
			out = append(out, '\n')
		}
		st = next
	}
	return out
}

// Scanner states at the end of a line.
const (
	stCode     = iota
	stTemplate // inside a `template literal`
	stBlock    // inside a /* block comment */
)

// scan returns the state after line, starting in state st. Quoted strings
// end with their line (the sources never continue one with a backslash); a
// template's ${...} is treated as part of the template, which only matters
// for a backtick nested inside it, and keeps more lines verbatim, never fewer.
func scan(line []byte, st int, lineComments bool) int {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case st == stBlock:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				st, i = stCode, i+1
			}
		case st == stTemplate:
			switch c {
			case '\\':
				i++
			case '`':
				st = stCode
			}
		case quote != 0:
			switch c {
			case '\\':
				i++
			case quote:
				quote = 0
			}
		default:
			switch {
			case c == '\'' || c == '"':
				quote = c
			case c == '`' && lineComments:
				st = stTemplate
			case c == '/' && i+1 < len(line) && line[i+1] == '*':
				st, i = stBlock, i+1
			case c == '/' && i+1 < len(line) && line[i+1] == '/' && lineComments:
				return st
			}
		}
	}
	return st
}
