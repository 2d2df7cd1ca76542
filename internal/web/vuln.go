package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/vuln"
)

// Vulnerabilities & assets (脆弱性・資産): what affects us, the register of
// connection points, the vendor's publishing page and the center's
// exposure view. Each member sees and changes only its own entries; the
// exposure view shows sectors and counts, never members.

func (s *server) relevance() *relevance.Service { return s.Relevance }

// canWriteAssets says whether the page shows the forms that change the
// register; the service decides each change itself.
func canWriteAssets(req *request) bool { return policy.MayWriteAssets(req.viewer) }

type vulnData struct {
	Findings   []vuln.Finding
	Suppressed int
	SBOMs      []relevance.SBOM
	CanWrite   bool
	IsCenter   bool
	Message    string // catalog key of the outcome of a POST
	Outcome    *relevance.Outcome
	Error      string // the reason a POST was refused, as the package said it
}

// vulnPage is "what affects us".
func (s *server) vulnPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showVuln(w, r, req, http.StatusOK, &vulnData{})
}

func (s *server) showVuln(w http.ResponseWriter, r *http.Request, req *request, status int, d *vulnData) {
	ctx := r.Context()
	fs, err := s.relevance().Findings(ctx, req.viewer)
	if err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	for _, f := range fs {
		if f.Suppressed() {
			d.Suppressed++
			continue
		}
		d.Findings = append(d.Findings, f)
	}
	if d.SBOMs, err = s.relevance().SBOMs(ctx, req.viewer); err != nil {
		s.serverError(w, r, err)
		return
	}
	d.CanWrite, d.IsCenter = canWriteAssets(req), policy.InCenter(req.viewer)
	s.render(w, r, req, status, "vuln", "nav.vuln", "vuln", d)
}

// formDocument returns an uploaded file ("file") or pasted text ("document").
func formDocument(r *http.Request) ([]byte, string, error) {
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(f)
		return b, h.Filename, err
	}
	return []byte(r.PostFormValue("document")), "pasted", nil
}

func (s *server) registerSBOM(w http.ResponseWriter, r *http.Request, req *request) {
	data, name, err := formDocument(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_, out, err := s.relevance().RegisterSBOM(r.Context(), req.viewer, strings.TrimSpace(r.PostFormValue("name")), name, data)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.showVuln(w, r, req, http.StatusBadRequest, &vulnData{Error: err.Error()})
		return
	}
	s.showVuln(w, r, req, http.StatusOK, &vulnData{Message: "vuln.sbom_registered", Outcome: &out})
}

type assetsData struct {
	Points    []assetRow
	StaleDays int
	Stale     int
	Kinds     []string
	CanWrite  bool
	Form      relevance.ConnectionPoint
	Message   string
	Outcome   *relevance.Outcome
	Error     string
	CSV       string
	// The product catalogue, offered as the member types vendor and product.
	Vendors  []string
	Products []relevance.CatalogueProduct
}

type assetRow struct {
	relevance.ConnectionPoint
	IsStale bool
}

func (s *server) assetsPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showAssets(w, r, req, http.StatusOK, &assetsData{})
}

func (s *server) showAssets(w http.ResponseWriter, r *http.Request, req *request, status int, d *assetsData) {
	ctx := r.Context()
	cps, err := s.relevance().ConnectionPoints(ctx, req.viewer)
	if err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	d.StaleDays = s.relevance().StaleDays(ctx)
	now := s.Now()
	for _, c := range cps {
		st := c.Stale(now, d.StaleDays)
		if st {
			d.Stale++
		}
		d.Points = append(d.Points, assetRow{c, st})
	}
	d.Kinds, d.CanWrite = relevance.Kinds, canWriteAssets(req)
	if d.CanWrite {
		d.Vendors, d.Products = relevance.CatalogueVendors(), relevance.Catalogue("", 0)
	}
	s.render(w, r, req, status, "vuln_assets", "nav.vuln_assets", "vuln_assets", d)
}

func (s *server) addAsset(w http.ResponseWriter, r *http.Request, req *request) {
	c := relevance.ConnectionPoint{Kind: r.PostFormValue("kind"), Vendor: r.PostFormValue("vendor"), Product: r.PostFormValue("product"),
		Version: r.PostFormValue("version"), PURL: r.PostFormValue("purl"), CPE: r.PostFormValue("cpe"), Address: r.PostFormValue("address"), Owner: r.PostFormValue("owner")}
	if v := r.PostFormValue("last_confirmed"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			s.showAssets(w, r, req, http.StatusBadRequest, &assetsData{Form: c, Error: "last_confirmed: " + strconv.Quote(v)})
			return
		}
		c.LastConfirmed = t
	}
	_, out, err := s.relevance().AddConnectionPoint(r.Context(), req.viewer, c)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.showAssets(w, r, req, http.StatusBadRequest, &assetsData{Form: c, Error: err.Error()})
		return
	}
	s.showAssets(w, r, req, http.StatusOK, &assetsData{Message: "vuln.asset_added", Outcome: &out})
}

