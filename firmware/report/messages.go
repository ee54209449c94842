package report

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// messages is the report's text in the hall's two languages. It is small and
// read only by the hall's staff, so it lives here rather than in the kiosk's
// catalogs.
var messages = map[string]map[string]string{
	"zh-CN": {
		"title":            "运营报表",
		"days":             "服务日",
		"days_none":        "无",
		"days_range":       "%s 至 %s（%d 天）",
		"no_data":          "暂无数据",
		"issued":           "取号",
		"called":           "叫号",
		"served":           "办结",
		"no_shows":         "过号",
		"refused":          "被拒收的事件",
		"met":              "达标",
		"missed":           "未达标",
		"target":           "目标",
		"sat":              "满意度",
		"sat_detail":       "%d 条评价中 %d 条满意（前 %d 级计为满意）",
		"sat_none":         "暂无评价",
		"low_reasons":      "差评原因",
		"window":           "窗口办理时长",
		"window_mean":      "平均",
		"baseline":         "改革前基准",
		"change":           "变化",
		"goal":             "目标",
		"no_baseline":      "未配置基准",
		"matters":          "各事项",
		"matter":           "事项",
		"wait":             "等候",
		"handling":         "办理",
		"p50":              "中位数",
		"p90":              "90%分位",
		"hours":            "各时段",
		"hour":             "时段",
		"chart":            "各时段取号与等候",
		"chart_sum":        "（%d 天合计）",
		"page_met":         "已达标",
		"page_missed":      "未达标",
		"level":            "等级",
		"offline_share":    "离线占比",
		"chart_bars":       "每小时取号数",
		"chart_line":       "等候时间 90%分位（分钟）",
		"chart_count":      "张",
		"chart_min":        "分钟",
		"help":             "求助",
		"help_asked":       "求助次数",
		"help_ack":         "已响应",
		"help_open":        "未响应",
		"help_time":        "响应用时",
		"reason":           "原因",
		"count":            "次数",
		"share":            "占叫号",
		"kiosks":           "自助终端",
		"kiosk":            "终端",
		"offline":          "离线取号",
		"offline_periods":  "离线时段",
		"from":             "开始",
		"until":            "结束",
		"duration":         "时长",
		"none":             "无",
		"ratings":          "评价分布",
		"level.1":          "非常满意",
		"level.2":          "满意",
		"level.3":          "基本满意",
		"level.4":          "不满意",
		"level.5":          "非常不满意",
		"low.wait":         "等候太久",
		"low.attitude":     "服务态度",
		"low.materials":    "材料要求",
		"low.not-done":     "事项未办成",
		"low.other":        "其他",
		"help.questions":   "咨询",
		"help.no-id":       "未带证件",
		"help.online-help": "网上办理",
		"help.not-printed": "未出票",
		"help.help":        "其他求助",
		"dur_h":            "%d小时%d分",
		"dur_m":            "%d分%d秒",
		"dur_min":          "%d分钟",
		"dur_s":            "%d秒",
		"footer":           "满意度取自政务服务“好差评”；等候为取号至首次叫号，办理为开始办理至办结；分位数为最近秩法，每个值都是实际出现过的时间。",
	},
	"en": {
		"title":            "Hall report",
		"days":             "Service days",
		"days_none":        "none",
		"days_range":       "%s to %s (%d days)",
		"no_data":          "no data",
		"issued":           "Issued",
		"called":           "Called",
		"served":           "Served",
		"no_shows":         "No-shows",
		"refused":          "Refused events",
		"met":              "met",
		"missed":           "missed",
		"target":           "target",
		"sat":              "Satisfaction",
		"sat_detail":       "%d ratings, %d satisfied (top %d levels count)",
		"sat_none":         "no ratings yet",
		"low_reasons":      "Reasons for low ratings",
		"window":           "Time at the window",
		"window_mean":      "mean",
		"baseline":         "pre-reform baseline",
		"change":           "change",
		"goal":             "goal",
		"no_baseline":      "no baseline configured",
		"matters":          "Matters",
		"matter":           "Matter",
		"wait":             "Wait",
		"handling":         "Handling",
		"p50":              "p50",
		"p90":              "p90",
		"hours":            "Hours",
		"hour":             "Hour",
		"chart":            "Tickets and waits by hour",
		"chart_sum":        " (%d days summed)",
		"page_met":         "Target met",
		"page_missed":      "Target missed",
		"level":            "Level",
		"offline_share":    "offline share",
		"chart_bars":       "tickets issued per hour",
		"chart_line":       "p90 wait (minutes)",
		"chart_count":      "tickets",
		"chart_min":        "min",
		"help":             "Help requests",
		"help_asked":       "Requests",
		"help_ack":         "Answered",
		"help_open":        "Unanswered",
		"help_time":        "Time to answer",
		"reason":           "Reason",
		"count":            "Count",
		"share":            "of called",
		"kiosks":           "Kiosks",
		"kiosk":            "Kiosk",
		"offline":          "Issued offline",
		"offline_periods":  "Offline periods",
		"from":             "From",
		"until":            "Until",
		"duration":         "Duration",
		"none":             "none",
		"ratings":          "Ratings",
		"level.1":          "Very satisfied",
		"level.2":          "Satisfied",
		"level.3":          "Fairly satisfied",
		"level.4":          "Dissatisfied",
		"level.5":          "Very dissatisfied",
		"low.wait":         "Waited too long",
		"low.attitude":     "Staff attitude",
		"low.materials":    "Documents asked for",
		"low.not-done":     "Matter not done",
		"low.other":        "Other",
		"help.questions":   "Questions",
		"help.no-id":       "No ID card",
		"help.online-help": "Online service",
		"help.not-printed": "Ticket not printed",
		"help.help":        "Other help",
		"dur_h":            "%dh%02dm",
		"dur_m":            "%dm%02ds",
		"dur_min":          "%d min",
		"dur_s":            "%ds",
		"footer":           "Satisfaction is from the 好差评 ratings; the wait runs from issue to the first call, handling from start to done; percentiles are nearest-rank, so each is a time that really occurred.",
	},
}

// catalog returns the messages of lang: English for "en…", else Chinese.
func catalog(lang string) map[string]string {
	if strings.HasPrefix(lang, "en") {
		return messages["en"]
	}
	return messages["zh-CN"]
}

// percent formats a share with one decimal, cut towards zero rather than
// rounded, so that a rate just short of its target never reads as the target.
func percent(share float64) string {
	return fmt.Sprintf("%.1f%%", math.Trunc(share*1000+math.Copysign(epsilon, share))/10)
}

// signedPercent is percent with an explicit sign, for changes.
func signedPercent(share float64) string {
	s := percent(share)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// duration formats d to the second in lang's words.
func duration(m map[string]string, d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf(m["dur_h"], s/3600, s%3600/60)
	case s >= 60 && s%60 == 0:
		return fmt.Sprintf(m["dur_min"], s/60)
	case s >= 60:
		return fmt.Sprintf(m["dur_m"], s/60, s%60)
	}
	return fmt.Sprintf(m["dur_s"], s)
}

// maybe formats d, or says there is no data.
func maybe(m map[string]string, d *time.Duration) string {
	if d == nil {
		return m["no_data"]
	}
	return duration(m, *d)
}

// period describes the report's days.
func (r Report) period(m map[string]string) string {
	switch len(r.Days) {
	case 0:
		return m["days_none"]
	case 1:
		return r.Days[0]
	}
	return fmt.Sprintf(m["days_range"], r.Days[0], r.Days[len(r.Days)-1], len(r.Days))
}
