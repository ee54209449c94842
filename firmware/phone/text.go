package phone

import (
	"fmt"
	"time"

	"onetrip/firmware/queue"
)

// The page's languages, named as hall.Text.In expects them.
const (
	zh = "zh-CN"
	en = "en"
)

// words are the page's fixed texts in one language. Formats take the number
// of people, minutes or the window.
type words struct {
	Title    string // the page's title before the number
	Yours    string // the label above the number
	Green    string // the green channel badge
	WhereIs  string // the label before the place
	Live     string // says the page refreshes by itself
	Offline  string // shown while the status cannot be fetched
	NotFound string // the page of an unknown token: its headline
	Expired  string // and what to do
	Other    string // the link to the other language, in that language
	OtherTag string // and its tag

	ahead, aheadOne, next string
	wait, listen          string
	goTo, calling, at     string
	serving, served       string
	missed, updated       string
}

var catalog = map[string]words{
	zh: {
		Title: "排队进度", Yours: "您的号码", Green: "绿色通道", WhereIs: "办理地点",
		Live: "本页自动刷新", Offline: "网络不稳，正在重新连接…",
		NotFound: "没有找到这张号票", Expired: "可能已过期，请以现场叫号为准",
		Other: "English", OtherTag: en,

		ahead: "前面还有 %d 人", aheadOne: "前面还有 %d 人", next: "下一位就是您",
		wait: "预计等候约 %d 分钟", listen: "请留意叫号",
		goTo: "请到 %d 号窗口", calling: "正在叫您的号", at: "%d 号窗口",
		serving: "正在办理", served: "已办结，感谢您的耐心等候",
		missed: "您已过号，请到导办台咨询", updated: "更新于 %s",
	},
	en: {
		Title: "Queue", Yours: "Your number", Green: "Green channel", WhereIs: "Where",
		Live: "This page updates by itself", Offline: "No connection, trying again…",
		NotFound: "Ticket not found", Expired: "It may have expired. Please follow the calls in the hall",
		Other: "中文", OtherTag: zh,

		ahead: "%d people ahead of you", aheadOne: "%d person ahead of you", next: "You are next",
		wait: "Estimated wait about %d min", listen: "Please listen for your number",
		goTo: "Please go to window %d", calling: "Your number is being called", at: "Window %d",
		serving: "Being served", served: "Done. Thank you for your patience",
		missed: "Your number has passed. Please ask at the help desk", updated: "Updated %s",
	},
}

// screen is what the page shows for a status: the lines that change.
type screen struct {
	Title    string `json:"title"`    // the browser tab's title
	Headline string `json:"headline"` // the large line: people ahead, the window to go to…
	Detail   string `json:"detail"`   // the line under it; may be empty
	Tone     string `json:"tone"`     // the panel's colour: wait, call, serve, done or miss
	Updated  string `json:"updated"`  // when the server answered, as a clock time
}

// screen words the status s at time now.
func (w words) screen(s Status, now time.Time) screen {
	var c screen
	switch s.State {
	case queue.Waiting:
		c.Tone, c.Detail = "wait", w.listen
		switch s.Ahead {
		case 0:
			c.Headline = w.next
		case 1:
			c.Headline = fmt.Sprintf(w.aheadOne, 1)
		default:
			c.Headline = fmt.Sprintf(w.ahead, s.Ahead)
		}
		if s.Ahead > 0 && s.Wait.Known {
			c.Detail = fmt.Sprintf(w.wait, s.Wait.Minutes)
		}
	case queue.AtCall:
		c.Tone, c.Headline, c.Detail = "call", fmt.Sprintf(w.goTo, s.Window), w.calling
	case queue.Serving:
		c.Tone, c.Headline, c.Detail = "serve", w.serving, fmt.Sprintf(w.at, s.Window)
	case queue.Served:
		c.Tone, c.Headline = "done", w.served
	case queue.Missed:
		c.Tone, c.Headline = "miss", w.missed
	}
	c.Title = s.Number + " " + c.Headline + " · " + w.Title
	c.Updated = fmt.Sprintf(w.updated, now.Format("15:04:05"))
	return c
}
