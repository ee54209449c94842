package idcard_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"onetrip/hal/idcard"
)

// withCheck appends the GB 11643 check character to 17 digits, computed as (12 − S mod 11)
// mod 11 — independently of the package's table.
func withCheck(d17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	s := 0
	for i := range 17 {
		s += int(d17[i]-'0') * w[i]
	}
	c := (12 - s%11) % 11
	if c == 10 {
		return d17 + "X"
	}
	return d17 + fmt.Sprint(c)
}

// block builds a text block by the reference's offsets, independently of Encode.
type block []byte

func newBlock() block {
	b := make(block, idcard.TextSize)
	for i := 0; i < len(b); i += 2 {
		b[i] = ' '
	}
	return b
}

// put returns a copy of b with s written at off, so shared fixtures stay intact.
func (b block) put(off int, s string) block {
	b = append(block(nil), b...)
	for i, u := range utf16.Encode([]rune(s)) {
		b[off+2*i], b[off+2*i+1] = byte(u), byte(u>>8)
	}
	return b
}

func residentBlock() block {
	return newBlock().put(0, "张三丰").put(30, "1").put(32, "01").put(36, "19491231").
		put(52, "北京市朝阳区某某路1号").put(122, "11010519491231002X").put(158, "北京市公安局朝阳分局").
		put(188, "20150101").put(204, "20350101")
}

func residentCard() *idcard.Card {
	return &idcard.Card{Kind: idcard.Resident, Name: "张三丰", Sex: "男", Nation: "汉", Birth: "19491231",
		Address: "北京市朝阳区某某路1号", Number: "11010519491231002X", Authority: "北京市公安局朝阳分局",
		ValidFrom: "20150101", ValidTo: "20350101", Photo: []byte{1, 2, 3}}
}

var longEN = "MONTGOMERY-SMITHERSON ALEXANDRA JANE ELIZABETH" // 46 chars: spans both 'Y' name fields

// layoutCases are one card of every kind, both as the reference lays it out and as a Card.
var layoutCases = []struct {
	name string
	text block
	want idcard.Card
}{
	{"resident", residentBlock(), *residentCard()},
	{"resident-longterm",
		residentBlock().put(204, "长期      ").put(32, "57"),
		func() idcard.Card { c := *residentCard(); c.ValidTo = "长期"; c.Nation = "57"; return c }()},
	{"permit-J",
		newBlock().put(0, "陈大文").put(30, "2").put(36, "19800101").put(52, "广东省深圳市福田区").
			put(122, withCheck("81000019800101002")).put(158, "深圳市公安局").put(188, "20200101").
			put(204, "20250101").put(220, "H12345678").put(238, "01").put(248, "J"),
		idcard.Card{Kind: idcard.Permit, Name: "陈大文", Sex: "女", Birth: "19800101", Address: "广东省深圳市福田区",
			Number: withCheck("81000019800101002"), Authority: "深圳市公安局", ValidFrom: "20200101",
			ValidTo: "20250101", PermitNo: "H12345678", IssueCount: "01"}},
	{"foreigner-I",
		newBlock().put(0, "JOHN SMITH").put(120, "9").put(122, "CAN110075091703").put(152, "CAN").
			put(158, "约翰").put(188, "20100101").put(204, "20200101").put(220, "19750917").
			put(236, "01").put(240, "1100").put(248, "I"),
		idcard.Card{Kind: idcard.ForeignerOld, NameEN: "JOHN SMITH", Sex: "未说明的性别", Number: "CAN110075091703",
			Nationality: "CAN", Name: "约翰", ValidFrom: "20100101", ValidTo: "20200101", Birth: "19750917",
			CardVersion: "01", Authority: "1100"}},
	{"foreigner-Y",
		newBlock().put(0, "蒙哥").put(30, "0").put(32, "02").put(36, "19900101").put(52, longEN[:35]).
			put(122, withCheck("93315619900101001")).put(188, "20230101").put(204, "20330101").
			put(220, longEN[35:]).put(242, "GBR").put(248, "Y"),
		idcard.Card{Kind: idcard.ForeignerNew, Name: "蒙哥", Sex: "未知的性别", IssueCount: "02", Birth: "19900101",
			NameEN: longEN, Number: withCheck("93315619900101001"), ValidFrom: "20230101", ValidTo: "20330101",
			Nationality: "GBR"}},
}

