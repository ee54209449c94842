package hall

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// lineIndex remembers on which line each key of each table was written, so
// that errors found after decoding can still point at a line. The decoder
// itself does not expose key positions.
type lineIndex struct {
	keys  map[string]int // "table#occurrence.key" → line; key "" is the header
	lines []string
}

var (
	headerExpr = regexp.MustCompile(`^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?`)
	keyExpr    = regexp.MustCompile(`^([A-Za-z0-9_-]+)\s*=`)
)

func indexLines(src []byte) lineIndex {
	idx := lineIndex{keys: map[string]int{}}
	seen := map[string]int{}
	table, occ := "", 0
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		idx.lines = append(idx.lines, line)
		if m := headerExpr.FindStringSubmatch(line); m != nil {
			table = m[1]
			occ = seen[table]
			seen[table]++
			idx.keys[slot(table, occ, "")] = n
			continue
		}
		if m := keyExpr.FindStringSubmatch(line); m != nil {
			if _, dup := idx.keys[slot(table, occ, m[1])]; !dup {
				idx.keys[slot(table, occ, m[1])] = n
			}
		}
	}
	return idx
}

func slot(table string, occ int, key string) string {
	return table + "#" + strconv.Itoa(occ) + "." + key
}

// find returns the line of key in the occ-th [table] (the header line when the
// key is absent, 0 when the table is absent).
func (x lineIndex) find(table string, occ int, key string) int {
	if n, ok := x.keys[slot(table, occ, key)]; ok {
		return n
	}
	return x.keys[slot(table, occ, "")]
}

// key returns the first line where an undecoded key was written.
func (x lineIndex) key(k toml.Key) int {
	last := k[len(k)-1]
	table := strings.Join(k[:len(k)-1], ".")
	for occ := 0; ; occ++ {
		if _, ok := x.keys[slot(table, occ, "")]; !ok && !(table == "" && occ == 0) {
			break
		}
		if n, ok := x.keys[slot(table, occ, last)]; ok {
			return n
		}
	}
	word := regexp.MustCompile(`(^|[{,\s])` + regexp.QuoteMeta(last) + `\s*=`)
	for i, l := range x.lines {
		if word.MatchString(l) {
			return i + 1
		}
	}
	return 0
}
