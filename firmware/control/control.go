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
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/idcard"
	"onetrip/hal/idcard/idcardsim"
	"onetrip/ui/screen"
)

// Terminal is what the API drives: the kiosk or another hall terminal. Its
// accessors are called inside Do, on the terminal's own goroutine. POST /card
// also needs the terminal to be a CardWatcher.
type Terminal interface {
	Do(ctx context.Context, f func()) error
	Layout() *screen.Layout
	Lang() string
	Frame() *image.RGBA
	Touch(p image.Point)
}

// CardWatcher is a terminal that tells its verdict on the cards it reads (the
// kiosk). WatchCards calls f with each verdict until stop is called: problem
// is "" for an accepted card, else the reason it was refused (expired,
// not_yet_valid, bad_number, unreadable). f must not block.
type CardWatcher interface {
	WatchCards(f func(problem string)) (stop func())
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

	carding sync.Mutex // one POST /card at a time, so each gets its own card's verdict
}

const (
	// maxBody is the most any request may send.
	maxBody = 64 << 10
	// maxMessage is the longest error message an answer carries, so that
	// none echoes more than a short prefix of what was sent.
	maxMessage = 200
)

// verdictWait is how long POST /card waits for the terminal's verdict.
var verdictWait = 3 * time.Second

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
	return guard(mux)
}

// guard admits only requests from this machine's own pages and tools: the
// Host must be a loopback name with the listening port (a browser page whose
// name was rebound to 127.0.0.1 sends its own name) and an Origin, if any,
// must be loopback too. It caps every body at maxBody.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkHost(r); err != nil {
			fail(w, http.StatusMisdirectedRequest, err)
			return
		}
		if err := checkOrigin(r); err != nil {
			fail(w, http.StatusForbidden, err)
			return
		}
		if r.ContentLength > maxBody {
			fail(w, http.StatusRequestEntityTooLarge, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}

var errTooLarge = fmt.Errorf("body over the %d KiB limit", maxBody>>10)

func checkHost(r *http.Request) error {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return errors.New("host: the connection has no local address")
	}
	_, port, err := net.SplitHostPort(local.String())
	if err != nil {
		return fmt.Errorf("host: local address %s: %w", local, err)
	}
	host, hport, err := net.SplitHostPort(r.Host)
	if err != nil || hport != port || !loopback(host) {
		return fmt.Errorf("host %q: only localhost, 127.0.0.1 or [::1] with port %s may be asked", clip(r.Host, 40), port)
	}
	return nil
}

func checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !loopback(u.Hostname()) {
		return fmt.Errorf("origin %q: only pages from localhost, 127.0.0.1 or [::1] may call this API", clip(origin, 40))
	}
	return nil
}

