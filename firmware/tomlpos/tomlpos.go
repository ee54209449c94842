// Package tomlpos gives the problems found in a TOML file the line they are
// on, worded for the technician who has to fix the file.
//
// The TOML decoder (github.com/BurntSushi/toml) keeps the positions of keys
// to itself, and the line it reports for a value of the wrong type is that of
// the key's last occurrence in the file, not of the one at fault: in a file
// with twenty [[matter]] tables, a bad avg_minutes in the first is reported
// on the last. A File indexes where each table and key was written, so that
// both its own decoding errors and the problems a caller finds afterwards
// read "file:line: problem".
package tomlpos

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is a problem in a TOML file, with the line it was found on (0 when
// it is about the whole file).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// File is a TOML file's text and where its tables and keys were written.
type File struct {
	name    string
	src     []byte
	keys    map[string]int  // slot(table, occurrence, key) → line; key "" is the table's header
	headers map[string]bool // tables that have a [header] or [[header]]
}

// New indexes src, the text of the file called name in errors.
func New(name string, src []byte) *File {
	f := &File{name: name, src: src, keys: map[string]int{}, headers: map[string]bool{}}
	f.index()
	return f
}

// Name returns the file's name, as errors give it.
func (f *File) Name() string { return f.name }

func slot(table string, occ int, key string) string {
	return table + "#" + strconv.Itoa(occ) + "." + key
}

// Line returns the line of key in the occ-th [table] or [[table]] of the
// file (table "" is the top level, before any header; key "" the header),
// else the line of that table's header, else 0. Occurrences are counted
// from 0 across the whole file.
func (f *File) Line(table string, occ int, key string) int {
	if n, ok := f.keys[slot(table, occ, key)]; ok {
		return n
	}
	return f.keys[slot(table, occ, "")]
}

// Has reports whether key was written in the occ-th table (key "": whether
// that table has a header).
func (f *File) Has(table string, occ int, key string) bool {
	_, ok := f.keys[slot(table, occ, key)]
	return ok
}

// Errorf returns a problem found on line (0: in the whole file).
func (f *File) Errorf(line int, format string, args ...any) *Error {
	return &Error{f.name, line, fmt.Sprintf(format, args...)}
}

// Decode decodes the file into v, a pointer as for toml.Decode, and refuses
// what the decoder lets through: an empty file (nothing but comments and
// blank lines), which would otherwise read as a file missing every field,
// and keys v has no field for. Every error is an *Error on the line at
// fault, its problem in words: `matter "social-card": avg_minutes must be a
// number (got the string "six")`.
func (f *File) Decode(v any) (toml.MetaData, error) {
	var raw map[string]any
	md, err := toml.Decode(string(f.src), &raw)
	if err != nil {
		// The file is not TOML; the parser's own position is right.
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return md, f.Errorf(pe.Position.Line, "%s", pe.Message)
		}
		return md, f.Errorf(0, "%v", err)
	}
	if len(md.Keys()) == 0 {
		return md, f.Errorf(0, "the file is empty")
	}
	md, err = toml.Decode(string(f.src), v)
	if err != nil {
		return md, f.decodeError(raw, reflect.TypeOf(v).Elem(), err)
	}
	typ := reflect.TypeOf(v).Elem()
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		s := f.locate(raw, k, func(doc map[string]any) bool {
			md, err := decode(doc, typ)
			return err == nil && slices.ContainsFunc(md.Undecoded(), func(u toml.Key) bool { return u.String() == k.String() })
		})
		return md, f.Errorf(s.line, "unknown key %q", k.String())
	}
	return md, nil
}

// keyError is how the decoder words most errors about a value: the key, as
// quoted by %q, and the problem. Its line, if any, is not trusted.
var keyError = regexp.MustCompile(`^toml: (?:line \d+ )?\(last key ("(?:[^"\\]|\\.)*")\): (.*)$`)

// Type errors, as the decoder words them.
var (
	badType  = regexp.MustCompile(`^incompatible types: TOML value has type (.+); destination has type (.+)$`)
	notTable = regexp.MustCompile(`^type mismatch for .+: expected table but found (.+)$`)
)

// decodeError words an error decoding into a value of type typ. It finds
// the occurrence at fault by decoding the file's tables one at a time.
func (f *File) decodeError(raw map[string]any, typ reflect.Type, err error) error {
	var key, msg string
	var pe toml.ParseError
	if errors.As(err, &pe) {
		key, msg = pe.LastKey, pe.Message
	} else if m := keyError.FindStringSubmatch(err.Error()); m != nil {
		key, _ = strconv.Unquote(m[1])
		msg = m[2]
	} else {
		return f.Errorf(0, "%s", strings.TrimPrefix(err.Error(), "toml: "))
	}
	k := toml.Key(splitKey(key))
	s := f.locate(raw, k, func(doc map[string]any) bool {
		_, err := decode(doc, typ)
		return err != nil
	})
	what := strings.Join(s.rest, ".")
	if s.label != "" {
		what = s.label + ": " + what
	}
	if m := badType.FindStringSubmatch(msg); m != nil {
		return f.Errorf(s.line, "%s must be %s (got %s)", what, wantWords(m[2]), gotWords(m[1], s.value))
	}
	if m := notTable.FindStringSubmatch(msg); m != nil {
		return f.Errorf(s.line, "%s must be a table (got %s)", what, gotWords(m[1], s.value))
	}
	return f.Errorf(s.line, "%s: %s", what, msg)
}

