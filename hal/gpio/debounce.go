package gpio

import "time"

// button is one button's debounce and hold state. It holds no pin and no
// clock: the watcher feeds it edges and times, and it says what happened.
type button struct {
	cfg ButtonConfig

	stable    bool      // the debounced level: pressed or not
	level     bool      // the level after the latest edge
	pending   bool      // edges seen since the last settled level
	changedAt time.Time // first edge of the pending change
	lastEdge  time.Time // latest edge of the pending change

	pressedAt time.Time // when the current press began
	longSent  bool      // LongPress already reported for this press
	stuck     bool      // Stuck reported; silent until released
}

// edge records the level seen right after an edge at the given time.
func (b *button) edge(pressed bool, at time.Time) {
	if !b.pending {
		b.pending, b.changedAt = true, at
	}
	b.level, b.lastEdge = pressed, at
}

// deadline is the next time tick has something to decide, if any.
func (b *button) deadline() (time.Time, bool) {
	var next time.Time
	consider := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if b.pending {
		consider(b.lastEdge.Add(b.cfg.Debounce))
	}
	if b.stable && !b.stuck {
		if b.cfg.LongPress > 0 && !b.longSent {
			consider(b.pressedAt.Add(b.cfg.LongPress))
		}
		if b.cfg.StuckAfter > 0 {
			consider(b.pressedAt.Add(b.cfg.StuckAfter))
		}
	}
	return next, !next.IsZero()
}

// tick settles a level that has been stable for Debounce and reports long and
// stuck presses that are due at now.
func (b *button) tick(now time.Time) []ButtonEvent {
	var evs []ButtonEvent
	emit := func(k ButtonKind, at time.Time) { evs = append(evs, ButtonEvent{Button: b.cfg.Name, Kind: k, At: at}) }
	if b.pending && !now.Before(b.lastEdge.Add(b.cfg.Debounce)) {
		b.pending = false
		if b.level != b.stable {
			b.stable = b.level
			if b.stable {
				b.pressedAt, b.longSent, b.stuck = b.changedAt, false, false
				emit(Press, b.changedAt)
			} else {
				emit(Release, b.changedAt)
			}
		}
	}
	if !b.stable || b.stuck {
		return evs
	}
	if b.cfg.LongPress > 0 && !b.longSent && !now.Before(b.pressedAt.Add(b.cfg.LongPress)) {
		b.longSent = true
		emit(LongPress, now)
	}
	if b.cfg.StuckAfter > 0 && !now.Before(b.pressedAt.Add(b.cfg.StuckAfter)) {
		b.stuck = true
		emit(Stuck, now)
	}
	return evs
}
