package relevance

// The product–supplier register: which organization is the supplier of which
// product. A vendor speaks only for its own products: the VEX and CSAF
// statements it publishes apply only to products it is registered as the
// supplier of, and the author they carry is always the publishing
// organization. The center maintains the register; each change is logged
// before it takes effect.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/vuln"
	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/product"
)

// Supplier is one entry of the register: an organization is the supplier of
// a product named by a CPE vendor:product key, a package-URL key, or both.
type Supplier = store.VulnSupplier

// SupplierInput is an entry to register. CPE is a CPE 2.3 or 2.2 name, or
// "vendor:product"; PURL a package URL (its version is ignored). One of
// them is required.
type SupplierInput struct {
	Org, Name, CPE, PURL string
}

// SupplierProblemCodes are the codes of the problem.Problems a register entry
// may be refused with.
var SupplierProblemCodes = []string{"org.unknown", "product.required", "product.taken", "cpe.invalid", "purl.invalid"}

func supplierProblem(field, code, value, format string, args ...any) error {
	return problem.Problems{{Field: field, Code: code, Value: value, Msg: fmt.Sprintf(format, args...)}}
}

// NotSupplierError refuses a publication that speaks about products its
// publisher is not registered as the supplier of.
type NotSupplierError struct {
	Publisher string
	Products  []string // the keys, at most ten
	More      int
}

func (e *NotSupplierError) Error() string {
	s := fmt.Sprintf("%s is not registered as the supplier of %s", e.Publisher, strings.Join(e.Products, ", "))
	if e.More > 0 {
		s += fmt.Sprintf(" and %d more", e.More)
	}
	return s + "; a vendor publishes VEX and CSAF only for its own products (the center keeps the product–supplier register)"
}

// Is makes the refusal a problem.ErrForbidden.
func (e *NotSupplierError) Is(target error) bool { return target == problem.ErrForbidden }

// Title names the refusal for API clients.
func (e *NotSupplierError) Title() string { return "not the supplier" }

// supplierKeys parses an input's identifiers into register keys.
func supplierKeys(in SupplierInput) (cpe, purl pkgid.Key, err error) {
	if c := strings.TrimSpace(in.CPE); c != "" {
		if strings.HasPrefix(c, "cpe:") {
			p, perr := pkgid.ParseCPE(c)
			if perr != nil {
				return "", "", supplierProblem("cpe", "cpe.invalid", c, "cpe: %v", perr)
			}
			cpe = p.Key
		} else if v, p, ok := strings.Cut(c, ":"); ok {
			cpe = pkgid.VendorProduct(v, p)
		}
		if cpe == "" {
			return "", "", supplierProblem("cpe", "cpe.invalid", c, "cpe: %q names no vendor and product (cpe:2.3:a:vendor:product:… or vendor:product)", c)
		}
	}
	if p := strings.TrimSpace(in.PURL); p != "" {
		pkg, perr := pkgid.ParsePURL(p)
		if perr != nil {
			return "", "", supplierProblem("purl", "purl.invalid", p, "purl: %v", perr)
		}
		purl = pkg.Key
	}
	if cpe == "" && purl == "" {
		return "", "", supplierProblem("product", "product.required", "", "product: a CPE (vendor:product) or a package URL is required")
	}
	return cpe, purl, nil
}

