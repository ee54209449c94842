// Package control is the automation API of the simulated board: JSON over
// HTTP on a loopback address, for tests and demos. It drives the kiosk through
// the same paths a citizen does: touches become pointer events, cards go into
// the simulated reader and come out through the real parser.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"time"

	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/idcard"
	"onetrip/hal/idcard/idcardsim"
	"onetrip/ui/screen"
)

// Terminal is what the API drives: the kiosk or another hall terminal. Its
// accessors are called inside Do, on the terminal's own goroutine.
type Terminal interface {
	Do(ctx context.Context, f func()) error
	Layout() *screen.Layout
	Lang() string
	Frame() *image.RGBA
	Touch(p image.Point)
}

// Sim is the simulated hardware the API may drive; nil members answer 409.
type Sim struct {
	Cards   *idcardsim.Reader
	Printer *escpossim.Printer
	Buttons func(name string) error
}

// API serves the control endpoints.
type API struct {
	k   Terminal
	sim Sim
	log *slog.Logger
	// ToWindow maps framebuffer pixels to window pixels (rotation); nil = same.
	ToWindow func(image.Rectangle) image.Rectangle
	// FromWindow maps a window pixel to the framebuffer; nil = same.
	FromWindow func(image.Point) image.Point
}

// New returns the API for terminal k.
func New(k Terminal, sim Sim, log *slog.Logger) *API {
	return &API{k: k, sim: sim, log: log}
}

// Handler returns the HTTP routes.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /screen", a.screen)
	mux.HandleFunc("POST /tap", a.tap)
	mux.HandleFunc("POST /card", a.card)
	mux.HandleFunc("POST /card/remove", a.cardRemove)
	mux.HandleFunc("POST /button", a.button)
	mux.HandleFunc("GET /screenshot", a.screenshot)
	mux.HandleFunc("GET /tickets", a.tickets)
	return mux
}

// Listen opens addr, which must be a loopback address: the control API has no
// authentication and must never face the hall's network.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("control address %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("control address %q: only loopback addresses (127.0.0.1, ::1) are allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("control address %q: %w", addr, err)
	}
	return ln, nil
}

// Serve runs the API on ln until ctx ends.
func (a *API) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// WidgetJSON is a widget as the API reports it, in window pixels.
type WidgetJSON struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	X       int    `json:"x"`
	Y       int    `json:"y"`
	W       int    `json:"w"`
	H       int    `json:"h"`
	Enabled bool   `json:"enabled"`
}

// TextJSON is a static text on screen, in window pixels: what a person reads.
type TextJSON struct {
	Text string `json:"text"`
	X    int    `json:"x"`
	Y    int    `json:"y"`
	W    int    `json:"w"`
	H    int    `json:"h"`
}

// ScreenJSON is the answer of GET /screen.
type ScreenJSON struct {
	Screen  string       `json:"screen"`
	Lang    string       `json:"lang"`
	Widgets []WidgetJSON `json:"widgets"`
	Texts   []TextJSON   `json:"texts"`
}

func (a *API) toWindow(r image.Rectangle) image.Rectangle {
	if a.ToWindow == nil {
		return r
	}
	return a.ToWindow(r)
}

func (a *API) screen(w http.ResponseWriter, r *http.Request) {
	var out ScreenJSON
	err := a.k.Do(r.Context(), func() {
		l := a.k.Layout()
		out.Screen, out.Lang = string(l.Screen), a.k.Lang()
		for _, wd := range l.Widgets {
			wr := a.toWindow(wd.Rect)
			out.Widgets = append(out.Widgets, WidgetJSON{wd.ID, wd.Label, wr.Min.X, wr.Min.Y, wr.Dx(), wr.Dy(), wd.Enabled})
		}
		for _, t := range l.Texts {
			tr := a.toWindow(t.Box)
			out.Texts = append(out.Texts, TextJSON{t.S, tr.Min.X, tr.Min.Y, tr.Dx(), tr.Dy()})
		}
	})
	if err != nil {
		fail(w, http.StatusServiceUnavailable, err)
		return
	}
	reply(w, out)
}