// confirmAsset records that a connection point, named by its public id,
// was checked today; a row id (which never leaves the hub) is not found.
func (s *server) confirmAsset(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id")
	c, err := s.relevance().ConnectionPoint(r.Context(), req.viewer, id)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	c.LastConfirmed = s.Now()
	if v := strings.TrimSpace(r.PostFormValue("version")); v != "" {
		c.Version = v
	}
	_, out, err := s.relevance().UpdateConnectionPoint(r.Context(), req.viewer, c)
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.showAssets(w, r, req, http.StatusBadRequest, &assetsData{Error: err.Error()})
		return
	}
	s.showAssets(w, r, req, http.StatusOK, &assetsData{Message: "vuln.asset_confirmed", Outcome: &out})
}

// deleteAsset removes a connection point named by its public id; a row id
// is not found.
func (s *server) deleteAsset(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id")
	if err := s.relevance().DeleteConnectionPoint(r.Context(), req.viewer, id); err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	s.showAssets(w, r, req, http.StatusOK, &assetsData{Message: "vuln.asset_deleted"})
}

func (s *server) importAssets(w http.ResponseWriter, r *http.Request, req *request) {
	data, name, err := formDocument(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if name == "pasted" {
		data = []byte(r.PostFormValue("csv"))
	}
	cps, err := relevance.ParseConnectionPointsCSV(strings.NewReader(string(data)), "CSV", req.caller.Org.ID)
	if err == nil {
		_, out, ierr := s.relevance().ImportConnectionPoints(r.Context(), req.viewer, cps)
		if ierr == nil {
			s.showAssets(w, r, req, http.StatusOK, &assetsData{Message: "vuln.assets_imported", Outcome: &out})
			return
		}
		err = ierr
	}
	if s.refused(w, r, err) {
		return
	}
	s.showAssets(w, r, req, http.StatusBadRequest, &assetsData{Error: err.Error(), CSV: string(data)})
}

type vendorData struct {
	Publications []relevance.Publication
	IsVendor     bool
	CanWrite     bool
	Message      string
	Error        string
}

// vendorPage lists what vendors published (all of it: vendors publish to
// every member) and, for a vendor, the form to publish.
func (s *server) vendorPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showVendor(w, r, req, http.StatusOK, &vendorData{})
}

func (s *server) showVendor(w http.ResponseWriter, r *http.Request, req *request, status int, d *vendorData) {
	var err error
	if d.Publications, err = s.relevance().Publications(r.Context(), req.viewer, ""); err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	d.IsVendor, d.CanWrite = req.caller.Org.Kind == "vendor", canWriteAssets(req)
	s.render(w, r, req, status, "vuln_vendor", "nav.vuln_vendor", "vuln_vendor", d)
}

func (s *server) publish(w http.ResponseWriter, r *http.Request, req *request) {
	data, name, err := formDocument(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	level, _ := strconv.Atoi(r.PostFormValue("label_level"))
	// Whom the publication alerted is not shown: a vendor must not learn
	// which members run its products.
	_, _, err = s.relevance().Publish(r.Context(), req.viewer, req.caller.Org, relevance.PublishInput{Kind: r.PostFormValue("kind"), Product: r.PostFormValue("product"),
		Version: r.PostFormValue("version"), Note: r.PostFormValue("note"), LabelLevel: level, Source: name, Data: data})
	var ns *relevance.NotSupplierError
	if errors.As(err, &ns) {
		s.showVendor(w, r, req, http.StatusForbidden, &vendorData{Error: s.notSupplierText(req, ns)})
		return
	}
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		s.showVendor(w, r, req, http.StatusBadRequest, &vendorData{Error: err.Error()})
		return
	}
	s.showVendor(w, r, req, http.StatusOK, &vendorData{Message: "vuln.published"})
}

type exposureData struct {
	Query    string
	Exposure *relevance.Exposure
}

// exposurePage is the center's view of one vulnerability across the
// membership: sectors and counts only.
func (s *server) exposurePage(w http.ResponseWriter, r *http.Request, req *request) {
	d := &exposureData{Query: strings.TrimSpace(r.URL.Query().Get("id"))}
	// An empty query still asks, so that the service decides who sees the page.
	ex, err := s.relevance().Exposure(r.Context(), req.viewer, d.Query)
	if err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	if d.Query != "" {
		d.Exposure = &ex
	}
	s.render(w, r, req, http.StatusOK, "vuln_exposure", "nav.vuln_exposure", "vuln_exposure", d)
}
