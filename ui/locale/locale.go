// Package locale holds the screen and ticket text in every language the kiosk
// speaks. Catalogs are TOML files in assets/locale; they are checked against
// each other at start so a missing or mistyped string never reaches a citizen.
package locale

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"onetrip/assets"
)

// Default is the language a session starts in.
const Default = "zh-CN"

// Catalog is one language's text, keyed "section.key".
type Catalog struct {
	Lang string
	text map[string]string
}

// Catalogs maps a language tag to its catalog.
type Catalogs map[string]*Catalog

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// Load reads and cross-checks every embedded catalog.
func Load() (Catalogs, error) { return LoadFS(assets.FS, "locale") }

// LoadFS reads every *.toml in dir of fsys. A file is named for its language
// ("zh-CN.toml") or for a part and its language ("counter.zh-CN.toml"), so
// each terminal role keeps its text in files of its own; the parts of one
// language are merged and may not define a key twice.
func LoadFS(fsys fs.FS, dir string) (Catalogs, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.toml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("locale: no catalogs in %s", dir)
	}
	cats := Catalogs{}
	for _, f := range files {
		var raw map[string]map[string]string
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("locale %s: %w", f, err)
		}
		if _, err := toml.Decode(string(src), &raw); err != nil {
			return nil, fmt.Errorf("locale %s: %w", f, err)
		}
		name := strings.TrimSuffix(path.Base(f), ".toml")
		lang := name[strings.LastIndex(name, ".")+1:]
		c := cats[lang]
		if c == nil {
			c = &Catalog{Lang: lang, text: map[string]string{}}
			cats[lang] = c
		}
		for sec, kv := range raw {
			for k, v := range kv {
				if _, dup := c.text[sec+"."+k]; dup {
					return nil, fmt.Errorf("locale %s: %q is defined in another %s file too", f, sec+"."+k, lang)
				}
				c.text[sec+"."+k] = v
			}
		}
	}
	if cats[Default] == nil {
		return nil, fmt.Errorf("locale: no %s catalog in %s", Default, dir)
	}
	return cats, cats.check()
}

// check makes every catalog carry the same keys with the same placeholders as
// the default one.
func (cs Catalogs) check() error {
	ref := cs[Default]
	for lang, c := range cs {
		for _, k := range ref.Keys() {
			v, ok := c.text[k]
			if !ok {
				return fmt.Errorf("locale %s.toml: missing %q (present in %s.toml)", lang, k, Default)
			}
			if !slices.Equal(holes(v), holes(ref.text[k])) {
				return fmt.Errorf("locale %s.toml: %q uses placeholders %v, %s.toml uses %v", lang, k, holes(v), Default, holes(ref.text[k]))
			}
		}
		for k := range c.text {
			if _, ok := ref.text[k]; !ok {
				return fmt.Errorf("locale %s.toml: %q is not in %s.toml", lang, k, Default)
			}
		}
	}
	return nil
}

func holes(s string) []string {
	h := placeholder.FindAllString(s, -1)
	slices.Sort(h)
	return h
}

// Get returns the catalog for lang, or the default one.
func (cs Catalogs) Get(lang string) *Catalog {
	if c, ok := cs[lang]; ok {
		return c
	}
	return cs[Default]
}

// T returns the text for key with {name} placeholders filled from pairs of
// name, value. A missing key shows as the key itself, visibly wrong in tests.
func (c *Catalog) T(key string, pairs ...any) string {
	s, ok := c.text[key]
	if !ok {
		return "{" + key + "}"
	}
	if len(pairs) == 0 {
		return s
	}
	args := make([]string, 0, len(pairs))
	for i := 0; i+1 < len(pairs); i += 2 {
		args = append(args, "{"+fmt.Sprint(pairs[i])+"}", fmt.Sprint(pairs[i+1]))
	}
	return strings.NewReplacer(args...).Replace(s)
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool { _, ok := c.text[key]; return ok }

// Keys returns every key, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.text))
	for k := range c.text {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