// decode decodes a document built from part of the file into a new value
// of type typ.
func decode(doc map[string]any, typ reflect.Type) (toml.MetaData, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
		return toml.MetaData{}, err
	}
	return toml.Decode(buf.String(), reflect.New(typ).Interface())
}

// spot is where in the file a key at fault was written.
type spot struct {
	line  int
	label string   // the table holding it: `matter "social-card"`, "figures"; "" at the top level
	rest  []string // the key within that table
	value any      // its value, nil when not found
}

// locate finds the line of key k, which the decoder names without saying
// which occurrence of an array of tables (or of an array of inline tables)
// holds it. At each array on the way it keeps the first element for which
// fails, given a document holding only that element, still reports the
// problem.
func (f *File) locate(raw map[string]any, k toml.Key, fails func(map[string]any) bool) spot {
	wrap := func(x map[string]any) map[string]any { return x }
	node := raw
	tables := make([]map[string]any, len(k)) // tables[i]: the table at k[:i+1], nil if none
	inArray := make([]bool, len(k))
	var value any
	for i, name := range k {
		value = node[name]
		outer := wrap
		var elems []map[string]any
		switch c := value.(type) {
		case map[string]any:
			wrap = func(x map[string]any) map[string]any { return outer(map[string]any{name: x}) }
			node, tables[i] = c, c
			continue
		case []map[string]any:
			elems = c
			wrap = func(x map[string]any) map[string]any { return outer(map[string]any{name: []map[string]any{x}}) }
		case []any:
			for _, e := range c {
				if m, ok := e.(map[string]any); ok {
					elems = append(elems, m)
				}
			}
			wrap = func(x map[string]any) map[string]any { return outer(map[string]any{name: []any{x}}) }
		}
		j := slices.IndexFunc(elems, func(e map[string]any) bool { return fails(wrap(e)) })
		if j < 0 {
			break
		}
		node, tables[i], inArray[i] = elems[j], elems[j], true
	}
	// The key lies in the deepest table on its path that has a header.
	h := len(k)
	for h > 0 && (tables[h-1] == nil || !f.headers[strings.Join(k[:h], ".")]) {
		h--
	}
	s := spot{rest: k[h:], value: value}
	table, occ := "", 0
	if h > 0 {
		table = strings.Join(k[:h], ".")
		occ = slices.IndexFunc(instances(raw, k[:h]), func(m map[string]any) bool {
			return reflect.ValueOf(m).UnsafePointer() == reflect.ValueOf(tables[h-1]).UnsafePointer()
		})
		s.label = table
		if inArray[h-1] {
			s.label = name(table, occ, tables[h-1])
		}
		if len(s.rest) == 0 { // the table itself is at fault
			s.label, s.rest = "", k
		}
	}
	s.line = f.Line(table, occ, "")
	for r := len(s.rest); r > 0; r-- {
		if n, ok := f.keys[slot(table, occ, strings.Join(s.rest[:r], "."))]; ok {
			s.line = n
			break
		}
	}
	return s
}

// instances returns every table at path, in file order: the elements of
// arrays of tables on the way are taken one after the other.
func instances(node any, path []string) []map[string]any {
	switch n := node.(type) {
	case map[string]any:
		if len(path) == 0 {
			return []map[string]any{n}
		}
		return instances(n[path[0]], path[1:])
	case []map[string]any:
		var all []map[string]any
		for _, e := range n {
			all = append(all, instances(e, path)...)
		}
		return all
	}
	return nil
}

// name names the occ-th [[table]] by its id or name, as a technician knows
// it, else by its place in the file.
func name(table string, occ int, t map[string]any) string {
	for _, key := range []string{"id", "name"} {
		if s, ok := t[key].(string); ok && s != "" {
			return fmt.Sprintf("%s %q", table, s)
		}
	}
	return fmt.Sprintf("the %s [[%s]]", ordinal(occ+1), table)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// wantWords says what the decoder's destination type needs to be written as.
func wantWords(dst string) string {
	switch dst {
	case "float":
		return "a number"
	case "integer":
		return "a whole number"
	case "string", "primitive (string-like)":
		return "a string in quotes"
	case "boolean":
		return "true or false"
	case "slice":
		return "a list in [ ]"
	case "map":
		return "a table"
	}
	return dst
}

// gotWords says what was written instead: the value itself when it is the
// one at fault (it has the type the decoder names), else its kind.
func gotWords(typ string, v any) string {
	switch v := v.(type) {
	case string:
		if typ == "string" {
			return "the string " + strconv.Quote(v)
		}
	case int64:
		if typ == "int64" {
			return "the number " + strconv.FormatInt(v, 10)
		}
	case float64:
		if typ == "float64" {
			n := strconv.FormatFloat(v, 'g', -1, 64)
			if !strings.ContainsAny(n, ".eIN") { // 23.0 is not the whole number 23
				n += ".0"
			}
			return "the number " + n
		}
	case bool:
		if typ == "bool" {
			return strconv.FormatBool(v)
		}
	}
	switch typ {
	case "string":
		return "a string"
	case "int64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "[]any", "[]map[string]any":
		return "a list"
	case "map[string]any":
		return "a table"
	case "time.Time":
		return "a date or time"
	}
	return typ
}
