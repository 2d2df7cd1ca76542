package policy

import "strings"

// An alert is addressed to one organization, and may name objects: a
// sighting alert names the sighting and what was sighted, with their names,
// ids, counts and TLP. Such an alert is the objects' content in another form,
// so it reaches a reader only when the reader may read every object it names.
// An alert that names no object reaches every user of its organization.
//
// Webhooks and e-mail are not read by one known user but by whoever the
// organization points them at. They carry an alert only when the
// organization as a whole may read every object it names: OrgAudience is
// that reader.

// AlertVisible reports whether v may read an alert addressed to org that
// names objects with the ACLs named.
func AlertVisible(v Viewer, org string, named []ACL) bool {
	if v.Anonymous() || v.OrgID != org {
		return false
	}
	for _, a := range named {
		if !Decide(v, a) {
			return false
		}
	}
	return true
}

// OrgAudience is the reader that stands for an organization as a whole: a
// member who reads shared intelligence, is no named person and submitted
// nothing. It reads TLP:CLEAR, GREEN and AMBER as the organization does,
// AMBER+STRICT when the organization is its audience, and never RED, which
// is for named people only.
func OrgAudience(org string, isCenter bool, groups []string) Viewer {
	return Viewer{UserID: SystemUser, OrgID: org, Role: RoleViewer, IsCenter: isCenter, Groups: groups}
}

// AlertFilter returns an SQL boolean expression, with '?' placeholders and
// their arguments, that is true exactly for the alerts v may read.
//
// alert is the alias of the alerts table in the caller's query; the
// expression reads its columns id and org_id, the table
// alert_objects(alert_id, object_pk) of the objects each alert names, and the
// objects through Filter. An alert whose named object is gone is not shown:
// what it said about that object can no longer be checked. It must give the
// same answers as AlertVisible; TestAlertsCarryOnlyWhatReaderMaySee holds
// them together.
func AlertFilter(v Viewer, alert string) (string, []any) {
	if v.Anonymous() {
		return "1 = 0", nil
	}
	objects, args := Filter(v, "ao_o")
	var b strings.Builder
	b.WriteString("(" + alert + ".org_id = ? AND NOT EXISTS (SELECT 1 FROM alert_objects ao WHERE ao.alert_id = " + alert + ".id" +
		" AND NOT EXISTS (SELECT 1 FROM objects ao_o WHERE ao_o.pk = ao.object_pk AND " + objects + ")))")
	return b.String(), append([]any{v.OrgID}, args...)
}
