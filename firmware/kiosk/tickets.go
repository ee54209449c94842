package kiosk

import (
	"strings"

	"golang.org/x/image/font"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/hal/escpos"
	"onetrip/ui/locale"
	"onetrip/ui/paper"
	"onetrip/ui/screen"
)

// Tickets composes the paper ticket for an issued ticket, in the citizen's
// language, for the board's printer profile.
type Tickets struct {
	hall    *hall.Hall
	cats    locale.Catalogs
	profile escpos.Profile
	face    func(px float64) font.Face
}

// NewTickets returns a ticket composer; face supplies the font for raster
// profiles and for rendering what the paper shows.
func NewTickets(h *hall.Hall, cats locale.Catalogs, p escpos.Profile, face func(px float64) font.Face) *Tickets {
	return &Tickets{hall: h, cats: cats, profile: p, face: face}
}

// Paper returns the ticket's printed content. It carries no personal data.
func (ts *Tickets) Paper(t flow.Ticket, lang string) paper.Ticket {
	c := ts.cats.Get(lang)
	m, _ := ts.hall.Matter(t.Matter)
	qr := ""
	if ts.hall.QueueLink != "" {
		qr = hall.LinkToken(ts.hall.QueueLink, ts.hall.ID, t.Matter, t.Number, t.Token)
	}
	return paper.Ticket{
		HallName:    ts.hall.Name.In(lang),
		Title:       c.T("ticket.title"),
		Number:      t.Number,
		Matter:      m.Name.In(lang),
		Where:       m.Where.In(lang),
		QueueLabel:  strings.Join(screen.QueueLine(c, "ticket", t), "\n"),
		IssuedLabel: c.T("ticket.issued", "time", t.Issued.Format("2006-01-02 15:04")),
		Green:       t.Green,
		GreenLabel:  c.T("ticket.green"),
		QR:          qr,
		QRHint:      c.T("ticket.qr_hint"),
		Footer:      c.T("ticket.footer"),
	}
}

// Encode returns the exact bytes for the printer.
func (ts *Tickets) Encode(t flow.Ticket, lang string) ([]byte, error) {
	return paper.Encode(ts.Paper(t, lang), ts.profile, ts.face)
}
