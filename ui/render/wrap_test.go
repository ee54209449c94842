package render

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var wrapSamples = []string{
	"您好，欢迎来到政务服务中心。请问您带身份证了吗？请将身份证放在读卡区。",
	"这个事项可以在手机上办理，扫一扫就能办（无需排队）。请保管好您的号票，留意叫号！",
	"Please keep your ticket and listen for your number at window A12.",
	"请到3楼A区12号窗口办理“不动产登记”业务，前面还有5人，预计等候约15分钟。",
	"很抱歉，本大厅暂不能办理这个事项，您可以到市民中心二楼（人民路1号）办理。",
	"Supercalifragilisticexpialidocious-without-any-spaces 长单词",
	"第一行\n\n第三行：换行保留",
	"   缩进的文字",
	"",
}

// nonSpace drops the spaces and newlines Wrap may drop at breaks.
func nonSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

// checkWrap fails t unless lines is a valid wrapping of s at max px.
func checkWrap(t *testing.T, fc *Face, s string, max int, lines []string) {
	t.Helper()
	if len(lines) == 0 {
		t.Fatalf("Wrap(%q, %d) returned no lines", s, max)
	}
	if got, want := nonSpace(strings.Join(lines, "")), nonSpace(s); got != want {
		t.Fatalf("Wrap(%q, %d) lost text:\n got %q\nwant %q", s, max, got, want)
	}
	for _, l := range lines {
		if w := fc.Measure(l); w > max && len([]rune(l)) > 1 {
			t.Errorf("Wrap(%q, %d): line %q is %d px wide", s, max, l, w)
		}
	}
}

func TestWrapKeepsTextAndWidth(t *testing.T) {
	fc := face(t, 32)
	for _, s := range wrapSamples {
		for _, max := range []int{1, 40, 100, 257, 400, 1000, 5000} {
			checkWrap(t, fc, s, max, fc.Wrap(s, max))
		}
	}
}

func TestWrapFillsLinesWithChinese(t *testing.T) {
	fc := face(t, 32)
	s := "请问您还有什么疑问吗我们的导办员随时为您服务"
	cell := fc.Measure("中")
	lines := fc.Wrap(s, 5*cell)
	for i, l := range lines[:len(lines)-1] {
		if n := len([]rune(l)); n != 5 {
			t.Errorf("line %d %q has %d characters, want 5 per full line", i, l, n)
		}
	}
}

func TestWrapKeepsClosingPunctuationOffLineStarts(t *testing.T) {
	fc := face(t, 32)
	for _, s := range wrapSamples {
		// From three characters a line, so that 队）。 can stay together.
		for max := 3 * fc.Measure("中"); max <= 700; max += 7 {
			lines := fc.Wrap(s, max)
			checkWrap(t, fc, s, max, lines)
			for _, l := range lines[1:] {
				if r := []rune(l); len(r) > 0 && strings.ContainsRune("，。、；：！？）」", r[0]) {
					t.Errorf("Wrap(%q, %d): line %q starts with closing punctuation", s, max, l)
				}
			}
			for _, l := range lines {
				if r := []rune(l); len(r) > 1 && strings.ContainsRune("（「“", r[len(r)-1]) {
					t.Errorf("Wrap(%q, %d): line %q ends with opening punctuation", s, max, l)
				}
			}
		}
	}
}

func TestWrapBreaksLatinAtSpaces(t *testing.T) {
	fc := face(t, 32)
	s := "Please keep your ticket and listen for your number at window A12."
	words := strings.Fields(s)
	lines := fc.Wrap(s, 300)
	if len(lines) < 2 {
		t.Fatalf("Wrap(%q, 300) = %q, want several lines", s, lines)
	}
	for _, l := range lines {
		for _, w := range strings.Fields(l) {
			if !slices.Contains(words, w) {
				t.Errorf("line %q splits a word: %q", l, w)
			}
		}
		if strings.HasPrefix(l, " ") || strings.HasSuffix(l, " ") {
			t.Errorf("line %q keeps the space at a break", l)
		}
	}
}

func TestWrapKeepsNewlinesAndIndentation(t *testing.T) {
	fc := face(t, 32)
	got := fc.Wrap("第一行\n\n  第三行", 1000)
	want := []string{"第一行", "", "  第三行"}
	if !slices.Equal(got, want) {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	if got := fc.Wrap("", 100); !slices.Equal(got, []string{""}) {
		t.Errorf("Wrap(\"\") = %q, want one empty line", got)
	}
}

func FuzzWrap(f *testing.F) {
	for _, s := range wrapSamples {
		f.Add(s, 200)
	}
	f.Add("0A}%00000", 38) // a piece too wide to keep its punctuation together
	fc := face(f, 24)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if !utf8.ValidString(s) {
			t.Skip("kiosk text is UTF-8")
		}
		max = max%2000 + 1
		if max < 0 {
			max = -max
		}
		checkWrap(t, fc, s, max, fc.Wrap(s, max))
	})
}
