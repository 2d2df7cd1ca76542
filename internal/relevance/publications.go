package relevance

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/sbom"
)

// Publication kinds a vendor publishes.
const (
	PubSBOM  = "sbom"
	PubVEX   = "vex"  // OpenVEX, CSAF VEX or CycloneDX VEX
	PubCSAF  = "csaf" // a security advisory
	PubLabel = "label"
)

// Publication is something a vendor organization published for a product.
type Publication = store.VulnPublication

// PublishInput is one publication to store.
type PublishInput struct {
	Kind, Product, Version, Note string
	LabelLevel                   int
	Source                       string
	Data                         []byte // the document; none for a label
}

// Publish stores a publication of vendor, v's organization. SBOMs are checked to read; VEX and
// CSAF documents also enter the engine as advisory documents (source
// "publication:<id>"), so that their statements suppress or raise findings
// at once. A JC-STAR label is a self-declared level 1 to 4 for a product.
//
// A vendor speaks only for its own products: a VEX or CSAF document with a
// statement about a product the vendor is not registered as the supplier
// of (the product–supplier register) is refused with a *NotSupplierError,
// and the statements and advisories that enter the engine carry the
// vendor's organization as author, whatever the document says. A VEX
// publication is OpenVEX, CSAF or CycloneDX VEX; a CSAF publication CSAF.
func (s *Service) Publish(ctx context.Context, v policy.Viewer, vendor store.Org, in PublishInput) (Publication, Outcome, error) {
	defer s.op()()
	if err := mayWrite(v, vendor.ID); err != nil {
		return Publication{}, Outcome{}, err
	}
	if vendor.Kind != "vendor" {
		return Publication{}, Outcome{}, problem.Newf(problem.ErrForbidden, "org: %s is a %s organization; only vendors publish for their products", vendor.Name, vendor.Kind)
	}
	in.Product, in.Version = strings.TrimSpace(in.Product), strings.TrimSpace(in.Version)
	if in.Product == "" {
		return Publication{}, Outcome{}, problem.Field("product", "is required")
	}
	p := Publication{OrgID: vendor.ID, Kind: in.Kind, Product: in.Product, Version: in.Version, Note: in.Note, Created: s.now()}
	var doc []byte
	switch in.Kind {
	case PubLabel:
		if in.LabelLevel < 1 || in.LabelLevel > 4 {
			return p, Outcome{}, problem.Field("label_level", "%d is not a JC-STAR level (1 to 4)", in.LabelLevel)
		}
		p.LabelLevel, p.Format = in.LabelLevel, "JC-STAR"
	case PubSBOM:
		d, err := sbom.Parse(in.Data, in.Source)
		if err != nil {
			return p, Outcome{}, problem.Field("document", "%s", err.Error())
		}
		p.Format, doc = d.Describe(), gz(in.Data)
	case PubVEX, PubCSAF:
		if len(in.Data) == 0 {
			return p, Outcome{}, problem.Field("document", "is required")
		}
		set, err := advisory.Parse(in.Data, in.Source)
		if err != nil {
			return p, Outcome{}, problem.Field("document", "%s", err.Error())
		}
		if !publishable(in.Kind, set.Format) {
			return p, Outcome{}, problem.Field("document", "a %s publication cannot be %s (VEX: OpenVEX, CSAF or CycloneDX VEX; CSAF: CSAF 2.0)", in.Kind, set.Format)
		}
		reg, err := s.loadRegister(ctx)
		if err != nil {
			return p, Outcome{}, err
		}
		if err := checkOwnProducts(set, publisher{vendor.ID, vendor.Name}, reg); err != nil {
			return p, Outcome{}, err
		}
		doc = gz(in.Data)
	default:
		return p, Outcome{}, problem.Field("kind", "%q is not one of sbom, vex, csaf, label", in.Kind)
	}
	if err := s.DB.AddVulnPublication(ctx, &p, doc); err != nil {
		return p, Outcome{}, err
	}
	if in.Kind != PubVEX && in.Kind != PubCSAF {
		return p, Outcome{}, nil
	}
	res, err := s.ImportDocuments(ctx, []Input{{Source: publicationPrefix + strconv.FormatInt(p.ID, 10), Data: in.Data}})
	if err == nil && len(res.Documents) == 1 && res.Documents[0].Error != "" {
		if derr := s.wrote(s.DB.DeleteVulnPublication(context.WithoutCancel(ctx), p.ID)); derr != nil {
			s.Log.Warn("remove a publication whose document was refused", "publication", p.ID, "err", derr)
		}
		return p, res.Outcome, problem.Field("document", "%s", res.Documents[0].Error)
	}
	if len(res.Documents) == 1 {
		p.Format = res.Documents[0].Format
		if ferr := s.DB.SetVulnPublicationFormat(ctx, p.ID, p.Format); ferr != nil {
			s.Log.Warn("record the format of a publication", "publication", p.ID, "err", ferr)
		}
	}
	return p, res.Outcome, err
}

// publishable reports whether a document of format may be published as kind.
func publishable(kind string, f advisory.Format) bool {
	switch f {
	case advisory.FormatCSAF:
		return true
	case advisory.FormatOpenVEX, advisory.FormatCycloneDXVEX:
		return kind == PubVEX
	}
	return false
}

// Publications lists publications for v: of one vendor, or of all when org
// is "" (what members browse: vendors publish to every member who takes
// part in vulnerability relevance).
func (s *Service) Publications(ctx context.Context, v policy.Viewer, org string) ([]Publication, error) {
	if !policy.MayReadAssets(v) {
		return nil, fmt.Errorf("%w: vulnerability relevance is for members, vendors and the center", problem.ErrForbidden)
	}
	return s.DB.VulnPublications(ctx, org)
}
