// Package audit is the kiosk's audit trail: every flow event the kiosk
// handles and every frame it presents, with their times, in an SQLite file,
// so that a session can be replayed through the pure flow and its screens
// drawn again — a citizen's complaint ("it gave me the wrong window") can
// then be looked at.
//
// Personal data never reaches the file: the card holder is stored masked,
// exactly as the screens show it, so nothing a replay needs is lost.
//
// The trail is cut into sessions. A citizen's session begins with the event
// that leaves the attract screen and ends with the one that returns to it;
// the kiosk's idle time on the attract screen (from start-up, and between
// citizens) makes sessions of its own. Each session keeps the flow settings
// and the flow state it began from, so it replays on its own.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/sqlitefile"
)

// ErrNotAuditTrail reports a file that is not an audit trail: not SQLite at
// all, or an SQLite database written by something else.
var ErrNotAuditTrail = errors.New("not an audit trail")

// applicationID marks the file as ours in the SQLite header ("otau").
const applicationID = 0x6F746175

// schema is version 1. Times are RFC 3339 with nanoseconds, as the flow saw
// them. An entry is an event (kind is its type, event its fields as JSON)
// or a presented frame (kind "frame", with the widget drawn pressed and the
// SHA-256 of the frame's pixels); screen is the flow's screen after it.
const schema = `
CREATE TABLE sessions (
	id      INTEGER PRIMARY KEY,
	started TEXT    NOT NULL,
	ended   TEXT,
	citizen INTEGER NOT NULL CHECK (citizen IN (0, 1)),
	ticket  TEXT    NOT NULL DEFAULT '',
	config  TEXT    NOT NULL,
	state   TEXT    NOT NULL
);
CREATE TABLE entries (
	session INTEGER NOT NULL REFERENCES sessions (id),
	seq     INTEGER NOT NULL CHECK (seq >= 1),
	time    TEXT    NOT NULL,
	kind    TEXT    NOT NULL,
	screen  TEXT    NOT NULL,
	event   TEXT,
	pressed TEXT,
	frame   TEXT,
	PRIMARY KEY (session, seq)
);
`

// Trail is an open audit trail.
type Trail struct {
	path string
	db   *sql.DB
	rec  *Recorder // the recorder writing to it, if any
}

// kind is the audit trail as an SQLite file.
var kind = sqlitefile.Kind{What: "audit trail", ApplicationID: applicationID, Schema: schema, Foreign: ErrNotAuditTrail}

// Open opens the audit trail at path, creating the file and its schema on
// first use. A file that is not an audit trail gives an error wrapping
// ErrNotAuditTrail and naming the path.
func Open(path string) (*Trail, error) {
	db, err := sqlitefile.Open(path, kind)
	if err != nil {
		return nil, err
	}
	return &Trail{path: path, db: db}, nil
}

// Close stops the recorder, if one was started, once every entry it was
// given is on disk, then closes the file.
func (t *Trail) Close() error {
	if t.rec != nil {
		t.rec.close()
	}
	if err := t.db.Close(); err != nil {
		return fmt.Errorf("audit trail %s: close: %w", t.path, err)
	}
	return nil
}

// Config is what a session recorded of the flow settings: everything of
// flow.Config but the hall itself, which is named by its id and version,
// and the firmware that drew the screens (another draws them differently).
type Config struct {
	Firmware    string
	Hall        string
	HallVersion string
	Languages   []string
	IdleTimeout time.Duration
	WarningTime time.Duration
	DoneTime    time.Duration
	PrintTime   time.Duration
	PageSize    int
	OnBus       bool
}

func configOf(c *flow.Config, firmware string) Config {
	return Config{Firmware: firmware, Hall: c.Hall.ID, HallVersion: c.Hall.Version, Languages: c.Languages,
		IdleTimeout: c.IdleTimeout, WarningTime: c.WarningTime, DoneTime: c.DoneTime, PrintTime: c.PrintTime,
		PageSize: c.PageSize, OnBus: c.OnBus}
}

// Flow returns the flow settings of the session for hall h, which must be
// the hall file the session ran (the same version): another hall would
// replay different screens.
func (c Config) Flow(h *hall.Hall) (*flow.Config, error) {
	if h.ID != c.Hall || h.Version != c.HallVersion {
		return nil, fmt.Errorf("the session ran hall %s version %s, not %s version %s", c.Hall, c.HallVersion, h.ID, h.Version)
	}
	return &flow.Config{Hall: h, Languages: c.Languages, IdleTimeout: c.IdleTimeout, WarningTime: c.WarningTime,
		DoneTime: c.DoneTime, PrintTime: c.PrintTime, PageSize: c.PageSize, OnBus: c.OnBus}, nil
}

