package kiosk

import "sync"

// cardWatch is one watcher of a kiosk's verdicts on cards.
type cardWatch struct {
	k *Kiosk
	f func(problem string)
}

// cardWatches are the watchers of every kiosk. A kiosk is referred to here
// only while someone watches it.
var cardWatches = struct {
	sync.Mutex
	set map[*cardWatch]bool
}{set: map[*cardWatch]bool{}}

// WatchCards calls f with the kiosk's verdict on each card it reads, until
// stop is called: problem is "" for a card accepted, else why it was refused
// — the key of the explanation on screen (expired, not_yet_valid, bad_number,
// unreadable). f runs on the kiosk's goroutine and must not block.
func (k *Kiosk) WatchCards(f func(problem string)) (stop func()) {
	w := &cardWatch{k, f}
	cardWatches.Lock()
	cardWatches.set[w] = true
	cardWatches.Unlock()
	return func() {
		cardWatches.Lock()
		delete(cardWatches.set, w)
		cardWatches.Unlock()
	}
}

// judged tells the kiosk's watchers its verdict on a card (see WatchCards).
func (k *Kiosk) judged(problem string) {
	var fs []func(string)
	cardWatches.Lock()
	for w := range cardWatches.set {
		if w.k == k {
			fs = append(fs, w.f)
		}
	}
	cardWatches.Unlock()
	for _, f := range fs {
		f(problem)
	}
}
