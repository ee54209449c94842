// Package phone serves the small web page a citizen opens by scanning the QR
// code on their queue ticket, to follow the queue without watching the hall's
// screen: the number, the matter, how many people are ahead and the expected
// wait, and, once called, the window to go to.
//
// The page is made for an elderly citizen on a cheap phone: large text, few
// words, no external resources. The server decides every word shown; a small
// inline script fetches the ticket's status every few seconds and copies the
// words into the page.
//
// A ticket is reached only by its unguessable token. An unknown or malformed
// token gets one and the same "not found" answer, so nobody can tell a
// mistyped token from an expired one or page through other tickets; and a
// status carries nothing but the one ticket's place in the queue.
package phone

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

// Status is what the phone page shows about one ticket. It holds no personal
// data and nothing about any other ticket.
type Status struct {
	Hall   hall.Text      // the hall's name
	Number string         // the ticket number, A023
	Matter hall.Text      // the matter's name
	Where  hall.Text      // where the matter is handled: floor and area
	State  queue.State    // waiting, called, serving, served or missed
	Ahead  int            // people of the same matter called before it, while waiting
	Wait   queue.Estimate // the expected wait, while waiting
	Window int            // the window it was called to; 0 until called
	Green  bool           // in the green channel (绿色通道)

	// Version changes whenever anything above does, so the page script
	// rewrites the page (and a screen reader speaks) only on a change.
	Version string
}

// Lookup returns the status of today's ticket with token. The controller
// implements it over its live view under its own lock, usually as one call
// to StatusOf.
type Lookup func(token string) (Status, bool)

// StatusOf builds the status of the ticket with token from v.
func StatusOf(v *queue.View, token string) (Status, bool) {
	t, ok := v.ByToken(token)
	if !ok {
		return Status{}, false
	}
	m, _ := v.Hall().Matter(t.Matter) // the view refuses tickets of unknown matters
	s := Status{
		Hall:   v.Hall().Name,
		Number: t.Number,
		Matter: m.Name,
		Where:  m.Where,
		State:  t.State,
		Window: t.Window,
		Green:  t.Green,
	}
	if t.State == queue.Waiting {
		s.Ahead, s.Wait = v.Ahead(t.Number), v.Wait(t.Number)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%+v", s)
	s.Version = strconv.FormatUint(h.Sum64(), 36)
	return s, true
}

// tokenPattern is what a kiosk issues: random, 16 to 64 URL-safe characters.
// Anything else is refused before the lookup sees it.
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// refreshEvery is how often the page script fetches the status, in
// milliseconds; without scripts the page reloads itself every 15 seconds.
const refreshEvery = 5000

var (
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string
	//go:embed page.html
	pageHTML string

	pages = template.Must(template.New("page.html").Parse(pageHTML))

	// The Content-Security-Policy admits the page's own inline style and
	// script by their hashes and nothing else: no other script, no other
	// origin, no frames. The hashes keep every response of a kind identical,
	// where a nonce would make each "not found" page differ.
	contentPolicy = "default-src 'none'; script-src " + hashSource(pageJS) +
		"; style-src " + hashSource(pageCSS) +
		"; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Handler serves the phone page of each ticket:
//
//	GET /t/{token}       the page, in Chinese or, by ?lang=en or the browser's
//	                     Accept-Language, in English
//	GET /t/{token}.json  the ticket's status in that language, which the
//	                     page fetches to refresh itself
func Handler(lookup Lookup) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /t/{token}", func(w http.ResponseWriter, r *http.Request) {
		token, asJSON := strings.CutSuffix(r.PathValue("token"), ".json")
		lang := language(r)
		var s Status
		ok := tokenPattern.MatchString(token)
		if ok {
			s, ok = lookup(token)
		}
		switch {
		case !ok && asJSON:
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		case !ok:
			writePage(w, http.StatusNotFound, "missing", page{Lang: lang, W: catalog[lang], CSS: template.CSS(pageCSS)})
		case asJSON:
			writeJSON(w, http.StatusOK, documentOf(s, lang, time.Now()))
		default:
			d := documentOf(s, lang, time.Now())
			writePage(w, http.StatusOK, "ticket", page{
				Lang: lang, W: catalog[lang], CSS: template.CSS(pageCSS), JS: template.JS(pageJS),
				Doc: d, Src: token + ".json?lang=" + lang, Refresh: refreshEvery,
			})
		}
	})
	return secure(mux)
}

// secure sets the headers every answer carries, the mux's own 404 and 405
// included: the page runs only its own code, is never cached (a status is
// stale in seconds) and sends no token onward in a Referer.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// document is a status in one language as the page script reads it: the
// status's fields and the words the page shows for them.
type document struct {
	Hall    string         `json:"hall"`
	Number  string         `json:"number"`
	Matter  string         `json:"matter"`
	Where   string         `json:"where"`
	State   queue.State    `json:"state"`
	Ahead   int            `json:"ahead"`
	Wait    queue.Estimate `json:"wait"`
	Window  int            `json:"window,omitempty"`
	Green   bool           `json:"green"`
	Version string         `json:"version"`
	Lang    string         `json:"lang"`
	Text    screen         `json:"text"`
}

func documentOf(s Status, lang string, now time.Time) document {
	return document{
		Hall: s.Hall.In(lang), Number: s.Number, Matter: s.Matter.In(lang), Where: s.Where.In(lang),
		State: s.State, Ahead: s.Ahead, Wait: s.Wait, Window: s.Window, Green: s.Green,
		Version: s.Version, Lang: lang, Text: catalog[lang].screen(s, now),
	}
}

// page is what the templates in page.html are executed with.
type page struct {
	Lang    string
	W       words
	CSS     template.CSS
	JS      template.JS
	Doc     document
	Src     string // the status's URL, relative to the page
	Refresh int    // milliseconds between fetches
}

func writePage(w http.ResponseWriter, code int, name string, p page) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	w.Write(b)
}

// language picks the page's language: ?lang first, then the most preferred
// of Chinese and English in Accept-Language, else Chinese.
func language(r *http.Request) string {
	if l, ok := match(r.URL.Query().Get("lang")); ok {
		return l
	}
	best, bestQ := zh, 0.0
	for part := range strings.SplitSeq(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(part, ";")
		l, ok := match(tag)
		if !ok {
			continue
		}
		q := 1.0
		if v, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// match maps a language tag to the page language it asks for.
func match(tag string) (string, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return en, true
	case tag == "zh" || strings.HasPrefix(tag, "zh-"):
		return zh, true
	}
	return "", false
}
