package store

// The tables of vulnerability relevance (package relevance): members'
// connection points and registered SBOMs, advisory documents and the feeds
// that bring them, vendors' publications, the product–supplier register,
// and the claims that make each alert go out once. Listings people see are
// filtered in the query by the condition policy gives (policy.AssetFilter);
// the reads by organization (…Of) are for the engine, which holds every
// organization's assets, and for the operator's CLI.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
)

// ConnectionPoint is one internet-facing device or service of a member
// (外部ネットワーク接続点), as stored in vuln_connection_points.
type ConnectionPoint struct {
	ID int64 // the row id: a sequence over every organization's connection points, never shown outside the hub
	// PublicID is the connection point's id outside the hub (API, console
	// forms and routes, CLI, audit entries, the engine's asset id that
	// findings and alerts carry): 128 random bits in hex (NewPublicID).
	PublicID      string
	OrgID         string
	Kind          string
	Vendor        string
	Product       string
	Version       string
	PURL          string
	CPE           string
	Address       string
	Owner         string
	LastConfirmed time.Time
	Created       time.Time
	Updated       time.Time
}

const cpCols = "c.id, c.public_id, c.org_id, c.kind, c.vendor, c.product, c.version, c.purl, c.cpe, c.address, c.owner, c.last_confirmed, c.created_at, c.updated_at"

func scanConnectionPoint(row interface{ Scan(...any) error }) (ConnectionPoint, error) {
	var c ConnectionPoint
	var lc, cr, up int64
	err := row.Scan(&c.ID, &c.PublicID, &c.OrgID, &c.Kind, &c.Vendor, &c.Product, &c.Version, &c.PURL, &c.CPE, &c.Address, &c.Owner, &lc, &cr, &up)
	c.LastConfirmed, c.Created, c.Updated = FromMicros(lc), FromMicros(cr), FromMicros(up)
	return c, err
}

func insertConnectionPoint(ctx context.Context, x interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, c *ConnectionPoint) error {
	if c.PublicID == "" {
		c.PublicID = NewPublicID()
	}
	err := x.QueryRow(ctx, "INSERT INTO vuln_connection_points(public_id, org_id, kind, vendor, product, version, purl, cpe, address, owner, last_confirmed, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		c.PublicID, c.OrgID, c.Kind, c.Vendor, c.Product, c.Version, c.PURL, c.CPE, c.Address, c.Owner, Micros(c.LastConfirmed), Micros(c.Created), Micros(c.Updated)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("store connection point %s %s: %w", c.Vendor, c.Product, err)
	}
	return nil
}

// AddConnectionPoints stores connection points in one transaction, all or
// none, setting their row ids and the public ids not set.
func (db *DB) AddConnectionPoints(ctx context.Context, cs []ConnectionPoint) error {
	return db.inTxChanged(ctx, ChangeVuln, func(tx *Tx) error {
		for i := range cs {
			if err := insertConnectionPoint(ctx, tx, &cs[i]); err != nil {
				if len(cs) == 1 {
					return err
				}
				return fmt.Errorf("connection point %d: %w", i+1, err)
			}
		}
		return nil
	})
}

// ConnectionPoints lists the connection points v may read, by id: the
// access condition (policy.AssetFilter) is part of the query.
func (db *DB) ConnectionPoints(ctx context.Context, v policy.Viewer) ([]ConnectionPoint, error) {
	cond, args := policy.AssetFilter(v, "c.org_id")
	return db.connectionPoints(ctx, cond, args...)
}

func (db *DB) connectionPoints(ctx context.Context, cond string, args ...any) ([]ConnectionPoint, error) {
	return queryAll(ctx, db, "list connection points", scanConnectionPoint, "SELECT "+cpCols+" FROM vuln_connection_points c WHERE "+cond+" ORDER BY c.id", args...)
}

