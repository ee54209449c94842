package audit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/ui/locale"
	"onetrip/ui/screen"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fill sets every field of v to something other than its zero value.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("x" + strings.Repeat("y", *n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 2, 9, 30, *n, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	}
}

func TestEveryEventKindRoundTrips(t *testing.T) {
	for name, typ := range kinds {
		v := reflect.New(typ).Elem()
		n := 0
		fill(v, &n)
		ev := v.Interface().(flow.Event)
		kind, fields, err := Encode(ev)
		if err != nil || kind != name {
			t.Fatalf("Encode(%#v) = %q, %v", ev, kind, err)
		}
		got, err := Decode(kind, fields)
		if err != nil {
			t.Fatalf("Decode(%s, %s): %v", kind, fields, err)
		}
		if !reflect.DeepEqual(got, Mask(ev)) {
			t.Errorf("%s: %#v round-trips to %#v", name, Mask(ev), got)
		}
	}
	if _, _, err := Encode(nil); err == nil {
		t.Error("Encode(nil) succeeded")
	}
	if _, err := Decode("teleport", []byte("{}")); err == nil {
		t.Error("Decode of an unknown kind succeeded")
	}
}

// Every type in package flow with the event method has a name in the trail.
func TestEveryFlowEventHasAKind(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "flow", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for typ := range kindOf {
		named[typ.Name()] = true
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "event" || fn.Recv == nil {
				continue
			}
			found++
			recv := fn.Recv.List[0].Type.(*ast.Ident).Name
			if !named[recv] {
				t.Errorf("flow.%s has no kind in the audit trail", recv)
			}
		}
	}
	if found != len(kinds) {
		t.Errorf("flow has %d event kinds, the trail names %d", found, len(kinds))
	}
}

var holders = []flow.Holder{
	{Name: "张三丰", Number: "33010219800101123X"},
	{Name: "欧阳锋一", Number: "330106900307123"},
	{Name: "李四", Number: "12345678"},
	{Name: "王", Number: "1234"},
	{Name: "", Number: ""}, // a presence-only reader
}

// The screen masks the holder it is given: given the masked holder, it must
// draw exactly the same pixels, or a replay could never match.
func TestMaskedHolderDrawsTheSameScreen(t *testing.T) {
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg := flow.NewConfig(h)
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.Local)
	p := screen.NewPainter()
	frame := image.NewRGBA(screen.Size)
	draw := func(s flow.State) string {
		p.Draw(frame, screen.Build(cfg, s, cats, now), "")
		return Hash(frame)
	}
	for _, holder := range holders {
		m := MaskHolder(holder)
		if MaskHolder(m) != m {
			t.Errorf("masking %+v twice gives %+v, once %+v", holder, MaskHolder(m), m)
		}
		if m.Name == holder.Name && holder.Name != "" && holder.Name != "王" || m.Number == holder.Number && len(holder.Number) > 4 {
			t.Errorf("%+v masked is %+v", holder, m)
		}
		for _, lang := range cfg.Languages {
			raw := flow.State{Screen: flow.ID, Lang: lang, Holder: &holder, CardOnReader: true, LastInput: now}
			masked := raw
			masked.Holder = &m
			if draw(raw) != draw(masked) {
				t.Errorf("%s: the ID screen for %+v differs from the one for %+v", lang, holder, m)
			}
		}
	}
}

