package tomlpos

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type item struct {
	ID    string  `toml:"id"`
	Count int     `toml:"count"`
	Share float64 `toml:"share"`
	On    bool    `toml:"on"`
	Parts []struct {
		Name  string `toml:"name"`
		Spare bool   `toml:"spare"`
	} `toml:"parts"`
	Label struct {
		Zh string `toml:"zh"`
	} `toml:"label"`
}

type doc struct {
	Title string   `toml:"title"`
	Text  string   `toml:"text"`
	Langs []string `toml:"langs"`
	Wait  time.Duration
	Opts  struct {
		Level int `toml:"level"`
	} `toml:"opts"`
	Items []item `toml:"item"`
	Group struct {
		Members []struct {
			Kind string `toml:"kind"`
			Port int    `toml:"port"`
		} `toml:"member"`
	} `toml:"group"`
}

const good = `# a test file
title = "t"
langs = ["a", "b"]
text = """
[not a header]
count = 1
"""

[opts]
level = 1

[[item]]
id = "first"
count = 1
share = 0.5
on = true
parts = [
  { name = "p", spare = true },
  { name = "q" },
]
label = { zh = "甲" }

[[item]]
id = "second"
count = 2
label.zh = "乙"

[[item]]
count = 3

[[group.member]]
kind = "x"
port = 1

[[group.member]]
kind = "y"
port = 2
`

func TestIndex(t *testing.T) {
	f := New("f.toml", []byte(good))
	for _, c := range []struct {
		table string
		occ   int
		key   string
		line  int
	}{
		{"", 0, "title", 2},
		{"", 0, "count", 0}, // inside the multi-line string
		{"opts", 0, "level", 10},
		{"item", 0, "", 12},
		{"item", 0, "parts", 17},
		{"item", 0, "name", 12}, // inside an array: the header
		{"item", 1, "count", 25},
		{"item", 1, "label", 26},
		{"item", 1, "label.zh", 26},
		{"item", 2, "id", 28}, // not written: the header
		{"group.member", 1, "port", 37},
		{"nothing", 0, "x", 0},
	} {
		if got := f.Line(c.table, c.occ, c.key); got != c.line {
			t.Errorf("Line(%q, %d, %q) = %d, want %d", c.table, c.occ, c.key, got, c.line)
		}
	}
	if !f.Has("item", 1, "label") || f.Has("item", 2, "id") || !f.Has("item", 2, "") {
		t.Error("Has is wrong")
	}
}

// A value of the wrong type is reported on its own line, in the occurrence
// it was written in, in words.
func TestDecodeErrors(t *testing.T) {
	cases := []struct{ old, new, want string }{
		{`count = 2`, `count = "two"`, `f.toml:25: item "second": count must be a whole number (got the string "two")`},
		{`count = 3`, `count = 3.5`, `f.toml:29: the 3rd [[item]]: count must be a whole number (got the number 3.5)`},
		{`count = 2`, `count = 2.0`, `f.toml:25: item "second": count must be a whole number (got the number 2.0)`},
		{`share = 0.5`, `share = "half"`, `f.toml:15: item "first": share must be a number (got the string "half")`},
		{`on = true`, `on = "yes"`, `f.toml:16: item "first": on must be true or false (got the string "yes")`},
		{`langs = ["a", "b"]`, `langs = "a"`, `f.toml:3: langs must be a list in [ ] (got the string "a")`},
		{`langs = ["a", "b"]`, `langs = ["a", 2]`, `f.toml:3: langs must be a string in quotes (got a number)`},
		{`title = "t"`, `title = 1979-05-27`, `f.toml:2: title must be a string in quotes (got a date or time)`},
		{`level = 1`, `level = "high"`, `f.toml:10: opts: level must be a whole number (got the string "high")`},
		{`{ name = "q" }`, `{ name = "q", spare = 1 }`, `f.toml:17: item "first": parts.spare must be true or false (got the number 1)`},
		{`label.zh = "乙"`, `label = "乙"`, `f.toml:26: item "second": label must be a table (got the string "乙")`},
		{`label.zh = "乙"`, `label.zh = 2`, `f.toml:26: item "second": label.zh must be a string in quotes (got the number 2)`},
		{`port = 2`, `port = "2"`, `f.toml:37: the 2nd [[group.member]]: port must be a whole number (got the string "2")`},
		{`title = "t"`, "title = \"t\"\nWait = \"soon\"", `f.toml:3: Wait: invalid duration: "soon"`},
		{`title = "t"`, `title = = "t"`, `f.toml:2: expected value but found '=' instead`},
		{`count = 2`, "count = 2\ncolour = 1", `f.toml:26: unknown key "item.colour"`},
		{`{ name = "q" }`, `{ name = "q", size = 1 }`, `f.toml:17: unknown key "item.parts.size"`},
		{"[[group.member]]\nkind = \"y\"", "[[group.member]]\nkind = \"y\"\nspeed = 3", `f.toml:37: unknown key "group.member.speed"`},
		{"[opts]", "[extra]\na = 1\n\n[opts]", `f.toml:9: unknown key "extra"`},
	}
	for _, c := range cases {
		src := strings.Replace(good, c.old, c.new, 1)
		if src == good {
			t.Fatalf("%q not in the file", c.old)
		}
		_, err := New("f.toml", []byte(src)).Decode(new(doc))
		var e *Error
		if !errors.As(err, &e) || err.Error() != c.want {
			t.Errorf("%s → %s:\n got %v\nwant %s", c.old, c.new, err, c.want)
		}
	}
	if _, err := New("f.toml", []byte(good)).Decode(new(doc)); err != nil {
		t.Errorf("good file: %v", err)
	}
}

func TestEmptyFile(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# only a comment\n  \n# another\n"} {
		_, err := New("f.toml", []byte(src)).Decode(new(doc))
		if err == nil || err.Error() != "f.toml: the file is empty" {
			t.Errorf("Decode(%q) = %v", src, err)
		}
	}
}

func TestSplitKey(t *testing.T) {
	for in, want := range map[string]string{
		"a":                 "a",
		"a.b":               "a|b",
		" a . b ":           "a|b",
		`"a.b".c`:           "a.b|c",
		`'x y'.z`:           "x y|z",
		`site."google.com"`: "site|google.com",
	} {
		if got := strings.Join(splitKey(in), "|"); got != want {
			t.Errorf("splitKey(%q) = %q, want %q", in, got, want)
		}
	}
}
