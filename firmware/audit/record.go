package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"

	"onetrip/firmware/flow"
)

// pending bounds the entries waiting for the disk. The kiosk only waits
// when that many are pending — a disk that has stopped answering — because
// losing entries would be worse than a slow screen.
const pending = 1024

// Recorder writes a running kiosk's events and frames to the trail. Its
// methods are called on the kiosk's goroutine and return at once: the rows
// are committed in the background, many to a transaction.
type Recorder struct {
	trail *Trail
	cfg   string // the flow settings, as JSON
	log   *slog.Logger

	mu      sync.Mutex
	closed  bool
	ops     chan op
	done    chan struct{}
	session int64 // the current session, or the trail's last before the first call
	open    bool  // the current session is this run's
	seq     int   // the last entry's number in it
}

// op is one write for the background writer: a new session, an entry, or an
// update of the current session.
type op struct {
	query string
	args  []any
}

// Record starts recording a kiosk running with cfg into the trail; firmware
// names the build, so a replay by another can say why frames may differ.
// Give the recorder to kiosk.Options.Audit. Call it once per trail; Trail.Close
// writes out what is pending and stops it.
func (t *Trail) Record(cfg *flow.Config, firmware string, log *slog.Logger) (*Recorder, error) {
	var last sql.NullInt64
	if err := t.db.QueryRow("SELECT max(id) FROM sessions").Scan(&last); err != nil {
		return nil, fmt.Errorf("audit trail %s: %w", t.path, err)
	}
	config, err := json.Marshal(configOf(cfg, firmware))
	if err != nil {
		return nil, err
	}
	r := &Recorder{trail: t, cfg: string(config), log: log, session: last.Int64,
		ops: make(chan op, pending), done: make(chan struct{})}
	t.rec = r
	go r.write()
	return r, nil
}

// Event records that the flow stepped from before to after on ev at now.
// Leaving the attract screen begins a citizen's session; returning to it
// ends the session, and the idle time after it is a new one.
func (r *Recorder) Event(now time.Time, ev flow.Event, before, after flow.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if !r.open || !before.InSession() && after.InSession() {
		r.begin(now, before, after.InSession())
	}
	kind, fields, err := Encode(ev)
	if err != nil {
		// Replay stops at such an entry and says why.
		r.log.Error("audit: event recorded without its fields", "err", err)
		kind = "unknown"
	}
	r.seq++
	r.send("INSERT INTO entries (session, seq, time, kind, screen, event) VALUES (?, ?, ?, ?, ?, ?)",
		r.session, r.seq, stamp(now), kind, string(after.Screen), string(fields))
	if before.Ticket == nil && after.Ticket != nil {
		r.send("UPDATE sessions SET ticket = ? WHERE id = ?", after.Ticket.Number, r.session)
	}
	if before.InSession() && !after.InSession() {
		r.send("UPDATE sessions SET ended = ? WHERE id = ?", stamp(now), r.session)
		r.begin(now, after, false)
	}
}

// Frame records that frame, showing state s with the widget pressed drawn
// pressed, was presented at now. Only its hash is kept.
func (r *Recorder) Frame(now time.Time, s flow.State, pressed string, frame *image.RGBA) {
	hash := Hash(frame)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if !r.open {
		r.begin(now, s, s.InSession())
	}
	r.seq++
	r.send("INSERT INTO entries (session, seq, time, kind, screen, pressed, frame) VALUES (?, ?, ?, ?, ?, ?, ?)",
		r.session, r.seq, stamp(now), frameKind, string(s.Screen), pressed, hash)
}

// begin starts a new session at now from state s: a citizen's or, on the
// attract screen, the kiosk's idle time. The first one of a run begins at
// the kiosk's state when it first steps or draws: a replay never starts
// from a state left over from an earlier run.
func (r *Recorder) begin(now time.Time, s flow.State, citizen bool) {
	r.session++
	r.open, r.seq = true, 0
	state, err := json.Marshal(maskState(s))
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	r.send("INSERT INTO sessions (id, started, citizen, config, state) VALUES (?, ?, ?, ?, ?)",
		r.session, stamp(now), citizen, r.cfg, string(state))
}

func (r *Recorder) send(query string, args ...any) { r.ops <- op{query, args} }

// write commits the ops as they come, all that are waiting in one
// transaction, until the channel is closed and drained.
func (r *Recorder) write() {
	defer close(r.done)
	for first := range r.ops {
		batch := []op{first}
	more:
		for len(batch) < pending {
			select {
			case o, ok := <-r.ops:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		if err := r.commit(batch); err != nil {
			r.log.Error("audit: entries not written", "entries", len(batch), "err", err)
		}
	}
}

func (r *Recorder) commit(batch []op) error {
	ctx := context.Background()
	tx, err := r.trail.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, o := range batch {
		if _, err := tx.ExecContext(ctx, o.query, o.args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// close stops taking entries and waits until those taken are on disk.
func (r *Recorder) close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.ops)
	}
	r.mu.Unlock()
	<-r.done
}

// stamp is how the trail writes a time.
func stamp(t time.Time) string { return t.Format(time.RFC3339Nano) }

// Hash is the SHA-256 of the frame's pixels, in hex.
func Hash(frame *image.RGBA) string {
	h := sha256.New()
	b := frame.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		i := frame.PixOffset(b.Min.X, y)
		h.Write(frame.Pix[i : i+4*b.Dx()])
	}
	return hex.EncodeToString(h.Sum(nil))
}