// Session is one session of the trail.
type Session struct {
	ID      int64
	Started time.Time
	Ended   time.Time // zero while it runs, or when the kiosk stopped during it
	// Citizen is true for a citizen's session, false for the kiosk's idle
	// time on the attract screen.
	Citizen bool
	Ticket  string // the number of the ticket issued in it, if any
	Config  Config
	State   flow.State // the flow state it began from, holder masked
}

// Entry is one event or presented frame of a session.
type Entry struct {
	Seq    int
	Time   time.Time
	Kind   string      // the event's kind, or "frame"
	Screen flow.Screen // the flow's screen after the event, or the one the frame shows
	Event  flow.Event  // nil for a frame
	// Pressed is the widget drawn pressed in a frame.
	Pressed string
	// Frame is the SHA-256 of the frame's pixels, in hex.
	Frame string
}

// IsFrame reports whether the entry is a presented frame.
func (e Entry) IsFrame() bool { return e.Kind == frameKind }

// Sessions lists the sessions in the order they began; with citizens, only
// the citizens' sessions.
func (t *Trail) Sessions(ctx context.Context, citizens bool) ([]Session, error) {
	q := "SELECT id, started, ended, citizen, ticket, config, state FROM sessions"
	if citizens {
		q += " WHERE citizen = 1"
	}
	rows, err := t.db.QueryContext(ctx, q+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("audit trail %s: %w", t.path, err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := t.scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit trail %s: %w", t.path, err)
	}
	return out, nil
}

// ErrNoSession reports a session id the trail does not have.
var ErrNoSession = errors.New("no such session")

// Session returns session id and its entries in order.
func (t *Trail) Session(ctx context.Context, id int64) (Session, []Entry, error) {
	row := t.db.QueryRowContext(ctx, "SELECT id, started, ended, citizen, ticket, config, state FROM sessions WHERE id = ?", id)
	s, err := t.scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, nil, fmt.Errorf("audit trail %s: session %d: %w", t.path, id, ErrNoSession)
	}
	if err != nil {
		return Session{}, nil, err
	}
	rows, err := t.db.QueryContext(ctx, "SELECT seq, time, kind, screen, event, pressed, frame FROM entries WHERE session = ? ORDER BY seq", id)
	if err != nil {
		return Session{}, nil, fmt.Errorf("audit trail %s: %w", t.path, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at, screen string
		var event, pressed, frame sql.NullString
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &screen, &event, &pressed, &frame); err != nil {
			return Session{}, nil, fmt.Errorf("audit trail %s: %w", t.path, err)
		}
		e.Screen, e.Pressed, e.Frame = flow.Screen(screen), pressed.String, frame.String
		if e.Time, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return Session{}, nil, fmt.Errorf("audit trail %s: session %d entry %d: %w", t.path, id, e.Seq, err)
		}
		if !e.IsFrame() {
			if e.Event, err = Decode(e.Kind, []byte(event.String)); err != nil {
				return Session{}, nil, fmt.Errorf("audit trail %s: session %d entry %d: %w", t.path, id, e.Seq, err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return Session{}, nil, fmt.Errorf("audit trail %s: %w", t.path, err)
	}
	return s, out, nil
}

func (t *Trail) scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var s Session
	var started, config, state string
	var ended sql.NullString
	if err := row.Scan(&s.ID, &started, &ended, &s.Citizen, &s.Ticket, &config, &state); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return s, err
		}
		return s, fmt.Errorf("audit trail %s: %w", t.path, err)
	}
	var err error
	if s.Started, err = time.Parse(time.RFC3339Nano, started); err == nil && ended.Valid {
		s.Ended, err = time.Parse(time.RFC3339Nano, ended.String)
	}
	if err == nil {
		err = json.Unmarshal([]byte(config), &s.Config)
	}
	if err == nil {
		err = json.Unmarshal([]byte(state), &s.State)
	}
	if err != nil {
		return s, fmt.Errorf("audit trail %s: session %d: %w", t.path, s.ID, err)
	}
	return s, nil
}