// AddSupplier registers an organization as the supplier of a product, for
// v (who must maintain the register, policy.MaintainsSupplierRegister),
// logged as c before it takes effect. A key already registered to any
// organization is refused: a product has one supplier.
func (s *Service) AddSupplier(ctx context.Context, c auth.Caller, v policy.Viewer, in SupplierInput) (Supplier, error) {
	defer s.op()()
	if !policy.MaintainsSupplierRegister(v) {
		return Supplier{}, fmt.Errorf("%w: only the center's administrators and analysts maintain the product–supplier register", problem.ErrForbidden)
	}
	org, err := s.DB.Org(ctx, strings.TrimSpace(in.Org))
	if err != nil {
		return Supplier{}, supplierProblem("org", "org.unknown", in.Org, "org: no organization %q", in.Org)
	}
	cpe, purl, err := supplierKeys(in)
	if err != nil {
		return Supplier{}, err
	}
	sp := Supplier{PublicID: store.NewPublicID(), OrgID: org.ID, OrgName: org.Name, Name: strings.TrimSpace(in.Name), CPEKey: string(cpe), PURLKey: string(purl), CreatedBy: c.User.Login, Created: s.now()}
	if sp.Name == "" {
		sp.Name = strings.TrimPrefix(strings.TrimPrefix(string(cpe+purl), "cpe:"), "purl:")
	}
	for _, k := range []pkgid.Key{cpe, purl} {
		if k == "" {
			continue
		}
		if other, err := s.SupplierOf(ctx, k); err == nil {
			return sp, supplierProblem("product", "product.taken", string(k), "product: %s is registered already, to %s (entry %s); remove that entry first", k, other.OrgName, other.PublicID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return sp, err
		}
	}
	if s.Record == nil {
		return sp, problem.ErrAuditUnavailable
	}
	if _, err := s.Record(ctx, c, audit.ActionSupplierRegister, "supplier:"+org.ID, map[string]string{"entry": sp.PublicID, "org": org.Name, "cpe_key": sp.CPEKey, "purl_key": sp.PURLKey, "name": sp.Name}); err != nil {
		return sp, err
	}
	if err := s.wrote(s.DB.AddVulnSupplier(ctx, &sp)); err != nil {
		return sp, err
	}
	s.registerChanged(ctx)
	return sp, nil
}

// RemoveSupplier removes the entry of public id id of the register, for v,
// logged as c before it takes effect. The publications of the former
// supplier no longer apply to the product from then on.
func (s *Service) RemoveSupplier(ctx context.Context, c auth.Caller, v policy.Viewer, id string) error {
	defer s.op()()
	if !policy.MaintainsSupplierRegister(v) {
		return fmt.Errorf("%w: only the center's administrators and analysts maintain the product–supplier register", problem.ErrForbidden)
	}
	sp, err := s.DB.VulnSupplier(ctx, id)
	if err != nil {
		return err
	}
	if s.Record == nil {
		return problem.ErrAuditUnavailable
	}
	if _, err := s.Record(ctx, c, audit.ActionSupplierRemove, "supplier:"+sp.OrgID, map[string]string{"entry": id, "org": sp.OrgName, "cpe_key": sp.CPEKey, "purl_key": sp.PURLKey}); err != nil {
		return err
	}
	if err := s.wrote(s.DB.DeleteVulnSupplier(ctx, sp.ID)); err != nil {
		return err
	}
	s.registerChanged(ctx)
	return nil
}

// registerChanged rebuilds a loaded engine from the store: statements
// already loaded were kept or dropped under the register as it was. The
// engine is swapped whole, so that a concurrent user never finds none.
func (s *Service) registerChanged(ctx context.Context) {
	s.mu.Lock()
	loaded := s.eng != nil
	s.mu.Unlock()
	if !loaded {
		return
	}
	c, err := s.counter(ctx)
	if err == nil {
		var eng *vuln.Engine
		var seen map[string]bool
		if eng, seen, err = s.build(ctx); err == nil {
			s.mu.Lock()
			s.eng, s.seenAdv = eng, seen
			s.expect.Store(c)
			s.gen++
			s.mu.Unlock()
			return
		}
	}
	s.Log.Warn("rebuild vulnerability relevance after a register change; other nodes' Refresh will", "err", err)
}

// SupplierOf returns the entry that names key, or store.ErrNotFound.
func (s *Service) SupplierOf(ctx context.Context, key pkgid.Key) (Supplier, error) {
	return s.DB.VulnSupplierOf(ctx, string(key))
}

// Suppliers lists the register for v: of one organization, or all when org
// is "".
func (s *Service) Suppliers(ctx context.Context, v policy.Viewer, org string) ([]Supplier, error) {
	if !policy.ReadsSupplierRegister(v) {
		return nil, fmt.Errorf("%w: the product–supplier register is for members, vendors and the center", problem.ErrForbidden)
	}
	return s.DB.VulnSuppliers(ctx, org)
}

// register is the product–supplier register as the engine needs it: the
// supplier organization of each key.
type register map[pkgid.Key]string

func (s *Service) loadRegister(ctx context.Context) (register, error) {
	sps, err := s.DB.VulnSuppliers(ctx, "")
	if err != nil {
		return nil, err
	}
	reg := register{}
	for _, sp := range sps {
		for _, k := range []string{sp.CPEKey, sp.PURLKey} {
			if k != "" {
				reg[pkgid.Key(k)] = sp.OrgID
			}
		}
	}
	// A product's other names in the catalogue (its CPE names, the key of
	// its current name) are the same product: the supplier of
	// cpe:ivanti:connect_secure speaks for cpe:pulsesecure:pulse_connect_secure.
	// A key registered itself keeps its own entry.
	for _, sp := range sps {
		if sp.CPEKey == "" {
			continue
		}
		for _, k := range product.Default().Equivalent(pkgid.Key(sp.CPEKey)) {
			if _, ok := reg[k]; !ok {
				reg[k] = sp.OrgID
			}
		}
	}
	return reg, nil
}

// publisher is the organization that published a document, for the
// documents whose source is "publication:<id>".
type publisher struct{ org, name string }

// publicationPrefix starts the source of a vendor's published document.
const publicationPrefix = "publication:"

func (s *Service) publishers(ctx context.Context) (map[string]publisher, error) {
	ps, err := s.DB.VulnPublishers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]publisher, len(ps))
	for id, p := range ps {
		out[publicationPrefix+strconv.FormatInt(id, 10)] = publisher{p.OrgID, p.OrgName}
	}
	return out, nil
}