// loopback reports whether host names this machine: localhost or a loopback IP.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decode reads the request's body, which must be one JSON value and nothing
// more, into v. When it is not, decode answers the request itself (413 for a
// body over the limit, 400 otherwise) and returns false. shape tells the
// caller what the body should look like.
func decode(w http.ResponseWriter, r *http.Request, what, shape string, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if err = dec.Decode(&json.RawMessage{}); err == io.EOF {
			return true
		}
		if !errors.As(err, new(*http.MaxBytesError)) {
			err = errors.New("data after the JSON value")
		}
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, new(*http.MaxBytesError)):
		fail(w, http.StatusRequestEntityTooLarge, fmt.Errorf("%s: %w", what, errTooLarge))
		return false
	case err == io.EOF:
		err = errors.New("empty body")
	case errors.As(err, &syntax):
		// The message quotes at most the one character that was wrong.
		err = fmt.Errorf("malformed JSON at byte %d: %w", syntax.Offset, syntax)
	case errors.As(err, &typ) && typ.Field == "":
		err = errors.New("not a JSON object")
	case errors.As(err, &typ):
		err = fmt.Errorf("field %q must be %s", typ.Field, typ.Type)
	default: // an unknown field, whose name the message quotes
		err = errors.New(clip(err.Error(), 80))
	}
	fail(w, http.StatusBadRequest, fmt.Errorf("%s: body must be %s: %w", what, shape, err))
	return false
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
		ID string `json:"id"`
		X  *int   `json:"x"`
		Y  *int   `json:"y"`
	}
	const shape = `{"id"} or {"x","y"}`
	if !decode(w, r, "tap", shape, &req) {
		return
	}
	switch {
	case req.ID != "" && req.X == nil && req.Y == nil:
	case req.ID == "" && req.X != nil && req.Y != nil:
		if win := a.toWindow(screen.Size); !image.Pt(*req.X, *req.Y).In(win) {
			fail(w, http.StatusBadRequest, fmt.Errorf("tap: (%d, %d) is off the screen: x must be in %d..%d and y in %d..%d",
				*req.X, *req.Y, win.Min.X, win.Max.X-1, win.Min.Y, win.Max.Y-1))
			return
		}
	default:
		fail(w, http.StatusBadRequest, errors.New("tap: body must be "+shape))
		return
	}
	var problem error
	err := a.k.Do(r.Context(), func() {
		var p image.Point
		if req.ID == "" {
			p = image.Pt(*req.X, *req.Y)
			if a.FromWindow != nil {
				p = a.FromWindow(p)
			}
		} else {
			wd, ok := a.k.Layout().Widget(req.ID)
			if !ok {
				problem = fmt.Errorf("tap: no widget %q on screen %s", clip(req.ID, 40), a.k.Layout().Screen)
				return
			}
			p = wd.Rect.Min.Add(wd.Rect.Size().Div(2))
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

// VerdictJSON is the answer of POST /card: what the terminal made of the
// card. Of the card's data it carries only the masked name, as the screen
// shows it.
type VerdictJSON struct {
	Card    string `json:"card"`
	Verdict string `json:"verdict"`           // accepted or refused
	Problem string `json:"problem,omitempty"` // why it was refused: expired, not_yet_valid, bad_number, unreadable
	Error   string `json:"error,omitempty"`
}

// card puts the card on the simulated reader and answers with the terminal's
// verdict: 200 accepted, 422 refused.
func (a *API) card(w http.ResponseWriter, r *http.Request) {
	if a.sim.Cards == nil {
		fail(w, http.StatusConflict, errors.New("card: this board's reader is not the simulated one"))
		return
	}
	watcher, ok := a.k.(CardWatcher)
	if !ok {
		fail(w, http.StatusConflict, errors.New("card: this terminal gives no verdict on cards"))
		return
	}
	var c CardJSON
	if !decode(w, r, "card", "a card as printed on it", &c) {
		return
	}
	card := &idcard.Card{Kind: idcard.Resident, Name: c.Name, Sex: c.Sex, Nation: c.Nation, Birth: c.Birth,
		Address: c.Address, Number: c.IDNumber, Authority: c.Authority, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo}
	defer card.Wipe()
	a.carding.Lock()
	defer a.carding.Unlock()
	verdicts := make(chan string, 1)
	stop := watcher.WatchCards(func(problem string) {
		select {
		case verdicts <- problem:
		default:
		}
	})
	defer stop()
	if err := a.sim.Cards.Put(card); err != nil {
		fail(w, http.StatusBadRequest, fmt.Errorf("card: %w", err))
		return
	}
	wait := time.NewTimer(verdictWait)
	defer wait.Stop()
	select {
	case problem := <-verdicts:
		v := VerdictJSON{Card: card.MaskedName(), Verdict: "accepted"}
		if problem == "" {
			reply(w, v)
			return
		}
		v.Verdict, v.Problem, v.Error = "refused", problem, "card refused: "+problem
		answer(w, http.StatusUnprocessableEntity, v)
	case <-wait.C:
		fail(w, http.StatusGatewayTimeout, fmt.Errorf("card: no verdict from the terminal within %v (a card already on the reader is not read again: POST /card/remove first)", verdictWait))
	case <-r.Context().Done():
	}
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
	const shape = `{"name"}`
	if !decode(w, r, "button", shape, &req) {
		return
	}
	if req.Name == "" {
		fail(w, http.StatusBadRequest, errors.New("button: body must be "+shape))
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

func reply(w http.ResponseWriter, v any) { answer(w, http.StatusOK, v) }

// fail answers code with err's message, cut to maxMessage.
func fail(w http.ResponseWriter, code int, err error) {
	answer(w, code, map[string]string{"error": clip(err.Error(), maxMessage)})
}

func answer(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// clip returns s cut to at most n bytes on a character boundary, marked "…"
// when cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
