package policy

// SeesEveryRecipientsProgress reports whether v sees how every recipient of
// an advisory, correction request or supplier request is doing — the
// counts of all targets and each target's acknowledgement, completion and
// evidence. Only the center (not its overseers, who read no content) does;
// a member sees its own progress only, in the API and the console as in
// the operating picture.
func SeesEveryRecipientsProgress(v Viewer) bool {
	return !v.Anonymous() && v.IsCenter && v.Role != RoleOverseer
}
