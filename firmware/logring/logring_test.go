package logring

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"onetrip/hal/idcard"
)

func TestKeepsTheNewestLinesAndPassesEverythingOn(t *testing.T) {
	var out bytes.Buffer
	r := New(3)
	log := slog.New(r.Handler(slog.NewTextHandler(&out, nil)))
	for _, m := range []string{"one", "two", "three", "four"} {
		log.Info(m, "n", len(m))
	}
	got := r.Lines()
	if len(got) != 3 || !strings.HasSuffix(got[0], "INFO  two n=3") || !strings.HasSuffix(got[2], "INFO  four n=4") {
		t.Fatalf("lines %q, want two, three, four", got)
	}
	if strings.Count(out.String(), "\n") != 4 {
		t.Fatalf("the next handler got %q, want all four records", out.String())
	}
}

func TestPersonalValuesAreNeverKept(t *testing.T) {
	r := New(10)
	log := slog.New(r.Handler(slog.NewTextHandler(&bytes.Buffer{}, nil))).With("terminal", "kiosk-1")
	card := idcard.Card{Name: "张三丰", Number: "33010219800101123X"}
	log.Info("card refused", "card", card, "why", "expired")
	log.WithGroup("citizen").Warn("oops", "name", "张三丰", "Address", "解放路1号")
	log.Info("ticket issued", "number", "A023")
	all := strings.Join(r.Lines(), "\n")
	for _, leak := range []string{"张三丰", "33010219800101123X", "解放路"} {
		if strings.Contains(all, leak) {
			t.Errorf("kept lines show %q:\n%s", leak, all)
		}
	}
	for _, want := range []string{"terminal=kiosk-1", "citizen.name=" + Hidden, "citizen.Address=" + Hidden, "number=A023", "why=expired"} {
		if !strings.Contains(all, want) {
			t.Errorf("kept lines lack %q:\n%s", want, all)
		}
	}
}
