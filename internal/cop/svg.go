package cop

import (
	"fmt"
	"html"
	"strings"
)

// The charts are plain SVG 1.1 written by hand: no script, no external
// fonts or styles, so they render under the console's strict content
// security policy and print as they look. Every text is escaped.

const (
	colorBar    = "#2f5d8a"
	colorAlt    = "#c8553d"
	colorAck    = "#e0b341"
	colorDone   = "#3a8f5c"
	colorTrack  = "#e4e7eb"
	colorText   = "#1f2933"
	colorMuted  = "#616e7c"
	fontFamily  = "system-ui, -apple-system, 'Hiragino Sans', 'Noto Sans JP', sans-serif"
	chartWidth  = 720
	chartHeight = 240
)

func esc(s string) string { return html.EscapeString(s) }

// fontSize is the charts' font size in pixels.
const fontSize = 12

// textWidth is an upper bound of the width of s in pixels at fontSize, for
// laying out texts side by side without a font at hand: a full-width
// character (kanji, kana, full-width forms, Hangul) takes the whole em, a
// capital or a wide Latin letter at most 5/6 of it, any other character at
// most 7/12 (sans-serif fonts draw them narrower). Counting every character
// as an ASCII one put Japanese legends over their neighbours.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case r >= 0x2E80 && !(r >= 0xD800 && r <= 0xF8FF) && !(r >= 0xFF61 && r <= 0xFFDC):
			w += fontSize
		case r >= 'A' && r <= 'Z', r == 'm', r == 'w', r == '%', r == '@':
			w += fontSize * 5 / 6
		default:
			w += fontSize * 7 / 12
		}
	}
	return w
}