// ConnectionPointsOf lists the connection points of one organization, or of
// every organization when org is "", by id: what the engine loads and the
// operator's CLI lists.
func (db *DB) ConnectionPointsOf(ctx context.Context, org string) ([]ConnectionPoint, error) {
	if org == "" {
		return db.connectionPoints(ctx, "1 = 1")
	}
	return db.connectionPoints(ctx, "c.org_id = ?", org)
}

// ConnectionPoint returns the connection point of public id id, of
// whatever organization; anything that is not a public id (a row id) is not
// found.
func (db *DB) ConnectionPoint(ctx context.Context, id string) (ConnectionPoint, error) {
	if !ValidPublicID(id) {
		return ConnectionPoint{}, fmt.Errorf("connection point %q: %w", id, ErrNotFound)
	}
	c, err := scanConnectionPoint(db.QueryRow(ctx, "SELECT "+cpCols+" FROM vuln_connection_points c WHERE c.public_id = ?", id))
	if err != nil {
		return c, fmt.Errorf("connection point %s: %w", id, vulnNoRows(err))
	}
	return c, nil
}

// UpdateConnectionPoint replaces the fields of connection point c.ID of
// c.OrgID (all but its creation time).
func (db *DB) UpdateConnectionPoint(ctx context.Context, c ConnectionPoint) error {
	return db.inTxChanged(ctx, ChangeVuln, func(tx *Tx) error {
		res, err := tx.Exec(ctx, "UPDATE vuln_connection_points SET kind = ?, vendor = ?, product = ?, version = ?, purl = ?, cpe = ?, address = ?, owner = ?, last_confirmed = ?, updated_at = ? WHERE id = ? AND org_id = ?",
			c.Kind, c.Vendor, c.Product, c.Version, c.PURL, c.CPE, c.Address, c.Owner, Micros(c.LastConfirmed), Micros(c.Updated), c.ID, c.OrgID)
		if err != nil {
			return fmt.Errorf("update connection point %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("connection point %d: %w", c.ID, ErrNotFound)
		}
		return nil
	})
}

// DeleteConnectionPoint takes the connection point of public id id of org
// off the register.
func (db *DB) DeleteConnectionPoint(ctx context.Context, org, id string) error {
	return deleteVulnRow(ctx, db, ChangeVuln, "connection point", id, "DELETE FROM vuln_connection_points WHERE public_id = ? AND org_id = ?", id, org)
}

// SBOM is a registered SBOM of a product a member runs (vuln_sboms),
// without the document and its components.
type SBOM struct {
	ID int64 `json:"-"` // the row id: a sequence over every organization's SBOMs, never shown outside the hub
	// PublicID is the SBOM's id outside the hub, as ConnectionPoint.PublicID.
	PublicID   string    `json:"id"`
	OrgID      string    `json:"org"`
	Name       string    `json:"name"`
	Format     string    `json:"format"`
	Serial     string    `json:"serial,omitempty"`
	Components int64     `json:"components"`
	Created    time.Time `json:"created"`
}

// AddSBOM stores an SBOM, its document (compressed) and the engine's
// targets made from it, in one transaction: targets is called with the new
// id, since the targets name it, and returns them encoded with how many
// there are. b's public id is set when it has none.
func (db *DB) AddSBOM(ctx context.Context, b *SBOM, document []byte, targets func(publicID string) (blob []byte, n int, err error)) error {
	if b.PublicID == "" {
		b.PublicID = NewPublicID()
	}
	return db.inTxChanged(ctx, ChangeVuln, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO vuln_sboms(public_id, org_id, name, format, serial, components, document, targets, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			b.PublicID, b.OrgID, b.Name, b.Format, b.Serial, b.Components, document, []byte{}, Micros(b.Created)).Scan(&b.ID); err != nil {
			return fmt.Errorf("store SBOM %s: %w", b.Name, err)
		}
		blob, n, err := targets(b.PublicID)
		if err != nil {
			return err
		}
		b.Components = int64(n)
		if _, err := tx.Exec(ctx, "UPDATE vuln_sboms SET targets = ?, components = ? WHERE id = ?", blob, n, b.ID); err != nil {
			return fmt.Errorf("store SBOM %s: components: %w", b.Name, err)
		}
		return nil
	})
}

