package tomlpos

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	headerExpr = regexp.MustCompile(`^\[\[?\s*([^\[\]]+?)\s*\]`)
	keyExpr    = regexp.MustCompile(`^((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*=`)
)

// index records the line of every table header and of the first time each
// key was written in each table; a dotted key (name.zh = …) also counts as
// its first part. The inside of a multi-line string or array is skipped:
// what looks like a key or a header there is neither.
func (f *File) index() {
	seen := map[string]int{} // table → headers so far
	table, occ := "", 0
	var st valueState
	for i, line := range strings.Split(string(f.src), "\n") {
		n := i + 1
		if st.open() {
			st.scan(line)
			continue
		}
		text := strings.TrimSpace(line)
		if m := headerExpr.FindStringSubmatch(text); m != nil {
			table = strings.Join(splitKey(m[1]), ".")
			occ = seen[table]
			seen[table]++
			f.keys[slot(table, occ, "")] = n
			f.headers[table] = true
			continue
		}
		if m := keyExpr.FindStringSubmatch(text); m != nil {
			parts := splitKey(m[1])
			for j := range parts {
				s := slot(table, occ, strings.Join(parts[:j+1], "."))
				if _, dup := f.keys[s]; !dup {
					f.keys[s] = n
				}
			}
			st.scan(text[len(m[0]):])
		}
	}
}

// splitKey splits a dotted key as written ("a . b", `"a b".c`) or as the
// decoder prints it into its parts, without quotes.
func splitKey(s string) []string {
	var parts []string
	for s != "" {
		s = strings.TrimSpace(s)
		var part string
		switch {
		case strings.HasPrefix(s, `"`):
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			end = min(end+1, len(s))
			part, s = s[:end], s[end:]
			if u, err := strconv.Unquote(part); err == nil {
				part = u
			}
		case strings.HasPrefix(s, "'"):
			end := strings.IndexByte(s[1:], '\'') + 2
			if end < 2 {
				end = len(s)
			}
			part, s = strings.Trim(s[:end], "'"), s[end:]
		default:
			end := strings.IndexByte(s, '.')
			if end < 0 {
				end = len(s)
			}
			part, s = strings.TrimSpace(s[:end]), s[end:]
		}
		parts = append(parts, part)
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(s, ".")
	}
	return parts
}

// valueState follows a value across lines: while a multi-line string or an
// array (or TOML 1.1 inline table) is open, the next line belongs to it.
type valueState struct {
	quote string // `"""` or `'''` inside a multi-line string
	depth int    // brackets open
}

func (st *valueState) open() bool { return st.quote != "" || st.depth > 0 }

// scan reads one line of a value, or the rest of a key's line after "=".
func (st *valueState) scan(s string) {
	for i := 0; i < len(s); i++ {
		if st.quote != "" {
			switch {
			case st.quote == `"""` && s[i] == '\\':
				i++
			case strings.HasPrefix(s[i:], st.quote):
				i += 2
				st.quote = ""
			}
			continue
		}
		switch c := s[i]; {
		case strings.HasPrefix(s[i:], `"""`), strings.HasPrefix(s[i:], `'''`):
			st.quote = s[i : i+3]
			i += 2
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == '\'':
			if j := strings.IndexByte(s[i+1:], '\''); j >= 0 {
				i += j + 1
			} else {
				i = len(s)
			}
		case c == '#':
			return
		case c == '[', c == '{':
			st.depth++
		case c == ']', c == '}':
			st.depth--
		}
	}
}