func TestParseReferenceLayouts(t *testing.T) {
	for _, tc := range layoutCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := idcard.Parse(tc.text, tc.want.Photo)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(got, &tc.want) {
				t.Errorf("Parse = %#v\nwant   %#v", fields(got), fields(&tc.want))
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, tc := range layoutCases {
		t.Run(tc.name, func(t *testing.T) {
			text, err := idcard.Encode(&tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(text, tc.text) {
				t.Errorf("Encode differs from the reference layout:\n got %x\nwant %x", text, []byte(tc.text))
			}
			got, err := idcard.Parse(text, tc.want.Photo)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(got, &tc.want) {
				t.Errorf("round trip = %#v\nwant %#v", fields(got), fields(&tc.want))
			}
		})
	}
}

func TestEncodeAcceptsCodes(t *testing.T) {
	c := residentCard()
	c.Sex, c.Nation = "1", "01"
	byCode, err := idcard.Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	byName, _ := idcard.Encode(residentCard())
	if !bytes.Equal(byCode, byName) {
		t.Error("sex/nation given as codes encode differently from names")
	}
	c.Nation = "火星"
	if _, err := idcard.Encode(c); err == nil || strings.Contains(err.Error(), "火星") {
		t.Errorf("unknown nation name: err = %v, want an error without the value", err)
	}
	c = residentCard()
	c.Name = strings.Repeat("名", 16)
	if _, err := idcard.Encode(c); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("16-character name: err = %v, want an error naming the field", err)
	}
}

func TestSexTable(t *testing.T) {
	for code, want := range map[string]string{"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"} {
		c, err := idcard.Parse(residentBlock().put(30, code), nil)
		if err != nil || c.Sex != want {
			t.Errorf("sex code %s = %q, %v; want %q", code, c.Sex, err, want)
		}
	}
	for _, code := range []string{"3", "A", " "} {
		_, err := idcard.Parse(residentBlock().put(30, code), nil)
		if err == nil || !strings.Contains(err.Error(), "offset 30") {
			t.Errorf("sex code %q: err = %v, want error at offset 30", code, err)
		}
	}
}

func TestNationTable(t *testing.T) {
	for code, want := range map[string]string{"01": "汉", "02": "蒙古", "29": "柯尔克孜", "46": "德昂",
		"56": "基诺", "97": "其他", "98": "外国血统中国籍人士", "00": "00", "57": "57"} {
		c, err := idcard.Parse(residentBlock().put(32, code), nil)
		if err != nil || c.Nation != want {
			t.Errorf("nation %s = %q, %v; want %q", code, c.Nation, err, want)
		}
	}
	if _, err := idcard.Parse(residentBlock().put(32, "1A"), nil); err == nil || !strings.Contains(err.Error(), "offset 32") {
		t.Errorf("nation 1A: err = %v, want error at offset 32", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name  string
		text  []byte
		where string
	}{
		{"short", residentBlock()[:255], "255 bytes"},
		{"empty name", residentBlock().put(0, strings.Repeat(" ", 15)), "offset 0 (name)"},
		{"bad birth", residentBlock().put(36, "19491331"), "offset 36 (birth date)"},
		{"letters in number", residentBlock().put(122, "1101051949123100AX"), "offset 122 (ID number)"},
		{"control char", residentBlock().put(52, "北京\x07"), "offset 52 (address)"},
		{"lone surrogate", residentBlock().put(0, "张").put(2, string(rune(0xD800))[:0]+"\x00"), "offset 0"},
		{"bad valid-to", residentBlock().put(204, "长久"), "offset 204 (valid-to date)"},
		{"I without nationality", layoutCases[3].text.put(152, "   "), "offset 152 (nationality)"},
	}
	// A lone high surrogate cannot be produced from a Go string: write it by hand.
	lone := residentBlock()
	lone[2], lone[3] = 0x00, 0xD8
	cases[5].text = lone
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := idcard.Parse(tc.text, nil)
			if !errors.Is(err, idcard.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.where) {
				t.Errorf("err = %q, want it to say %q", err, tc.where)
			}
			for _, secret := range []string{"张三丰", "北京", "110105"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("err %q leaks card text", err)
				}
			}
		})
	}
}

func TestValidNumber(t *testing.T) {
	for n, want := range map[string]bool{
		"11010519491231002X":  true,
		"11010519491231002x":  true,
		"440524188001010014":  true,
		"11010519491231002Y":  false,
		"110105194912310021":  false,
		"440524188001010015":  false,
		"440524188001010041":  false, // transposed digits
		"44052418800101001":   false,
		"4405241880010100144": false,
		"4405241880A1010014":  false,
		"":                    false,
	} {
		if got := idcard.ValidNumber(n); got != want {
			t.Errorf("ValidNumber(%q) = %v, want %v", n, got, want)
		}
	}
	for _, d := range []string{"33010619900307123", "33010619900307124", "00000000000000000", "99999999999999999"} {
		if !idcard.ValidNumber(withCheck(d)) {
			t.Errorf("ValidNumber(%s) = false", withCheck(d))
		}
	}
}