// SBOMs lists the registered SBOMs v may read, by id: the access
// condition (policy.AssetFilter) is part of the query.
func (db *DB) SBOMs(ctx context.Context, v policy.Viewer) ([]SBOM, error) {
	cond, args := policy.AssetFilter(v, "b.org_id")
	return db.sboms(ctx, cond, args...)
}

// SBOMsOf lists the registered SBOMs of one organization, or of every
// organization when org is "", by id: for the operator's CLI.
func (db *DB) SBOMsOf(ctx context.Context, org string) ([]SBOM, error) {
	if org == "" {
		return db.sboms(ctx, "1 = 1")
	}
	return db.sboms(ctx, "b.org_id = ?", org)
}

func (db *DB) sboms(ctx context.Context, cond string, args ...any) ([]SBOM, error) {
	rows, err := db.Query(ctx, "SELECT b.id, b.public_id, b.org_id, b.name, b.format, b.serial, b.components, b.created_at FROM vuln_sboms b WHERE "+cond+" ORDER BY b.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list SBOMs: %w", err)
	}
	defer rows.Close()
	var out []SBOM
	for rows.Next() {
		var b SBOM
		var c int64
		if err := rows.Scan(&b.ID, &b.PublicID, &b.OrgID, &b.Name, &b.Format, &b.Serial, &b.Components, &c); err != nil {
			return nil, fmt.Errorf("list SBOMs: %w", err)
		}
		b.Created = FromMicros(c)
		out = append(out, b)
	}
	return out, rows.Err()
}

// SBOMName returns the name of the registered SBOM of public id id of org.
func (db *DB) SBOMName(ctx context.Context, org, id string) (string, error) {
	var name string
	if err := db.QueryRow(ctx, "SELECT name FROM vuln_sboms WHERE public_id = ? AND org_id = ?", id, org).Scan(&name); err != nil {
		return "", fmt.Errorf("SBOM %s: %w", id, vulnNoRows(err))
	}
	return name, nil
}