func (a *API) tap(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID   string `json:"id"`
		X, Y *int
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, fmt.Errorf("tap: body must be {\"id\"} or {\"x\",\"y\"}: %w", err))
		return
	}
	var problem error
	err := a.k.Do(r.Context(), func() {
		var p image.Point
		switch {
		case req.ID != "":
			wd, ok := a.k.Layout().Widget(req.ID)
			if !ok {
				problem = fmt.Errorf("tap: no widget %q on screen %s", req.ID, a.k.Layout().Screen)
				return
			}
			c := wd.Rect.Min.Add(wd.Rect.Size().Div(2))
			p = c
		case req.X != nil && req.Y != nil:
			p = image.Pt(*req.X, *req.Y)
			if a.FromWindow != nil {
				p = a.FromWindow(p)
			}
		default:
			problem = errors.New("tap: give an id or x and y")
			return
		}
		a.k.Touch(p)
	})
	switch {
	case err != nil:
		fail(w, http.StatusServiceUnavailable, err)
	case problem != nil:
		fail(w, http.StatusNotFound, problem)
	default:
		a.screen(w, r)
	}
}

// CardJSON is the body of POST /card: a card as printed on it.
type CardJSON struct {
	Name      string `json:"name"`
	Sex       string `json:"sex"`
	Nation    string `json:"nation"`
	Birth     string `json:"birth"`
	Address   string `json:"address"`
	IDNumber  string `json:"id_number"`
	Authority string `json:"authority"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
}

func (a *API) card(w http.ResponseWriter, r *http.Request) {
	if a.sim.Cards == nil {
		fail(w, http.StatusConflict, errors.New("card: this board's reader is not the simulated one"))
		return
	}
	var c CardJSON
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		fail(w, http.StatusBadRequest, fmt.Errorf("card: %w", err))
		return
	}
	card := &idcard.Card{Kind: idcard.Resident, Name: c.Name, Sex: c.Sex, Nation: c.Nation, Birth: c.Birth,
		Address: c.Address, Number: c.IDNumber, Authority: c.Authority, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo}
	defer card.Wipe()
	if err := a.sim.Cards.Put(card); err != nil {
		fail(w, http.StatusBadRequest, fmt.Errorf("card: %w", err))
		return
	}
	reply(w, map[string]string{"card": card.MaskedName()})
}

func (a *API) cardRemove(w http.ResponseWriter, r *http.Request) {
	if a.sim.Cards == nil {
		fail(w, http.StatusConflict, errors.New("card: this board's reader is not the simulated one"))
		return
	}
	a.sim.Cards.Remove()
	reply(w, map[string]bool{"removed": true})
}

func (a *API) button(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" {
		fail(w, http.StatusBadRequest, errors.New("button: body must be {\"name\"}"))
		return
	}
	if a.sim.Buttons == nil {
		fail(w, http.StatusConflict, errors.New("button: this board's buttons are not simulated"))
		return
	}
	if err := a.sim.Buttons(req.Name); err != nil {
		fail(w, http.StatusNotFound, err)
		return
	}
	reply(w, map[string]string{"button": req.Name})
}

func (a *API) screenshot(w http.ResponseWriter, r *http.Request) {
	var img *image.RGBA
	err := a.k.Do(r.Context(), func() {
		f := a.k.Frame()
		img = image.NewRGBA(f.Bounds())
		copy(img.Pix, f.Pix)
	})
	if err != nil {
		fail(w, http.StatusServiceUnavailable, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(buf.Bytes())
}

// JobJSON is one printed job in GET /tickets.
type JobJSON struct {
	Seq    int    `json:"seq"`
	ESCPOS string `json:"escpos"`
	PNG    string `json:"png"`
}

func (a *API) tickets(w http.ResponseWriter, r *http.Request) {
	if a.sim.Printer == nil {
		fail(w, http.StatusConflict, errors.New("tickets: this board's printer is not the simulated one"))
		return
	}
	out := []JobJSON{}
	for _, j := range a.sim.Printer.Jobs() {
		out = append(out, JobJSON{Seq: j.Seq, ESCPOS: j.EscposPath, PNG: j.PNGPath})
	}
	reply(w, out)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
