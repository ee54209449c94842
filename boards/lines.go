package boards

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// lineIndex remembers on which line each key of each table was written, so
// that problems found after decoding can still point at a line: the TOML
// decoder keeps key positions to itself.
type lineIndex struct {
	keys    map[string]int // "table#occurrence.key" → line; key "" is the table's header
	headers []int          // lines of all table headers, in order
	lines   []string
}

var (
	headerExpr = regexp.MustCompile(`^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?`)
	keyExpr    = regexp.MustCompile(`^([A-Za-z0-9_-]+)\s*=`)
)

func indexLines(src []byte) lineIndex {
	x := lineIndex{keys: map[string]int{}}
	seen := map[string]int{} // table → occurrences so far
	table, occ := "", 0
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		x.lines = append(x.lines, sc.Text())
		line := strings.TrimSpace(sc.Text())
		if m := headerExpr.FindStringSubmatch(line); m != nil {
			table, occ = m[1], seen[m[1]]
			seen[table]++
			x.keys[slot(table, occ, "")] = n
			x.headers = append(x.headers, n)
		} else if m := keyExpr.FindStringSubmatch(line); m != nil {
			if _, dup := x.keys[slot(table, occ, m[1])]; !dup {
				x.keys[slot(table, occ, m[1])] = n
			}
		}
	}
	return x
}

func slot(table string, occ int, key string) string {
	return table + "#" + strconv.Itoa(occ) + "." + key
}

// has reports whether key was written in the occ-th [table].
func (x lineIndex) has(table string, occ int, key string) bool {
	_, ok := x.keys[slot(table, occ, key)]
	return ok
}

// at returns the line of key in the occ-th [table], else the table's header
// line, else 0.
func (x lineIndex) at(table string, occ int, key string) int {
	if n, ok := x.keys[slot(table, occ, key)]; ok {
		return n
	}
	return x.keys[slot(table, occ, "")]
}

// undecoded returns the first line where a key the decoder did not use was
// written: a key in some occurrence of its table, or a table's header.
func (x lineIndex) undecoded(k toml.Key) int {
	table, last := strings.Join(k[:len(k)-1], "."), k[len(k)-1]
	for occ := 0; occ == 0 || x.has(table, occ, ""); occ++ {
		if n, ok := x.keys[slot(table, occ, last)]; ok {
			return n
		}
	}
	return x.at(k.String(), 0, "")
}

// block returns the text of the occ-th [table], header included, and the
// line before its header.
func (x lineIndex) block(table string, occ int) (string, int) {
	start := x.keys[slot(table, occ, "")]
	end := len(x.lines)
	for _, h := range x.headers {
		if h > start {
			end = h - 1
			break
		}
	}
	return strings.Join(x.lines[start-1:end], "\n"), start - 1
}

// tomlLineError matches the decoder's errors that are not ParseErrors but
// still say where, e.g. `toml: line 7 (last key "button.line"): incompatible types: ...`.
var tomlLineError = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// where splits a decoder error into its line, the last key and the message.
func where(err error) (line int, key, msg string) {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return pe.Position.Line, pe.LastKey, pe.Message
	}
	if m := tomlLineError.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2], m[2] + ": " + m[3]
	}
	return 0, "", err.Error()
}

// decodeError rewrites a decoder error as "what file:line: problem". The
// decoder places an error in an array of tables at the key's last
// occurrence; decoding each occurrence alone with decode finds the right one.
func decodeError(what, file string, src []byte, err error, decode func(string) error) error {
	line, key, msg := where(err)
	if i := strings.LastIndexByte(key, '.'); i > 0 {
		x := indexLines(src)
		table := key[:i]
		for occ := 0; x.has(table, occ, ""); occ++ {
			text, offset := x.block(table, occ)
			if err := decode(text); err != nil {
				if n, _, m := where(err); n > 0 {
					line, msg = offset+n, m
				}
				break
			}
		}
	}
	if line == 0 {
		return fmt.Errorf("%s %s: %s", what, file, msg)
	}
	return fmt.Errorf("%s %s:%d: %s", what, file, line, msg)
}
