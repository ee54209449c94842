// Package idcardsim is the simulated twin of an ID-card reader. Cards put on it are
// encoded into a GA 467 text block and decoded by the real idcard.Parse, so the twin
// exercises the same parser as the SAM driver and fails the way it does.
package idcardsim

import (
	"sync"

	"onetrip/hal/idcard"
)

// Reader is a simulated ID-card reader; it implements idcard.Reader.
type Reader struct {
	mu      sync.Mutex
	events  chan idcard.Event
	present bool
	closed  bool
	text    []byte // the card on the reader, for Reread
	photo   []byte
}

var _ idcard.Reader = (*Reader)(nil)

// New returns an empty reader.
func New() *Reader {
	return &Reader{events: make(chan idcard.Event, idcard.EventBuffer)}
}

// Put places c on the reader: Present, then Read with a fresh copy of the card, or
// Failed with the parse error. A card already on the reader stays the card being read:
// putting another one reports nothing, as the real reader does. The caller keeps c.
func (r *Reader) Put(c *idcard.Card) error {
	text, err := idcard.Encode(c)
	if err != nil {
		return err
	}
	return r.put(text, c.Photo)
}

// PutRaw places a card whose text block is text, any bytes, on the reader. It is Put
// for garbage and damaged cards.
func (r *Reader) PutRaw(text []byte) { r.put(text, nil) }

func (r *Reader) put(text, photo []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return idcard.ErrClosed
	}
	if r.present {
		return nil
	}
	r.present, r.text, r.photo = true, text, photo
	r.read()
	return nil
}

// Reread reads the card on the reader again, as a new card: Present, then
// Read or Failed. Without a card it does nothing.
func (r *Reader) Reread() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return idcard.ErrClosed
	}
	if r.present {
		r.read()
	}
	return nil
}

func (r *Reader) read() {
	text, photo := r.text, r.photo
	idcard.Deliver(r.events, idcard.Event{Kind: idcard.Present})
	c, err := idcard.Parse(text, photo)
	if err != nil {
		idcard.Deliver(r.events, idcard.Event{Kind: idcard.Failed, Err: err})
		return
	}
	idcard.Deliver(r.events, idcard.Event{Kind: idcard.Read, Card: c})
}

// Remove takes the card off the reader: Removed, if a card was there.
func (r *Reader) Remove() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || !r.present {
		return
	}
	r.present, r.text, r.photo = false, nil, nil
	idcard.Deliver(r.events, idcard.Event{Kind: idcard.Removed})
}

// PullDuringRead presents a card that is pulled away before the read completes:
// Present, Failed with idcard.ErrPulled, Removed. It does nothing while a card is on
// the reader.
func (r *Reader) PullDuringRead() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.present {
		return
	}
	idcard.Deliver(r.events, idcard.Event{Kind: idcard.Present})
	idcard.Deliver(r.events, idcard.Event{Kind: idcard.Failed, Err: idcard.ErrPulled})
	idcard.Deliver(r.events, idcard.Event{Kind: idcard.Removed})
}

// Events delivers the reader's events; EventBuffer of them are kept for a slow receiver.
func (r *Reader) Events() <-chan idcard.Event { return r.events }

// Close closes Events. Closing twice is harmless.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		close(r.events)
	}
	return nil
}
