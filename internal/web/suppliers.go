package web

// The product–supplier register (製品の供給者): every member reads which
// organization supplies which product; the center maintains it. Package
// policy decides who may; package relevance logs each change before it
// takes effect.

import (
	"net/http"
	"strings"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/relevance"
)

type suppliersData struct {
	Suppliers []relevance.Supplier
	CanWrite  bool
	Message   string // catalog key
	Error     string // in the reader's language
	Form      relevance.SupplierInput
}

func (s *server) suppliersPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showSuppliers(w, r, req, http.StatusOK, &suppliersData{})
}

func (s *server) showSuppliers(w http.ResponseWriter, r *http.Request, req *request, status int, d *suppliersData) {
	var err error
	if d.Suppliers, err = s.relevance().Suppliers(r.Context(), req.viewer, ""); err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	d.CanWrite = policy.MaintainsSupplierRegister(req.viewer)
	if d.Message == "" && r.URL.Query().Get("ok") == "removed" {
		d.Message = "vuln.supplier_removed"
	}
	s.render(w, r, req, status, "vuln_suppliers", "nav.vuln_suppliers", "vuln_suppliers", d)
}

func (s *server) addSupplier(w http.ResponseWriter, r *http.Request, req *request) {
	in := relevance.SupplierInput{Org: r.PostFormValue("org"), Name: r.PostFormValue("name"), CPE: r.PostFormValue("cpe"), PURL: r.PostFormValue("purl")}
	_, err := s.relevance().AddSupplier(r.Context(), req.caller, req.viewer, in)
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showSuppliers(w, r, req, http.StatusBadRequest, &suppliersData{Form: in, Error: s.problems(req, err, supplierProblem)})
	default:
		s.showSuppliers(w, r, req, http.StatusOK, &suppliersData{Message: "vuln.supplier_added"})
	}
}

// removeSupplier removes the register entry named by its public id; a row
// id (which never leaves the hub) is not found.
func (s *server) removeSupplier(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id")
	err := s.relevance().RemoveSupplier(r.Context(), req.caller, req.viewer, id)
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/vuln/suppliers?ok=removed", http.StatusSeeOther)
	}
}

// supplierProblem is one problem of a register entry in the language of cat.
func supplierProblem(lang string, cat catalog, p problem.Problem) string {
	key := "vuln.err." + p.Code
	if _, ok := cat[key]; !ok {
		return p.Msg
	}
	if p.Value != "" {
		return cat.Text(key, p.Value)
	}
	return cat.Text(key)
}

// notSupplierText says a refused publication in the reader's language.
func (s *server) notSupplierText(req *request, e *relevance.NotSupplierError) string {
	products := strings.Join(e.Products, ", ")
	if e.More > 0 {
		products += " …"
	}
	return s.pages[req.lang].cat.Text("vuln.err.not_supplier", e.Publisher, products)
}
