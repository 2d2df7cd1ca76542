package policy

// ReadLogged reports whether reading a record of this TLP must be appended
// to the audit log before it is released (rule C7): AMBER+STRICT and RED.
// hub.Logged asks it for objects, hunting packages for their content and
// findings.
func ReadLogged(t TLP) bool { return t >= AmberStrict }
