package audit

import (
	"fmt"
	"image"
	"time"

	"onetrip/firmware/flow"
	"onetrip/ui/locale"
	"onetrip/ui/screen"
)

// Replayed is one frame drawn again by Replay.
type Replayed struct {
	N      int   // 1 for the session's first frame
	Entry  Entry // the frame as recorded
	Screen flow.Screen
	Image  *image.RGBA // valid only during the call to each
	Hash   string      // of Image
}

// Match reports whether the frame drawn again is the frame presented.
func (f Replayed) Match() bool { return f.Hash == f.Entry.Frame }

// Replay re-runs the session's events through the pure flow from the state
// the session began from, at the times they happened, and draws every frame
// the kiosk presented, at its time and with its pressed widget, calling each
// with it. Effects are not carried out: their results (a ticket issued, a
// ticket printed) are events of the trail.
func Replay(cfg *flow.Config, cats locale.Catalogs, s Session, entries []Entry, each func(Replayed) error) error {
	st := s.State
	painter := screen.NewPainter()
	frame := image.NewRGBA(screen.Size)
	n := 0
	for _, e := range entries {
		if !e.IsFrame() {
			if e.Event == nil {
				return fmt.Errorf("session %d entry %d: %s event cannot be replayed", s.ID, e.Seq, e.Kind)
			}
			st, _ = flow.Step(cfg, st, e.Event, e.Time)
			continue
		}
		n++
		l := screen.Build(cfg, st, cats, e.Time)
		painter.Draw(frame, l, e.Pressed)
		if err := each(Replayed{N: n, Entry: e, Screen: l.Screen, Image: frame, Hash: Hash(frame)}); err != nil {
			return err
		}
	}
	return nil
}

// Check replays the session and returns how many frames it drew and an
// error naming the first that differs from the one presented.
func Check(cfg *flow.Config, cats locale.Catalogs, s Session, entries []Entry) (int, error) {
	n := 0
	err := Replay(cfg, cats, s, entries, func(f Replayed) error {
		n = f.N
		if !f.Match() {
			return fmt.Errorf("session %d %v: presented %.12s, replayed %.12s", s.ID, f, f.Entry.Frame, f.Hash)
		}
		return nil
	})
	return n, err
}

// String names the frame: its number, screen and time.
func (f Replayed) String() string {
	return fmt.Sprintf("frame %d (%s at %s)", f.N, f.Screen, f.Entry.Time.Format(time.TimeOnly+".000"))
}
