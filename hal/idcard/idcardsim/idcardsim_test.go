package idcardsim_test

import (
	"errors"
	"testing"

	"onetrip/hal/idcard"
	"onetrip/hal/idcard/idcardsim"
)

func card() *idcard.Card {
	return &idcard.Card{Kind: idcard.Resident, Name: "李四", Sex: "2", Nation: "03", Birth: "19491231",
		Address: "浙江省杭州市", Number: "11010519491231002X", Authority: "杭州市公安局",
		ValidFrom: "20150101", ValidTo: idcard.LongTerm, Photo: []byte{7, 7}}
}

// next returns the next event, or fails if none is waiting.
func next(t *testing.T, r *idcardsim.Reader) idcard.Event {
	t.Helper()
	select {
	case e := <-r.Events():
		return e
	default:
		t.Fatal("no event")
		return idcard.Event{}
	}
}

func none(t *testing.T, r *idcardsim.Reader) {
	t.Helper()
	select {
	case e := <-r.Events():
		t.Fatalf("unexpected event %v", e.Kind)
	default:
	}
}

func TestPutReadsThroughTheRealParser(t *testing.T) {
	r := idcardsim.New()
	defer r.Close()
	if err := r.Put(card()); err != nil {
		t.Fatal(err)
	}
	if e := next(t, r); e.Kind != idcard.Present {
		t.Fatalf("first event %v, want present", e.Kind)
	}
	e := next(t, r)
	if e.Kind != idcard.Read || e.Card == nil {
		t.Fatalf("second event %v, want read", e.Kind)
	}
	// Codes went through Encode and came back as names from Parse.
	if e.Card.Sex != "女" || e.Card.Nation != "回" || e.Card.Number != card().Number || len(e.Card.Photo) != 2 {
		t.Errorf("read %+v (sex %q nation %q)", e.Card, e.Card.Sex, e.Card.Nation)
	}
	none(t, r)
}

func TestSameCardStillOnTheReader(t *testing.T) {
	r := idcardsim.New()
	defer r.Close()
	r.Put(card())
	next(t, r)
	next(t, r)
	other := card()
	other.Name = "王五"
	if err := r.Put(other); err != nil {
		t.Fatal(err)
	}
	none(t, r)
	r.Remove()
	if e := next(t, r); e.Kind != idcard.Removed {
		t.Fatalf("event %v, want removed", e.Kind)
	}
	r.Remove()
	none(t, r)
	r.Put(other)
	next(t, r)
	if e := next(t, r); e.Kind != idcard.Read || e.Card.Name != "王五" {
		t.Fatalf("after removal the next card is not read: %v", e.Kind)
	}
}

func TestGarbageFails(t *testing.T) {
	r := idcardsim.New()
	defer r.Close()
	r.PutRaw([]byte("not a card"))
	next(t, r)
	e := next(t, r)
	if e.Kind != idcard.Failed || !errors.Is(e.Err, idcard.ErrMalformed) {
		t.Fatalf("event %v %v, want failed with ErrMalformed", e.Kind, e.Err)
	}
	// A damaged card stays on the reader until taken off.
	r.Put(card())
	none(t, r)
	r.Remove()
	if e := next(t, r); e.Kind != idcard.Removed {
		t.Fatalf("event %v, want removed", e.Kind)
	}
}

func TestInvalidCardFailsWithParseError(t *testing.T) {
	r := idcardsim.New()
	defer r.Close()
	c := card()
	c.Birth = "19491332"
	r.Put(c)
	next(t, r)
	if e := next(t, r); e.Kind != idcard.Failed || !errors.Is(e.Err, idcard.ErrMalformed) {
		t.Fatalf("event %v %v, want failed", e.Kind, e.Err)
	}
	c.Name = "一二三四五六七八九十一二三四五六"
	if err := r.Put(c); err == nil {
		t.Error("Put of a card whose name does not fit: no error")
	}
}

func TestPullDuringRead(t *testing.T) {
	r := idcardsim.New()
	defer r.Close()
	r.PullDuringRead()
	for _, want := range []idcard.EventKind{idcard.Present, idcard.Failed, idcard.Removed} {
		e := next(t, r)
		if e.Kind != want {
			t.Fatalf("event %v, want %v", e.Kind, want)
		}
		if want == idcard.Failed && !errors.Is(e.Err, idcard.ErrPulled) {
			t.Errorf("err = %v, want ErrPulled", e.Err)
		}
	}
	r.Put(card())
	if e := next(t, r); e.Kind != idcard.Present {
		t.Fatalf("reader did not recover: %v", e.Kind)
	}
}

func TestNeverBlocksAndKeepsNewest(t *testing.T) {
	r := idcardsim.New()
	for range idcard.EventBuffer {
		r.Put(card())
		r.Remove()
	}
	r.Put(card()) // nobody reads: must not block
	var last idcard.Event
	for range idcard.EventBuffer {
		last = next(t, r)
	}
	if last.Kind != idcard.Read {
		t.Errorf("newest event %v, want read", last.Kind)
	}
	r.Close()
	if err := r.Put(card()); !errors.Is(err, idcard.ErrClosed) {
		t.Errorf("Put after Close = %v, want ErrClosed", err)
	}
	if _, ok := <-r.Events(); ok {
		t.Error("Events not closed")
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}
