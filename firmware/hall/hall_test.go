package hall

import (
	"fmt"
	"strings"
	"testing"

	"onetrip/assets"
)

func sample(t *testing.T) []byte {
	t.Helper()
	b, err := assets.FS.ReadFile(assets.SampleHall)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSampleHallIsComplete(t *testing.T) {
	h, err := Parse("sample.toml", sample(t))
	if err != nil {
		t.Fatalf("sample hall rejected: %v", err)
	}
	if len(h.Matters) < 12 || len(h.Categories) < 4 {
		t.Fatalf("sample has %d matters in %d categories, want >= 12 in >= 4", len(h.Matters), len(h.Categories))
	}
	var online, elsewhere int
	for _, m := range h.Matters {
		if m.Online {
			online++
		}
		if !m.Here {
			elsewhere++
		}
		if len(h.MattersIn(m.Category)) == 0 {
			t.Errorf("category %s empty", m.Category)
		}
	}
	if online == 0 || elsewhere == 0 {
		t.Fatalf("sample needs online and elsewhere matters: online=%d elsewhere=%d", online, elsewhere)
	}
	if h.IdleTimeout.Seconds() != 60 || h.ResetHour != 6 {
		t.Fatalf("idle %v reset %d", h.IdleTimeout, h.ResetHour)
	}
	m, ok := h.Matter("social-card")
	if !ok || m.Prefix != "A" || m.Name.In("en") != "Social security card" || m.Name.In("zh-CN") != "社保卡申领" {
		t.Fatalf("social-card = %+v", m)
	}
	if got := Link(m.DeepLink, h.ID, m.ID, ""); got != "https://zwfw.example.gov.cn/app/matter/social-card?hall=hz-sc" {
		t.Fatalf("deep link %q", got)
	}
}

// Each broken file must be rejected with the file name, the line of the
// problem and words a technician can act on.
func TestBrokenFilesNameLineAndProblem(t *testing.T) {
	src := string(sample(t))
	lineOf := func(s string) int {
		i := strings.Index(src, s)
		if i < 0 {
			t.Fatalf("sample lacks %q", s)
		}
		return strings.Count(src[:i], "\n") + 1
	}
	cases := []struct {
		name, old, new, want string
		line                 int
	}{
		{"syntax", `reset_hour = 6`, `reset_hour = = 6`, "expected", lineOf(`reset_hour = 6`)},
		{"unknown key", `reset_hour = 6`, "reset_hour = 6\ncolour = \"blue\"", `unknown key "colour"`, lineOf(`reset_hour = 6`) + 1},
		{"unknown key in matter", `prefix = "C"`, "prefix = \"C\"\nwindow = 7", `unknown key "matter.window"`, lineOf(`prefix = "C"`) + 1},
		{"duplicate prefix", `prefix = "B"`, `prefix = "A"`, `duplicate prefix "A"`, lineOf(`prefix = "B"`)},
		{"missing where", `where = { zh = "2楼 A区 7号窗口", en = "2F, Area A, window 7" }`, ``, `matter "pension-cert": where: missing field`, lineOf(`id = "pension-cert"`) - 1},
		{"bad template", `https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}"
avg_minutes = 6`, `https://zwfw.example.gov.cn/app/{mater}"
avg_minutes = 6`, "unknown placeholder {mater}", lineOf(`deep_link`)},
		{"unbalanced template", `queue_link = "https://zwfw.example.gov.cn/queue?hall={hall}&ticket={ticket}&t={token}"`, `queue_link = "https://x.example/{hall"`, "unbalanced", lineOf(`queue_link`)},
		{"unknown category", `category = "business"`, `category = "busines"`, `category "busines" is not defined`, lineOf(`category = "business"`)},
		{"missing here", "here = true\nonline = true\ndeep_link = \"https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}\"\navg_minutes = 6", "online = true\ndeep_link = \"https://zwfw.example.gov.cn/app/matter/{matter}?hall={hall}\"\navg_minutes = 6", `missing field "here"`, lineOf(`id = "social-card"`)},
		{"bad idle", `idle_timeout = "60s"`, `idle_timeout = "soon"`, `"soon" is not a duration`, lineOf(`idle_timeout`)},
		{"window serves unknown matter", "number = 7\nmatters = [\"pension-cert\"]", "number = 7\nmatters = [\"pension\"]", `window 7: matter "pension" is not defined`, lineOf("number = 7\n") + 1},
		{"window serves matter handled elsewhere", "number = 7\nmatters = [\"pension-cert\"]", "number = 7\nmatters = [\"passport\"]", `window 7: matter "passport" is not handled in this hall`, lineOf("number = 7\n") + 1},
		{"matter served nowhere", "number = 41\nmatters = [\"property-cert-query\"]", "number = 41\nmatters = [\"property-register\"]", `matter "property-cert-query": no [[window]] serves it`, lineOf(`id = "property-cert-query"`)},
		{"window twice", "number = 41\n", "number = 40\n", `window 40 is listed twice`, lineOf("number = 41\n")},
		{"satisfied levels", `satisfied_levels = 3`, `satisfied_levels = 5`, `satisfied_levels must be 1-4`, lineOf(`satisfied_levels = 3`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			broken := strings.Replace(src, c.old, c.new, 1)
			if broken == src {
				t.Fatalf("case did not change the file")
			}
			_, err := Parse("hall.toml", []byte(broken))
			if err == nil {
				t.Fatal("accepted a broken file")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "hall.toml:") || !strings.Contains(msg, c.want) {
				t.Fatalf("error %q: want file name and %q", msg, c.want)
			}
			if c.line > 0 && !strings.HasPrefix(msg, fmt.Sprintf("hall.toml:%d:", c.line)) {
				t.Fatalf("error %q: want line %d", msg, c.line)
			}
			if strings.Contains(msg, "\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
		})
	}
}