func TestCheck(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("20060102", s); return d.Add(23 * time.Hour) }
	c := residentCard() // valid 20150101 … 20350101
	cases := []struct {
		name string
		mod  func(*idcard.Card)
		now  string
		want []error
	}{
		{"valid", nil, "20250615", nil},
		{"first day", nil, "20150101", nil},
		{"last day", nil, "20350101", nil},
		{"expired", nil, "20350102", []error{idcard.ErrExpired}},
		{"not yet valid", nil, "20141231", []error{idcard.ErrNotYetValid}},
		{"long term", func(c *idcard.Card) { c.ValidTo = idcard.LongTerm }, "20991231", nil},
		{"bad number", func(c *idcard.Card) { c.Number = "110105194912310021" }, "20250615", []error{idcard.ErrBadNumber}},
		{"bad and expired", func(c *idcard.Card) { c.Number = "110105194912310021" }, "20400101", []error{idcard.ErrBadNumber, idcard.ErrExpired}},
		{"foreigner number not GB 11643", func(c *idcard.Card) { c.Kind = idcard.ForeignerOld; c.Number = "CAN110075091703" }, "20250615", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			if tc.mod != nil {
				tc.mod(&cc)
			}
			err := cc.Check(day(tc.now))
			if (err == nil) != (len(tc.want) == 0) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("Check = %v, want it to match %v", err, w)
				}
			}
			if err != nil && (strings.Contains(err.Error(), cc.Number) || strings.Contains(err.Error(), cc.Name)) {
				t.Errorf("Check error %q leaks personal data", err)
			}
		})
	}
}

func TestMasking(t *testing.T) {
	for name, want := range map[string]string{"": "", "张": "*", "张三": "张*", "张三丰": "张*丰", "欧阳锋一": "欧**一"} {
		if got := (idcard.Card{Name: name}).MaskedName(); got != want {
			t.Errorf("MaskedName(%q) = %q, want %q", name, got, want)
		}
	}
	if got := (idcard.Card{NameEN: "JOHN SMITH"}).MaskedName(); got != "J********H" {
		t.Errorf("English MaskedName = %q", got)
	}
	for n, want := range map[string]string{
		"330106199003071234": "3301**********1234",
		"330106900307123":    "3301*******7123",
		"12345678":           "********",
	} {
		if got := (idcard.Card{Number: n}).MaskedNumber(); got != want {
			t.Errorf("MaskedNumber(%q) = %q, want %q", n, got, want)
		}
	}
}

// secrets are what must never be printed from residentCard.
var secrets = []string{"张三丰", "三丰", "11010519491231002X", "0519491231", "北京市朝阳区", "某某路", "分局"}

func TestPrintingIsMasked(t *testing.T) {
	c := residentCard()
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%T %v"} {
		fmt.Fprintf(&out, verb+"\n", c)
		fmt.Fprintf(&out, verb+"\n", *c)
	}
	fmt.Fprintf(&out, "%v %+v %#v\n", idcard.Event{Kind: idcard.Read, Card: c}, []idcard.Card{*c}, map[string]idcard.Card{"c": *c})
	fmt.Fprintln(&out, c, *c)
	slog.New(slog.NewTextHandler(&out, nil)).Info("read", "card", c, "value", *c)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("read", "card", c)
	s := out.String()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("printed output contains %q:\n%s", secret, s)
		}
	}
	if !strings.Contains(s, "张*丰") || !strings.Contains(s, "1101**********002X") {
		t.Errorf("printed output lacks the masked name and number:\n%s", s)
	}
}

func TestWipe(t *testing.T) {
	c, err := idcard.Parse(residentBlock(), []byte{9, 9, 9})
	if err != nil {
		t.Fatal(err)
	}
	photo := c.Photo
	c.Wipe()
	if !bytes.Equal(photo, []byte{0, 0, 0}) {
		t.Errorf("photo after Wipe = %v, want zeros", photo)
	}
	if !equal(c, &idcard.Card{}) {
		t.Errorf("card after Wipe = %#v", fields(c))
	}
}

func TestParseCopiesPhoto(t *testing.T) {
	photo := []byte{1, 2}
	c, _ := idcard.Parse(residentBlock(), photo)
	c.Wipe()
	if photo[0] != 1 {
		t.Error("Wipe zeroed the caller's photo buffer: Parse did not copy it")
	}
}

// fields lists every field of c, for comparisons and test failure messages (tests may
// print test data).
func fields(c *idcard.Card) []string {
	return []string{c.Kind.String(), c.Name, c.NameEN, c.Sex, c.Nation, c.Birth, c.Address, c.Number, c.Authority,
		c.ValidFrom, c.ValidTo, c.Nationality, c.CardVersion, c.PermitNo, c.IssueCount, fmt.Sprint([]byte(c.Photo))}
}

func equal(a, b *idcard.Card) bool {
	return fmt.Sprint(fields(a)) == fmt.Sprint(fields(b))
}

func FuzzParse(f *testing.F) {
	for _, tc := range layoutCases {
		f.Add([]byte(tc.text))
	}
	f.Add(make([]byte, idcard.TextSize))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := idcard.Parse(text, nil)
		if err != nil {
			if !errors.Is(err, idcard.ErrMalformed) || !strings.HasPrefix(err.Error(), "idcard: text offset ") {
				t.Fatalf("unclear error %q", err)
			}
			return
		}
		// Whatever parses must encode and parse back to itself.
		again, err := idcard.Encode(c)
		if err != nil {
			t.Fatalf("Encode of a parsed card: %v", err)
		}
		c2, err := idcard.Parse(again, nil)
		if err != nil {
			t.Fatalf("re-Parse: %v", err)
		}
		if !equal(c, c2) {
			t.Fatalf("round trip changed the card:\n%q\n%q", fields(c), fields(c2))
		}
	})
}
