package locale

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedCatalogsAgree(t *testing.T) {
	cs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	zh, en := cs.Get("zh-CN"), cs.Get("en")
	if got := zh.T("done.ahead", "n", 3); got != "前面还有 3 人" {
		t.Fatalf("zh done.ahead = %q", got)
	}
	if got := en.T("done.ahead", "n", 3); got != "3 people ahead of you" {
		t.Fatalf("en done.ahead = %q", got)
	}
	if cs.Get("fr") != zh {
		t.Fatal("unknown language should fall back to zh-CN")
	}
	if got := zh.T("no.such"); got != "{no.such}" {
		t.Fatalf("missing key shows %q", got)
	}
}

func TestCatalogMismatchIsNamed(t *testing.T) {
	good := "[a]\nx = \"你好 {name}\"\n"
	cases := map[string]struct{ en, want string }{
		"missing key":         {"[a]\n", `en.toml: missing "a.x"`},
		"extra key":           {"[a]\nx = \"hi {name}\"\ny = \"z\"\n", `"a.y" is not in zh-CN.toml`},
		"placeholder differs": {"[a]\nx = \"hi {nmae}\"\n", `"a.x" uses placeholders [{nmae}]`},
		"syntax":              {"[a\n", "locale/en.toml"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"locale/zh-CN.toml": {Data: []byte(good)},
				"locale/en.toml":    {Data: []byte(c.en)},
			}
			_, err := LoadFS(fsys, "locale")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestRolePartsMergeIntoTheirLanguage(t *testing.T) {
	fsys := fstest.MapFS{
		"locale/zh-CN.toml":         {Data: []byte("[a]\nx = \"甲\"\n")},
		"locale/en.toml":            {Data: []byte("[a]\nx = \"a\"\n")},
		"locale/counter.zh-CN.toml": {Data: []byte("[counter]\ncall = \"叫号\"\n")},
		"locale/counter.en.toml":    {Data: []byte("[counter]\ncall = \"Call\"\n")},
	}
	cs, err := LoadFS(fsys, "locale")
	if err != nil {
		t.Fatal(err)
	}
	if got := cs.Get("en").T("counter.call"); got != "Call" {
		t.Fatalf("en counter.call = %q", got)
	}
	fsys["locale/other.en.toml"] = &fstest.MapFile{Data: []byte("[counter]\ncall = \"Next\"\n")}
	if _, err := LoadFS(fsys, "locale"); err == nil || !strings.Contains(err.Error(), `"counter.call" is defined in another en file`) {
		t.Fatalf("a key defined twice: err = %v", err)
	}
}
