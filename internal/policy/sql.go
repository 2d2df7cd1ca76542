package policy

import "strings"

// Filter returns an SQL boolean expression, with '?' placeholders and their
// arguments, that is true exactly for the rows the viewer may read.
//
// obj is the alias of the objects table in the caller's query. The expression
// reads its columns tlp, author_org, submitter_user and has_recipients, and the
// tables object_recipients(object_pk, org_id, group_id, user_id) and
// group_orgs(group_id, org_id), the transitive closure of group membership.
// It must give the same answers as Decide; TestFilterMatchesDecide holds them together.
func Filter(v Viewer, obj string) (string, []any) {
	c := func(col string) string { return obj + "." + col }
	if v.Anonymous() {
		return c("tlp") + " = 0", nil
	}
	var b strings.Builder
	var args []any
	b.WriteString("(" + c("tlp") + " = 0 OR " + c("submitter_user") + " = ?")
	args = append(args, v.UserID)
	if v.Role.readsContent() {
		addressed := "EXISTS (SELECT 1 FROM object_recipients r WHERE r.object_pk = " + c("pk") +
			" AND (r.org_id = ? OR r.group_id IN (SELECT g.group_id FROM group_orgs g WHERE g.org_id = ?)))"
		own := c("author_org") + " = ?"
		// GREEN and AMBER: the center sees all of them.
		if v.IsCenter {
			b.WriteString(" OR " + c("tlp") + " IN (1, 2)")
		} else {
			b.WriteString(" OR (" + c("tlp") + " = 1 AND (" + c("has_recipients") + " = 0 OR " + own + " OR " + addressed + "))")
			b.WriteString(" OR (" + c("tlp") + " = 2 AND (" + own + " OR " + addressed + "))")
			args = append(args, v.OrgID, v.OrgID, v.OrgID, v.OrgID, v.OrgID, v.OrgID)
		}
		// AMBER+STRICT
		b.WriteString(" OR (" + c("tlp") + " = 3 AND (" + own + " OR " + addressed + "))")
		args = append(args, v.OrgID, v.OrgID, v.OrgID)
		// RED
		b.WriteString(" OR (" + c("tlp") + " = 4 AND EXISTS (SELECT 1 FROM object_recipients r WHERE r.object_pk = " +
			c("pk") + " AND r.user_id = ?))")
		args = append(args, v.UserID)
	}
	b.WriteString(")")
	return b.String(), args
}
