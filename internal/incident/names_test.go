package incident_test

import (
	"strings"
	"testing"

	"renkei/internal/i18n"
	"renkei/internal/incident"
)

// TestEveryReportTypeAndStageHasANameInEachLanguage: every report type and
// stage of deadlines.yaml is named in the catalog in Japanese and English
// (report.type.<id>, report.stage.<type>.<stage>), so that alerts and the
// console never show a raw id such as "art5 initial".
func TestEveryReportTypeAndStageHasANameInEachLanguage(t *testing.T) {
	cats, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range incident.DefaultDeadlines().Types {
		keys := []string{"report.type." + typ.ID}
		for _, st := range typ.Stages {
			keys = append(keys, "report.stage."+typ.ID+"."+st.Stage)
		}
		for _, key := range keys {
			for _, l := range i18n.Languages {
				if strings.TrimSpace(cats[l][key]) == "" {
					t.Errorf("%s has no name in %s", key, l)
				}
			}
		}
		if incident.TypeName(typ.ID) == typ.ID {
			t.Errorf("TypeName(%s) is the raw id", typ.ID)
		}
	}
	if got := incident.StageName("art5", "initial"); i18n.M("alert.text", got).In("ja") != "初報" || i18n.M("alert.text", got).In("en") != "Initial report" {
		t.Errorf("art5 initial reads %q / %q", i18n.M("alert.text", got).In("ja"), i18n.M("alert.text", got).In("en"))
	}
	if incident.TypeName("unknown-law") != "unknown-law" {
		t.Error("a type the catalog does not name is not shown by its id")
	}
}