// SBOMTargets calls fn with every registered SBOM's public id, organization
// and encoded targets, by row id, for loading the engine.
func (db *DB) SBOMTargets(ctx context.Context, fn func(id, org string, blob []byte)) error {
	rows, err := db.Query(ctx, "SELECT public_id, org_id, targets FROM vuln_sboms ORDER BY id")
	if err != nil {
		return fmt.Errorf("load registered SBOMs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, org string
		var blob []byte
		if err := rows.Scan(&id, &org, &blob); err != nil {
			return fmt.Errorf("load registered SBOMs: %w", err)
		}
		fn(id, org, blob)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load registered SBOMs: %w", err)
	}
	return nil
}

// DeleteSBOM removes the registered SBOM of public id id of org.
func (db *DB) DeleteSBOM(ctx context.Context, org, id string) error {
	return deleteVulnRow(ctx, db, ChangeVuln, "SBOM", id, "DELETE FROM vuln_sboms WHERE public_id = ? AND org_id = ?", id, org)
}

// VulnDocument is one advisory document as stored (vuln_documents), without
// its bytes.
type VulnDocument struct {
	ID      int64     `json:"id"`
	Source  string    `json:"source"`
	Format  string    `json:"format"`
	Records int64     `json:"records"`
	Created time.Time `json:"created"`
}

// VulnDocumentHash returns the SHA-256 (hex) of the document stored from
// source, "" when there is none.
func (db *DB) VulnDocumentHash(ctx context.Context, source string) (string, error) {
	var h string
	err := db.QueryRow(ctx, "SELECT sha256 FROM vuln_documents WHERE source = ?", source).Scan(&h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("advisory document %s: %w", source, err)
	}
	return h, nil
}

// PutVulnDocument stores the document of d.Source (compressed), replacing
// the one stored from the same source.
func (db *DB) PutVulnDocument(ctx context.Context, d VulnDocument, sha256 string, document []byte) error {
	return db.inTxChanged(ctx, ChangeVuln, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO vuln_documents(source, format, sha256, records, document, created_at) VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(source) DO UPDATE SET format = excluded.format, sha256 = excluded.sha256, records = excluded.records, document = excluded.document, created_at = excluded.created_at`,
			d.Source, d.Format, sha256, d.Records, document, Micros(d.Created))
		if err != nil {
			return fmt.Errorf("store %s: %w", d.Source, err)
		}
		return nil
	})
}

// VulnDocuments lists the stored advisory documents, by id.
func (db *DB) VulnDocuments(ctx context.Context) ([]VulnDocument, error) {
	rows, err := db.Query(ctx, "SELECT id, source, format, records, created_at FROM vuln_documents ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list advisory documents: %w", err)
	}
	defer rows.Close()
	var out []VulnDocument
	for rows.Next() {
		var d VulnDocument
		var c int64
		if err := rows.Scan(&d.ID, &d.Source, &d.Format, &d.Records, &c); err != nil {
			return nil, fmt.Errorf("list advisory documents: %w", err)
		}
		d.Created = FromMicros(c)
		out = append(out, d)
	}
	return out, rows.Err()
}

// VulnDocumentBytes calls fn with the source and stored bytes of every
// advisory document, by id, for loading the engine.
func (db *DB) VulnDocumentBytes(ctx context.Context, fn func(source string, document []byte)) error {
	rows, err := db.Query(ctx, "SELECT source, document FROM vuln_documents ORDER BY id")
	if err != nil {
		return fmt.Errorf("load advisory documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		var blob []byte
		if err := rows.Scan(&src, &blob); err != nil {
			return fmt.Errorf("load advisory documents: %w", err)
		}
		fn(src, blob)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load advisory documents: %w", err)
	}
	return nil
}

// VulnFeed is an advisory source fetched on a schedule (vuln_feeds).
type VulnFeed struct {
	ID           int64         `json:"id"`
	URL          string        `json:"url"`
	Format       string        `json:"format,omitempty"` // expected format; "" accepts any
	Interval     time.Duration `json:"interval"`
	ETag         string        `json:"etag,omitempty"`
	LastModified string        `json:"last_modified,omitempty"`
	LastFetch    time.Time     `json:"last_fetch,omitzero"`
	LastSuccess  time.Time     `json:"last_success,omitzero"`
	LastError    string        `json:"last_error,omitempty"`
	Records      int64         `json:"records"`
	Created      time.Time     `json:"created"`
}

// AddVulnFeed stores a feed, setting its id.
func (db *DB) AddVulnFeed(ctx context.Context, f *VulnFeed) error {
	err := db.QueryRow(ctx, "INSERT INTO vuln_feeds(url, format, interval_s, created_at) VALUES(?, ?, ?, ?) RETURNING id",
		f.URL, f.Format, int64(f.Interval/time.Second), Micros(f.Created)).Scan(&f.ID)
	if err != nil {
		return fmt.Errorf("add feed %s: %w", f.URL, err)
	}
	return nil
}

// VulnFeeds lists the configured feeds, by id.
func (db *DB) VulnFeeds(ctx context.Context) ([]VulnFeed, error) {
	rows, err := db.Query(ctx, "SELECT id, url, format, interval_s, etag, last_modified, last_fetch, last_success, last_error, records, created_at FROM vuln_feeds ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	var out []VulnFeed
	for rows.Next() {
		var f VulnFeed
		var iv, lf, ls, c int64
		if err := rows.Scan(&f.ID, &f.URL, &f.Format, &iv, &f.ETag, &f.LastModified, &lf, &ls, &f.LastError, &f.Records, &c); err != nil {
			return nil, fmt.Errorf("list feeds: %w", err)
		}
		f.Interval, f.LastFetch, f.LastSuccess, f.Created = time.Duration(iv)*time.Second, FromMicros(lf), FromMicros(ls), FromMicros(c)
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteVulnFeed removes feed id; the documents it brought stay.
func (db *DB) DeleteVulnFeed(ctx context.Context, id int64) error {
	return deleteVulnRow(ctx, db, "", "feed", id, "DELETE FROM vuln_feeds WHERE id = ?", id)
}

// VulnFeedFailed records a fetch of feed id at that failed with msg.
func (db *DB) VulnFeedFailed(ctx context.Context, id int64, at time.Time, msg string) error {
	if _, err := db.Exec(ctx, "UPDATE vuln_feeds SET last_fetch = ?, last_error = ? WHERE id = ?", Micros(at), msg, id); err != nil {
		return fmt.Errorf("record the failed fetch of feed %d: %w", id, err)
	}
	return nil
}

// VulnFeedFetched records a successful fetch of feed id at, with the
// validators the server answered and the records the feed now holds.
func (db *DB) VulnFeedFetched(ctx context.Context, id int64, at time.Time, etag, lastModified string, records int64) error {
	_, err := db.Exec(ctx, "UPDATE vuln_feeds SET last_fetch = ?, last_success = ?, last_error = '', etag = ?, last_modified = ?, records = ? WHERE id = ?",
		Micros(at), Micros(at), etag, lastModified, records, id)
	if err != nil {
		return fmt.Errorf("record the fetch of feed %d: %w", id, err)
	}
	return nil
}

// VulnPublication is something a vendor organization published for a
// product (vuln_publications), without its document.
type VulnPublication struct {
	ID         int64     `json:"id"`
	OrgID      string    `json:"org"`
	Kind       string    `json:"kind"`
	Product    string    `json:"product"`
	Version    string    `json:"version,omitempty"`
	LabelLevel int       `json:"label_level,omitempty"` // JC-STAR ★1-★4
	Format     string    `json:"format,omitempty"`
	Note       string    `json:"note,omitempty"`
	Created    time.Time `json:"created"`
}

// AddVulnPublication stores a publication and its document, setting its id.
func (db *DB) AddVulnPublication(ctx context.Context, p *VulnPublication, document []byte) error {
	err := db.QueryRow(ctx, "INSERT INTO vuln_publications(org_id, kind, product, version, label_level, format, document, note, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		p.OrgID, p.Kind, p.Product, p.Version, p.LabelLevel, p.Format, document, p.Note, Micros(p.Created)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("store publication: %w", err)
	}
	return nil
}

// SetVulnPublicationFormat records the format a publication's document was
// read as.
func (db *DB) SetVulnPublicationFormat(ctx context.Context, id int64, format string) error {
	if _, err := db.Exec(ctx, "UPDATE vuln_publications SET format = ? WHERE id = ?", format, id); err != nil {
		return fmt.Errorf("publication %d: format: %w", id, err)
	}
	return nil
}

// DeleteVulnPublication removes publication id.
func (db *DB) DeleteVulnPublication(ctx context.Context, id int64) error {
	return deleteVulnRow(ctx, db, ChangeVuln, "publication", id, "DELETE FROM vuln_publications WHERE id = ?", id)
}

// VulnPublications lists publications, newest first: of one vendor, or of
// every vendor when org is "" (vendors publish to every member).
func (db *DB) VulnPublications(ctx context.Context, org string) ([]VulnPublication, error) {
	q, args := "SELECT id, org_id, kind, product, version, label_level, format, note, created_at FROM vuln_publications", []any{}
	if org != "" {
		q += " WHERE org_id = ?"
		args = append(args, org)
	}
	rows, err := db.Query(ctx, q+" ORDER BY id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("list publications: %w", err)
	}
	defer rows.Close()
	var out []VulnPublication
	for rows.Next() {
		var p VulnPublication
		var c int64
		if err := rows.Scan(&p.ID, &p.OrgID, &p.Kind, &p.Product, &p.Version, &p.LabelLevel, &p.Format, &p.Note, &c); err != nil {
			return nil, fmt.Errorf("list publications: %w", err)
		}
		p.Created = FromMicros(c)
		out = append(out, p)
	}
	return out, rows.Err()
}

// VulnPublisher is the organization that published a publication.
type VulnPublisher struct{ OrgID, OrgName string }

// VulnPublisherOf returns who published publication id.
func (db *DB) VulnPublisherOf(ctx context.Context, id int64) (VulnPublisher, error) {
	var p VulnPublisher
	err := db.QueryRow(ctx, "SELECT p.org_id, o.name FROM vuln_publications p JOIN orgs o ON o.id = p.org_id WHERE p.id = ?", id).Scan(&p.OrgID, &p.OrgName)
	if err != nil {
		return p, fmt.Errorf("publisher of publication %d: %w", id, vulnNoRows(err))
	}
	return p, nil
}

// VulnPublishers returns who published each publication, by id.
func (db *DB) VulnPublishers(ctx context.Context) (map[int64]VulnPublisher, error) {
	rows, err := db.Query(ctx, "SELECT p.id, p.org_id, o.name FROM vuln_publications p JOIN orgs o ON o.id = p.org_id")
	if err != nil {
		return nil, fmt.Errorf("publishers: %w", err)
	}
	defer rows.Close()
	out := map[int64]VulnPublisher{}
	for rows.Next() {
		var id int64
		var p VulnPublisher
		if err := rows.Scan(&id, &p.OrgID, &p.OrgName); err != nil {
			return nil, fmt.Errorf("publishers: %w", err)
		}
		out[id] = p
	}
	return out, rows.Err()
}

// VulnSupplier is one entry of the product–supplier register
// (vuln_suppliers): an organization is the supplier of a product named by a
// CPE vendor:product key, a package-URL key, or both.
type VulnSupplier struct {
	ID int64 `json:"-"` // the row id, never shown outside the hub
	// PublicID is the entry's id outside the hub, as ConnectionPoint.PublicID.
	PublicID  string    `json:"id"`
	OrgID     string    `json:"org"`
	OrgName   string    `json:"org_name,omitempty"`
	Name      string    `json:"name,omitempty"`
	CPEKey    string    `json:"cpe_key,omitempty"`  // cpe:<vendor>:<product>
	PURLKey   string    `json:"purl_key,omitempty"` // purl:<type>/<namespace>/<name>
	CreatedBy string    `json:"created_by,omitempty"`
	Created   time.Time `json:"created"`
}

const supplierCols = "s.id, s.public_id, s.org_id, o.name, s.name, s.cpe_key, s.purl_key, s.created_by, s.created_at FROM vuln_suppliers s JOIN orgs o ON o.id = s.org_id"

func scanSupplier(row interface{ Scan(...any) error }) (VulnSupplier, error) {
	var sp VulnSupplier
	var c int64
	err := row.Scan(&sp.ID, &sp.PublicID, &sp.OrgID, &sp.OrgName, &sp.Name, &sp.CPEKey, &sp.PURLKey, &sp.CreatedBy, &c)
	sp.Created = FromMicros(c)
	return sp, err
}

// AddVulnSupplier stores a register entry, setting its row id, and its
// public id when it has none.
func (db *DB) AddVulnSupplier(ctx context.Context, sp *VulnSupplier) error {
	if sp.PublicID == "" {
		sp.PublicID = NewPublicID()
	}
	return db.inTxChanged(ctx, ChangeVuln, func(tx *Tx) error {
		err := tx.QueryRow(ctx, "INSERT INTO vuln_suppliers(public_id, org_id, name, cpe_key, purl_key, created_by, created_at) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id",
			sp.PublicID, sp.OrgID, sp.Name, sp.CPEKey, sp.PURLKey, sp.CreatedBy, Micros(sp.Created)).Scan(&sp.ID)
		if err != nil {
			return fmt.Errorf("register supplier %s of %s: %w", sp.OrgName, sp.Name, err)
		}
		return nil
	})
}

// DeleteVulnSupplier removes register entry id.
func (db *DB) DeleteVulnSupplier(ctx context.Context, id int64) error {
	return db.inTxChanged(ctx, ChangeVuln, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM vuln_suppliers WHERE id = ?", id); err != nil {
			return fmt.Errorf("remove supplier entry %d: %w", id, err)
		}
		return nil
	})
}

// VulnSupplier returns the register entry of public id id; anything that
// is not a public id (a row id) is not found.
func (db *DB) VulnSupplier(ctx context.Context, id string) (VulnSupplier, error) {
	if !ValidPublicID(id) {
		return VulnSupplier{}, fmt.Errorf("supplier entry %q: %w", id, ErrNotFound)
	}
	sp, err := scanSupplier(db.QueryRow(ctx, "SELECT "+supplierCols+" WHERE s.public_id = ?", id))
	if err != nil {
		return sp, fmt.Errorf("supplier entry %s: %w", id, vulnNoRows(err))
	}
	return sp, nil
}

// VulnSupplierOf returns the register entry that names key (a CPE or
// package-URL key), or ErrNotFound.
func (db *DB) VulnSupplierOf(ctx context.Context, key string) (VulnSupplier, error) {
	sp, err := scanSupplier(db.QueryRow(ctx, "SELECT "+supplierCols+" WHERE s.cpe_key = ? OR s.purl_key = ?", key, key))
	if err != nil {
		return sp, fmt.Errorf("supplier of %s: %w", key, vulnNoRows(err))
	}
	return sp, nil
}

// VulnSuppliers lists the register, by organization and product name: of
// one organization, or all when org is "".
func (db *DB) VulnSuppliers(ctx context.Context, org string) ([]VulnSupplier, error) {
	q, args := "SELECT "+supplierCols, []any{}
	if org != "" {
		q += " WHERE s.org_id = ?"
		args = append(args, org)
	}
	return queryAll(ctx, db, "list suppliers", scanSupplier, q+" ORDER BY o.name, s.name, s.id", args...)
}

// VulnClaim is one finding alerted to one organization: a row of
// vuln_alerts_sent, whose primary key makes each alert go out once however
// many hub nodes find it.
type VulnClaim struct {
	Org, Asset, Vulnerability string
	Exploited                 bool // the finding is known exploited
}

// ClaimVulnAlerts claims, in one transaction, each finding not alerted
// before (claimed), and each known-exploited finding alerted before only as
// not exploited (escalated: exploited 0 → 1, as atomic as the first claim).
// What another node claimed first is in neither.
func (db *DB) ClaimVulnAlerts(ctx context.Context, cs []VulnClaim, at time.Time) (claimed, escalated []bool, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		claimed, escalated = make([]bool, len(cs)), make([]bool, len(cs))
		for i, c := range cs {
			res, err := tx.Exec(ctx, "INSERT INTO vuln_alerts_sent(org_id, asset, vulnerability, exploited, created_at) VALUES(?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
				c.Org, c.Asset, c.Vulnerability, BoolInt(c.Exploited), Micros(at))
			if err != nil {
				return fmt.Errorf("claim alert %s %s %s: %w", c.Org, c.Asset, c.Vulnerability, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				claimed[i] = true
				continue
			}
			if !c.Exploited {
				continue
			}
			res, err = tx.Exec(ctx, "UPDATE vuln_alerts_sent SET exploited = 1 WHERE org_id = ? AND asset = ? AND vulnerability = ? AND exploited = 0",
				c.Org, c.Asset, c.Vulnerability)
			if err != nil {
				return fmt.Errorf("claim escalation %s %s %s: %w", c.Org, c.Asset, c.Vulnerability, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				escalated[i] = true
			}
		}
		return nil
	})
	return claimed, escalated, err
}

// ReleaseVulnAlert gives back a claim whose alert could not be raised, so
// that the next addition tries again: a new claim is deleted, an escalation
// is set back to not exploited.
func (db *DB) ReleaseVulnAlert(ctx context.Context, c VulnClaim, escalation bool) error {
	var err error
	if escalation {
		_, err = db.Exec(ctx, "UPDATE vuln_alerts_sent SET exploited = 0 WHERE org_id = ? AND asset = ? AND vulnerability = ?", c.Org, c.Asset, c.Vulnerability)
	} else {
		_, err = db.Exec(ctx, "DELETE FROM vuln_alerts_sent WHERE org_id = ? AND asset = ? AND vulnerability = ? AND alert_id = 0", c.Org, c.Asset, c.Vulnerability)
	}
	if err != nil {
		return fmt.Errorf("release the claim of %s %s %s: %w", c.Org, c.Asset, c.Vulnerability, err)
	}
	return nil
}

// SetVulnAlertIDs records the alert raised for each claim, in one
// transaction; an escalation's alert replaces the first alert's id.
func (db *DB) SetVulnAlertIDs(ctx context.Context, ids map[int64][]VulnClaim) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for id, cs := range ids {
			for _, c := range cs {
				if _, err := tx.Exec(ctx, "UPDATE vuln_alerts_sent SET alert_id = ? WHERE org_id = ? AND asset = ? AND vulnerability = ?", id, c.Org, c.Asset, c.Vulnerability); err != nil {
					return fmt.Errorf("record alert %d of %s %s %s: %w", id, c.Org, c.Asset, c.Vulnerability, err)
				}
			}
		}
		return nil
	})
}

// SuppressionCause is a row of vuln_suppression_alerts_sent: who is told
// that a member's finding was suppressed, and by which statement document.
type SuppressionCause struct{ Recipient, Org, Asset, Vulnerability, Document string }

// ClaimSuppressionAlerts claims causes in one transaction and reports which
// this call claimed; another node that saw the same suppression claimed the
// others first.
func (db *DB) ClaimSuppressionAlerts(ctx context.Context, cs []SuppressionCause, at time.Time) ([]bool, error) {
	var claimed []bool
	err := db.InTx(ctx, func(tx *Tx) error {
		claimed = make([]bool, len(cs))
		for i, c := range cs {
			res, err := tx.Exec(ctx, `INSERT INTO vuln_suppression_alerts_sent(recipient, org_id, asset, vulnerability, document, created_at)
				VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, c.Recipient, c.Org, c.Asset, c.Vulnerability, c.Document, Micros(at))
			if err != nil {
				return fmt.Errorf("claim the suppression alert of %s %s %s for %s: %w", c.Org, c.Asset, c.Vulnerability, c.Recipient, err)
			}
			n, _ := res.RowsAffected()
			claimed[i] = n == 1
		}
		return nil
	})
	return claimed, err
}

