package cop

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"renkei/internal/i18n"
)

var (
	svgText   = regexp.MustCompile(`<text x="(-?\d+)" y="(\d+)"([^>]*)>(.*?)</text>`)
	svgSwatch = regexp.MustCompile(`<rect x="(\d+)" y="(\d+)" width="10" height="10"`)
	svgTitle  = regexp.MustCompile(`<title>.*?</title>`)
)

type box struct {
	what           string
	x0, y0, x1, y1 int
}

func (a box) overlaps(b box) bool { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }

// layout reads the boxes of a chart's texts (their width bounded by
// textWidth, a bold one a sixth wider) and legend squares.
func layout(t *testing.T, svg string) []box {
	t.Helper()
	var bs []box
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, m := range svgText.FindAllStringSubmatch(svg, -1) {
		text := html.UnescapeString(svgTitle.ReplaceAllString(m[4], ""))
		w := textWidth(text)
		if strings.Contains(m[3], "bold") {
			w = w * 7 / 6
		}
		x, y := num(m[1]), num(m[2])
		if strings.Contains(m[3], `text-anchor="end"`) {
			x -= w
		}
		bs = append(bs, box{"text " + strconv.Quote(text), x, y - fontSize, x + w, y + 3})
	}
	for _, m := range svgSwatch.FindAllStringSubmatch(svg, -1) {
		x, y := num(m[1]), num(m[2])
		bs = append(bs, box{"legend square at " + m[1], x, y, x + 10, y + 10})
	}
	return bs
}

// TestChartLegendsDoNotOverlapTheirLabels (issue 18 point 3): in the
// operating picture's charts, in Japanese and English, no text or legend
// square overlaps another and none leaves the chart — the time chart's
// legend beside a long Japanese title, the progress chart's legend, and
// long Japanese labels (the legend's names were once spaced as if every
// character were a narrow Latin one, and ran into the next square).
func TestChartLegendsDoNotOverlapTheirLabels(t *testing.T) {
	days := []Count{{Key: "2026-11-01", Value: 3}, {Key: "2026-11-02", Value: 12}, {Key: "2026-11-03", Value: 0}}
	charts := map[string]string{}
	for _, lang := range []string{"ja", "en"} {
		tx := func(key string) string { return i18n.Text(lang, key) }
		charts[lang+" time"] = TimeChart(tx("cop.timeline"), Series{Name: tx("cop.incidents"), Counts: days}, Series{Name: tx("cop.alerts"), Counts: days})
		charts[lang+" progress"] = ProgressChart(tx("cop.advisories"), []AdvisoryProgress{
			{Title: "VPN装置の既知の悪用された脆弱性 / Exploited vulnerability in VPN appliances, with a title long enough to be cut", Targets: 4, Acknowledged: 2, Completed: 1},
		}, [3]string{tx("adv.completed"), tx("adv.acknowledged"), tx("adv.addressed")}, tx("cop.no_data"))
	}
	charts["ja time, long title and names"] = TimeChart("日ごとのインシデント報告と重要インフラ事業者へのアラートの推移(過去九十日間)",
		Series{Name: "特定侵害事象の報告", Counts: days}, Series{Name: "既知の悪用された脆弱性のアラート", Counts: days})
	charts["ja sectors"] = BarChart("分野別のインシデント", []Count{{Key: "政府・行政サービス(中央省庁及び地方公共団体の情報システムを含む)", Value: 3}, {Key: "電力", Value: 1}}, "なし")
	for name, svg := range charts {
		bs := layout(t, svg)
		if len(bs) < 4 {
			t.Fatalf("%s: only %d boxes read from\n%s", name, len(bs), svg)
		}
		for i, a := range bs {
			if a.x0 < 0 || a.x1 > chartWidth {
				t.Errorf("%s: %s leaves the chart: x %d–%d of %d", name, a.what, a.x0, a.x1, chartWidth)
			}
			for _, b := range bs[i+1:] {
				if a.overlaps(b) {
					t.Errorf("%s: %s (%d,%d–%d,%d) overlaps %s (%d,%d–%d,%d)", name, a.what, a.x0, a.y0, a.x1, a.y1, b.what, b.x0, b.y0, b.x1, b.y1)
				}
			}
		}
	}
}