// fit cuts s with an ellipsis so that it is at most w pixels wide.
func fit(s string, w int) string {
	if textWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && textWidth(string(r))+fontSize > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// legendSwatch and legendGap are the sizes of a legend's colour square, of
// the space after it and of the space after each name.
const legendSwatch, legendAfterSwatch, legendGap = 10, 4, 16

// legendWidth is the width of a legend row naming names.
func legendWidth(names []string) int {
	w := 0
	for i, n := range names {
		w += legendSwatch + legendAfterSwatch + textWidth(n)
		if i < len(names)-1 {
			w += legendGap
		}
	}
	return w
}

// legendRow writes a row of colour squares and names from x, the text's
// baseline at y, each name after its square and the next square after the
// name and a gap.
func legendRow(b *strings.Builder, x, y int, names, colors []string) {
	for i, n := range names {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/><text x="%d" y="%d" fill="%s">%s</text>`,
			x, y-9, legendSwatch, legendSwatch, colors[i], x+legendSwatch+legendAfterSwatch, y, colorMuted, esc(n))
		x += legendSwatch + legendAfterSwatch + textWidth(n) + legendGap
	}
}

func open(b *strings.Builder, w, h int, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="%s" font-size="%d">`, w, h, w, h, esc(title), esc(fontFamily), fontSize)
	fmt.Fprintf(b, `<title>%s</title>`, esc(title))
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, so that
// the axis reads easily.
func niceMax(m int) int {
	if m <= 0 {
		return 1
	}
	p := 1
	for p*10 <= m {
		p *= 10
	}
	for _, f := range []int{1, 2, 5, 10} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}

// Series is one named series of a time chart.
type Series struct {
	Name   string
	Counts []Count
}

// TimeChart draws one or two daily series as grouped columns, with the
// first and last dates and the maximum on the axis.
func TimeChart(title string, series ...Series) string {
	var b strings.Builder
	open(&b, chartWidth, chartHeight, title)
	left, right, top, bottom := 40, 10, 30, 30
	pw, ph := chartWidth-left-right, chartHeight-top-bottom
	maxV := 0
	n := 0
	for _, s := range series {
		n = max(n, len(s.Counts))
		for _, c := range s.Counts {
			maxV = max(maxV, c.Value)
		}
	}
	top1 := niceMax(maxV)
	fmt.Fprintf(&b, `<text x="%d" y="18" fill="%s" font-weight="bold">%s</text>`, left, colorText, esc(title))
	// The legend ends at the right edge on the title's row when it fits
	// beside the title (bold: counted a sixth wider), else it takes a row
	// of its own under the title and the plot moves down.
	names, colors := make([]string, len(series)), make([]string, len(series))
	for i, s := range series {
		names[i], colors[i] = s.Name, seriesColor(i)
	}
	lw := legendWidth(names)
	if x := chartWidth - right - lw; x >= left+textWidth(title)*7/6+legendGap {
		legendRow(&b, x, 18, names, colors)
	} else {
		legendRow(&b, left, 36, names, colors)
		top += 18
		ph -= 18
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, left, top+ph, left+pw, top+ph, colorMuted)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="%s">%d</text><text x="%d" y="%d" text-anchor="end" fill="%s">0</text>`, left-4, top+8, colorMuted, top1, left-4, top+ph, colorMuted)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-dasharray="3 3"/>`, left, top, left+pw, top, colorTrack)
	if n > 0 {
		slot := float64(pw) / float64(n)
		bw := slot * 0.8 / float64(max(1, len(series)))
		for si, s := range series {
			for i, c := range s.Counts {
				h := float64(c.Value) / float64(top1) * float64(ph)
				x := float64(left) + float64(i)*slot + slot*0.1 + float64(si)*bw
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %d</title></rect>`,
					x, float64(top+ph)-h, bw, h, seriesColor(si), esc(s.Name), esc(c.Key), c.Value)
			}
		}
		first, last := series[0].Counts[0].Key, series[0].Counts[len(series[0].Counts)-1].Key
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text><text x="%d" y="%d" text-anchor="end" fill="%s">%s</text>`,
			left, chartHeight-10, colorMuted, esc(first), left+pw, chartHeight-10, colorMuted, esc(last))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func seriesColor(i int) string {
	if i%2 == 1 {
		return colorAlt
	}
	return colorBar
}

// BarChart draws labelled counts as horizontal bars, largest first as given.
func BarChart(title string, counts []Count, empty string) string {
	var b strings.Builder
	rowH, top := 24, 32
	h := top + max(1, len(counts))*rowH + 10
	open(&b, chartWidth, h, title)
	fmt.Fprintf(&b, `<text x="10" y="18" fill="%s" font-weight="bold">%s</text>`, colorText, esc(title))
	if len(counts) == 0 {
		fmt.Fprintf(&b, `<text x="10" y="%d" fill="%s">%s</text></svg>`, top+14, colorMuted, esc(empty))
		return b.String()
	}
	maxV := 0
	for _, c := range counts {
		maxV = max(maxV, c.Value)
	}
	labelW, barMax := 250, chartWidth-250-70
	for i, c := range counts {
		y := top + i*rowH
		w := int(float64(c.Value) / float64(max(1, maxV)) * float64(barMax))
		label := fit(c.Key, labelW-8-10)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="%s"><title>%s</title>%s</text>`, labelW-8, y+15, colorText, esc(c.Key), esc(label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="18" fill="%s"/>`, labelW, y+2, max(w, 1), colorBar)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%d</text>`, labelW+w+6, y+15, colorText, c.Value)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// ProgressChart draws each open advisory as a track with its acknowledged
// and completed shares; legend names the three parts (completed, acknowledged, addressed).
func ProgressChart(title string, adv []AdvisoryProgress, legend [3]string, empty string) string {
	var b strings.Builder
	rowH, top := 40, 40
	h := top + max(1, len(adv))*rowH + 10
	open(&b, chartWidth, h, title)
	fmt.Fprintf(&b, `<text x="10" y="18" fill="%s" font-weight="bold">%s</text>`, colorText, esc(title))
	legendRow(&b, 10, 33, legend[:], []string{colorDone, colorAck, colorTrack})
	if len(adv) == 0 {
		fmt.Fprintf(&b, `<text x="10" y="%d" fill="%s">%s</text></svg>`, top+20, colorMuted, esc(empty))
		return b.String()
	}
	trackW := chartWidth - 20 - 90
	for i, a := range adv {
		y := top + i*rowH
		label := fit(fmt.Sprintf("#%d %s", a.ID, a.Title), chartWidth-20)
		fmt.Fprintf(&b, `<text x="10" y="%d" fill="%s">%s</text>`, y+12, colorText, esc(label))
		fmt.Fprintf(&b, `<rect x="10" y="%d" width="%d" height="14" fill="%s"/>`, y+18, trackW, colorTrack)
		if a.Targets > 0 {
			ack := int(float64(a.Acknowledged) / float64(a.Targets) * float64(trackW))
			done := int(float64(a.Completed) / float64(a.Targets) * float64(trackW))
			fmt.Fprintf(&b, `<rect x="10" y="%d" width="%d" height="14" fill="%s"/>`, y+18, ack, colorAck)
			fmt.Fprintf(&b, `<rect x="10" y="%d" width="%d" height="14" fill="%s"/>`, y+18, done, colorDone)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%d/%d/%d</text>`, 10+trackW+8, y+30, colorText, a.Completed, a.Acknowledged, a.Targets)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
