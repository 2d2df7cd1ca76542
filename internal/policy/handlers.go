package policy

// DesignatesHandlers reports whether v may designate the organizations that
// handle a consultation topic, or withdraw a designation: the center's
// administrators and analysts, as for the product–supplier register. A
// request can be routed (asked of, or handed to) only an organization so
// designated, or the center.
func DesignatesHandlers(v Viewer) bool { return MaintainsSupplierRegister(v) }