func open(t *testing.T, path string) *Trail {
	t.Helper()
	tr, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sampleConfig(t *testing.T) *flow.Config {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return flow.NewConfig(h)
}

// drive feeds a recorder a session the way the kiosk would: it steps the
// flow and reports each event and a frame after it.
func drive(r *Recorder, cfg *flow.Config, s flow.State, at time.Time, evs ...flow.Event) flow.State {
	frame := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i, ev := range evs {
		now := at.Add(time.Duration(i) * time.Second)
		after, _ := flow.Step(cfg, s, ev, now)
		r.Event(now, ev, s, after)
		s = after
		r.Frame(now, s, "", frame)
	}
	return s
}

func TestCloseWritesEveryEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	tr := open(t, path)
	cfg := sampleConfig(t)
	r, err := tr.Record(cfg, "test", quiet)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := flow.New(cfg, at)
	const rounds = 300 // more than the writer takes in one transaction
	for i := range rounds {
		s = drive(r, cfg, s, at.Add(time.Duration(i)*time.Minute),
			flow.Tap{ID: "start"}, flow.CardRead{Holder: holders[0]}, flow.Tap{ID: "cancel"})
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	// Calls after Close are dropped, not a panic.
	drive(r, cfg, s, at, flow.Tap{ID: "start"})

	tr = open(t, path)
	defer tr.Close()
	all, err := tr.Sessions(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	// Each citizen's session is followed by idle time.
	if len(all) != 2*rounds {
		t.Fatalf("%d sessions, want %d", len(all), 2*rounds)
	}
	citizens, err := tr.Sessions(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(citizens) != rounds {
		t.Fatalf("%d citizens' sessions, want %d", len(citizens), rounds)
	}
	entries := 0
	for _, c := range citizens {
		if c.Ended.Sub(c.Started) != 2*time.Second || c.State.Screen != flow.Attract {
			t.Fatalf("session %+v", c)
		}
		_, es, err := tr.Session(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// start, card, cancel and their frames; the attract frame after
		// cancel is the next idle time's.
		if len(es) != 5 || es[0].Kind != "tap" || es[1].Kind != "frame" || es[4].Kind != "tap" {
			t.Fatalf("session %d: %+v", c.ID, es)
		}
		entries += len(es)
	}
	if entries != 5*rounds {
		t.Fatalf("%d entries", entries)
	}

	// A second run numbers its sessions after the first's, and begins
	// with idle time at its first frame.
	r2, err := tr.Record(cfg, "test", quiet)
	if err != nil {
		t.Fatal(err)
	}
	s = flow.New(cfg, at)
	r2.Frame(at, s, "", image.NewRGBA(image.Rect(0, 0, 4, 4)))
	drive(r2, cfg, s, at, flow.Tap{ID: "start"})
	tr.Close()
	tr = open(t, path)
	all2, err := tr.Sessions(context.Background(), false)
	if err != nil || len(all2) != len(all)+2 || all2[len(all2)-1].ID != all[len(all)-1].ID+2 {
		t.Fatalf("second run: %d sessions (%v)", len(all2), err)
	}
}

func TestNoPersonalDataInTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.db")
	tr := open(t, path)
	cfg := sampleConfig(t)
	r, err := tr.Record(cfg, "test", quiet)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	s := flow.New(cfg, at)
	for _, h := range holders[:2] {
		// A card on the attract screen: the state the session begins from
		// and the events carry the holder.
		s = drive(r, cfg, s, at, flow.CardPresent{}, flow.CardRead{Holder: h}, flow.Tap{ID: "continue"}, flow.Tap{ID: "cancel"})
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + "*")
	var raw []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	for _, h := range holders[:2] {
		for _, secret := range []string{h.Name, h.Number, h.Number[4:10]} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("the audit file holds %q", secret)
			}
		}
		if !bytes.Contains(raw, []byte(MaskHolder(h).Number)) {
			t.Errorf("the audit file lacks the masked number %q", MaskHolder(h).Number)
		}
	}
}

func TestOpenChecksTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.db")
	tr := open(t, path)
	tr.Close()
	tr = open(t, path) // ours: opens again
	tr.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var appID, version int
	var mode string
	db.QueryRow("PRAGMA application_id").Scan(&appID)
	db.QueryRow("PRAGMA user_version").Scan(&version)
	db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if appID != applicationID || version != kind.Version() || mode != "wal" {
		t.Errorf("application id %#x, version %d, journal %s", appID, version, mode)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer schema: %v", err)
	}

	// Someone else's database, and a file that is not SQLite at all, are
	// refused and left as they were.
	other := filepath.Join(dir, "tickets.db")
	db, _ = sql.Open("sqlite", other)
	db.Exec("CREATE TABLE t (x)")
	db.Close()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, bytes.Repeat([]byte("not a database\n"), 100), 0o644)
	for _, p := range []string{other, text} {
		before, _ := os.ReadFile(p)
		_, err := Open(p)
		if !errors.Is(err, ErrNotAuditTrail) || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(%s) = %v", p, err)
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Errorf("%s changed", p)
		}
	}
}

func TestConfigFlowRefusesAnotherHall(t *testing.T) {
	cfg := sampleConfig(t)
	cfg.OnBus, cfg.IdleTimeout = true, 7*time.Second
	c := configOf(cfg, "test")
	got, err := c.Flow(cfg.Hall)
	if err != nil || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("Flow = %+v, %v; want %+v", got, err, cfg)
	}
	changed := *cfg.Hall
	changed.Version = "0123456789ab"
	if _, err := c.Flow(&changed); err == nil {
		t.Error("another hall version was accepted")
	}
}