// ReleaseSuppressionAlert gives back a claimed cause whose alert could not
// be raised.
func (db *DB) ReleaseSuppressionAlert(ctx context.Context, c SuppressionCause) error {
	_, err := db.Exec(ctx, "DELETE FROM vuln_suppression_alerts_sent WHERE recipient = ? AND org_id = ? AND asset = ? AND vulnerability = ? AND document = ?",
		c.Recipient, c.Org, c.Asset, c.Vulnerability, c.Document)
	if err != nil {
		return fmt.Errorf("release the suppression alert of %s %s %s for %s: %w", c.Org, c.Asset, c.Vulnerability, c.Recipient, err)
	}
	return nil
}

// deleteOne runs a DELETE of one row and reports ErrNotFound when it
// deleted none.
// deleteVulnRow deletes one row, counting a change of kind (none when kind
// is "") in the same transaction.
func deleteVulnRow[ID int64 | string](ctx context.Context, db *DB, kind, what string, id ID, q string, args ...any) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("delete %s %v: %w", what, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s %v: %w", what, id, ErrNotFound)
		}
		if kind == "" {
			return nil
		}
		return bumpChange(ctx, tx, kind)
	})
	if err == nil && kind != "" {
		db.changed(kind)
	}
	return err
}

// noRows is ErrNotFound for sql.ErrNoRows, and err otherwise.
func vulnNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
