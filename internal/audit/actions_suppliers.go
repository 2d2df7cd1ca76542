package audit

// Changes to who may speak for what: the product–supplier register (whose
// VEX and CSAF statements apply to which products) and the designation of
// consultation handlers, and a consultation handed to another organization
// with the asker's consent. Each is logged before it takes effect.
const (
	ActionSupplierRegister = "supplier.register" // an organization registered as the supplier of a product
	ActionSupplierRemove   = "supplier.remove"   // a product–supplier entry removed
	ActionHandlerDesignate = "handler.designate" // an organization designated to handle a consultation topic
	ActionHandlerRevoke    = "handler.revoke"    // a designation withdrawn
	ActionConsultHandoff   = "consult.handoff"   // a consultation handed to another organization (with the asker's consent)
)