// bind makes a vendor's published set say only what its publisher may:
// statements about products the publisher is not the registered supplier
// of are dropped (they never suppress anything), as are affected entries of
// advisories about such products; every statement and advisory carries the
// publisher as author, and statements are marked as the supplier's. A
// publication holds no KEV entries or EPSS scores. It returns the keys that
// were dropped, sorted.
func bind(set *advisory.Set, p publisher, reg register) []string {
	foreign := map[string]bool{}
	owns := func(k pkgid.Key) bool {
		if reg[k] == p.org {
			return true
		}
		foreign[string(k)] = true
		return false
	}
	sts := set.Statements[:0]
	for _, st := range set.Statements {
		if !owns(st.Product) {
			continue
		}
		st.Author, st.Supplier = p.name, true
		sts = append(sts, st)
	}
	set.Statements = sts
	advs := set.Advisories[:0]
	for _, a := range set.Advisories {
		af := make([]advisory.Affected, 0, len(a.Affected))
		for _, x := range a.Affected {
			if owns(x.Key) {
				af = append(af, x)
			}
		}
		if len(af) == 0 {
			continue
		}
		a.Affected, a.Source = af, p.name
		advs = append(advs, a)
	}
	set.Advisories, set.KEV, set.EPSS = advs, nil, nil
	out := make([]string, 0, len(foreign))
	for k := range foreign {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// bindLoaded applies bind to the published documents among sets.
func bindLoaded(sets []*advisory.Set, pubs map[string]publisher, reg register) {
	for _, set := range sets {
		if !strings.HasPrefix(set.Source, publicationPrefix) {
			continue
		}
		p, ok := pubs[set.Source]
		if !ok {
			p = publisher{org: "\x00none"} // a publication gone: it speaks for nothing
		}
		bind(set, p, reg)
	}
}

// checkOwnProducts refuses a document a vendor is about to publish when
// any of its statements is about a product the vendor is not the
// registered supplier of (components inside its own product, CSAF
// relationships and OpenVEX subcomponents, are its own to speak about).
func checkOwnProducts(set *advisory.Set, p publisher, reg register) error {
	var foreign []string
	for _, st := range set.Statements {
		if reg[st.Product] != p.org && !slices.Contains(foreign, string(st.Product)) {
			foreign = append(foreign, string(st.Product))
		}
	}
	if len(foreign) == 0 {
		return nil
	}
	sort.Strings(foreign)
	e := &NotSupplierError{Publisher: p.name, Products: foreign}
	if len(foreign) > 10 {
		e.Products, e.More = foreign[:10], len(foreign)-10
	}
	return e
}

// bindPublished applies bind to one document a vendor published (source
// "publication:<id>"), under the register as it is now.
func (s *Service) bindPublished(ctx context.Context, set *advisory.Set) error {
	id, _ := strconv.ParseInt(strings.TrimPrefix(set.Source, publicationPrefix), 10, 64)
	pub, err := s.DB.VulnPublisherOf(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: %w", set.Source, err)
	}
	p := publisher{pub.OrgID, pub.OrgName}
	reg, err := s.loadRegister(ctx)
	if err != nil {
		return err
	}
	bind(set, p, reg)
	return nil
}
