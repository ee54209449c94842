package guide

import (
	"fmt"
	"strings"

	"onetrip/firmware/hall"
	"onetrip/hal/escpos"
	"onetrip/ui/locale"
	"onetrip/ui/paper"
	"onetrip/ui/render"
)

// box is the tick box before each document. The ballot box ☐ is neither in
// GBK nor in the kiosk's font, so the slip prints it in ASCII.
const box = "[ ] "

// Checklist returns the print job of the checklist slip for matter matterID
// in lang on a printer with profile p: the hall, the matter and where it is
// handled, each document with a box to tick and 容缺 ones marked, and a
// footer. A full-raster profile gets the same slip as one image.
func Checklist(h *hall.Hall, cats locale.Catalogs, matterID, lang string, p escpos.Profile) ([]byte, error) {
	m, ok := h.Matter(matterID)
	if !ok {
		return nil, fmt.Errorf("checklist: hall %s has no matter %q", h.ID, matterID)
	}
	c := cats.Get(lang)
	return paper.Print(p, render.DefaultFont().XFace, "checklist "+matterID, func(e *escpos.Encoder, p escpos.Profile) error {
		slip(e, p, h, m, c, lang)
		return nil
	})
}

// slip writes the checklist's body.
func slip(e *escpos.Encoder, p escpos.Profile, h *hall.Hall, m hall.Matter, c *locale.Catalog, lang string) {
	e.Align(escpos.Centre)
	wrap(e, h.Name.In(lang), p.Columns, "")
	e.Bold(true)
	wrap(e, c.T("guide.slip_title"), p.Columns, "")
	e.Feed(1)
	big := min(2, p.MaxMagnify)
	e.Size(big, big)
	wrap(e, m.Name.In(lang), p.Columns/big, "")
	e.Size(1, 1)
	e.Bold(false)
	where := c.T("guide.where", "where", m.Where.In(lang))
	if !m.Here {
		where = c.T("guide.elsewhere", "where", m.Elsewhere.In(lang))
	}
	wrap(e, where, p.Columns, "")
	e.Feed(1)

	e.Align(escpos.Left)
	waivable := false
	for _, mat := range m.Materials {
		line := box + mat.Name(lang)
		if mat.Waivable {
			line += c.T("guide.waivable")
			waivable = true
		}
		wrap(e, line, p.Columns, strings.Repeat(" ", len(box)))
	}
	e.Feed(1)
	e.Align(escpos.Centre)
	if waivable {
		wrap(e, c.T("guide.slip_waivable_note"), p.Columns, "")
	}
	e.Bold(true)
	wrap(e, c.T("guide.slip_footer"), p.Columns, "")
	e.Bold(false)
}

// wrap prints s in lines of at most cols half-width columns, breaking at the
// last space that fits (Latin text) or else between characters (Chinese);
// lines after the first start with indent, so a document's name stays clear
// of the boxes.
func wrap(e *escpos.Encoder, s string, cols int, indent string) {
	prefix := ""
	for {
		room := max(cols-escpos.TextWidth(prefix), 1)
		end, space, width := len(s), -1, 0
		for i, r := range s {
			w := escpos.RuneWidth(r)
			if width+w > room && i > 0 {
				end = i
				break
			}
			if r == ' ' {
				space = i
			}
			width += w
		}
		if end < len(s) && s[end] != ' ' && space > len(indent) {
			end = space
		}
		e.Line(prefix + s[:end])
		s = strings.TrimLeft(s[end:], " ")
		if s == "" {
			return
		}
		prefix = indent
	}
}
