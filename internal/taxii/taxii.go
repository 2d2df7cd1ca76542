// Package taxii serves TAXII 2.1: discovery, one API root, collections,
// objects, manifests, versions and status resources.
//
// Every read asks the store for one page with the access policy inside the
// query, so that a page of 100 objects is one indexed query and never holds an
// object the caller may not see. Objects enter only through hub.Submit. The
// `next` cursor is opaque and ordered by (date added, row id), so that paging
// never skips or repeats an object.
package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/metrics"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Media types of TAXII 2.1 and STIX 2.1.
const (
	MediaTAXII = "application/taxii+json;version=2.1"
	MediaSTIX  = "application/stix+json;version=2.1"
)

// Server is the TAXII 2.1 HTTP handler.
type Server struct {
	Hub *hub.Hub
	Log *slog.Logger
	// MaxContentLength bounds a POST body; larger bodies get 413.
	MaxContentLength int64
	// Title appears in discovery.
	Title string

	// Readers bounds how many listings read the store at once (0: one per
	// CPU on SQLite, four on PostgreSQL); the others wait their turn in
	// arrival order.
	Readers int
	// Metrics counts the listings' queue; nil counts nothing.
	Metrics *metrics.Set

	readers gate

	pages sync.Pool // *[]byte: envelope buffers reused across requests
}

// Handler returns the routes under /taxii2/.
func (s *Server) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /taxii2/{$}", s.discovery)
	m.HandleFunc("GET /taxii2/api/{$}", s.apiRoot)
	m.HandleFunc("GET /taxii2/api/status/{id}/{$}", s.status)
	m.HandleFunc("GET /taxii2/api/collections/{$}", s.collections)
	m.HandleFunc("GET /taxii2/api/collections/{cid}/{$}", s.collection)
	m.HandleFunc("GET /taxii2/api/collections/{cid}/objects/{$}", s.getObjects)
	m.HandleFunc("POST /taxii2/api/collections/{cid}/objects/{$}", s.postObjects)
	m.HandleFunc("GET /taxii2/api/collections/{cid}/objects/{oid}/{$}", s.getObject)
	m.HandleFunc("DELETE /taxii2/api/collections/{cid}/objects/{oid}/{$}", s.deleteObject)
	m.HandleFunc("GET /taxii2/api/collections/{cid}/objects/{oid}/versions/{$}", s.versions)
	m.HandleFunc("GET /taxii2/api/collections/{cid}/manifest/{$}", s.manifest)
	readers := s.Readers
	if readers <= 0 {
		// SQLite runs a page in this process, on these CPUs; with
		// PostgreSQL a listing mostly waits for the database server.
		readers = runtime.GOMAXPROCS(0)
		if s.Hub.DB.Postgres() {
			readers *= 4
		}
	}
	s.readers = make(gate, readers)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every answer is TAXII JSON: no browser may take it for anything else.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !acceptsTAXII(r.Header.Get("Accept")) {
			writeError(w, http.StatusNotAcceptable, "not acceptable", "this server answers with "+MediaTAXII+"; set Accept to it")
			return
		}
		if _, pattern := m.Handler(r); pattern == "" {
			if !strings.HasSuffix(r.URL.Path, "/") {
				writeError(w, http.StatusNotFound, "not found", "TAXII URLs end with '/': "+r.URL.Path+"/")
				return
			}
			writeError(w, http.StatusNotFound, "not found", "no TAXII resource at "+r.URL.Path)
			return
		}
		m.ServeHTTP(w, r)
	})
}

// acceptsTAXII is content negotiation: the TAXII 2.1 media type (with or
// without the version), or anything.
func acceptsTAXII(accept string) bool {
	if accept == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		}
	}
	return false
}

// writeError answers a refusal with the TAXII error message resource
// (problem.Body, the one problem body of every door).
func writeError(w http.ResponseWriter, code int, title, desc string) {
	writeJSON(w, code, problem.NewBody(code, title, desc))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", MediaTAXII)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// caller authenticates the request; anonymous callers get the zero Caller.
// It writes a 401 and returns ok=false when credentials are present but wrong.
func (s *Server) caller(w http.ResponseWriter, r *http.Request) (auth.Caller, policy.Viewer, bool) {
	c, err := s.Hub.Auth.Request(r)
	switch {
	case errors.Is(err, auth.ErrNoCredentials):
		return auth.Caller{}, policy.Viewer{}, true
	case auth.Unchecked(err):
		s.internal(w, r, err)
		return c, policy.Viewer{}, false
	case err != nil:
		auth.LogFailure(s.Log, "taxii", r, err)
		unauthorized(w, "the credentials given are not valid (expired, revoked or wrong)")
		return c, policy.Viewer{}, false
	}
	v, err := s.Hub.Viewer(r.Context(), c)
	if err != nil {
		s.internal(w, r, err)
		return c, v, false
	}
	return c, v, true
}

func unauthorized(w http.ResponseWriter, desc string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="renkei", Bearer realm="renkei"`)
	writeError(w, http.StatusUnauthorized, "authentication required", desc)
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if s.Log != nil {
		s.Log.Error("taxii", "path", r.URL.Path, "err", err)
	}
	if s.Hub.DB.Unavailable(r.Context(), err) {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, "store unavailable", "the store is unavailable; try again shortly")
		return
	}
	writeError(w, http.StatusInternalServerError, "internal error", "the server could not complete the request; it has been logged")
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	title := s.Title
	if title == "" {
		title = "Renkei TAXII 2.1"
	}
	writeJSON(w, http.StatusOK, client.Discovery{
		Title:       title,
		Description: "官民連携基盤: public-private threat sharing hub",
		Default:     "/taxii2/api/",
		APIRoots:    []string{"/taxii2/api/"},
	})
}

func (s *Server) apiRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, client.APIRootInfo{
		Title:            "Renkei",
		Description:      "Shared intelligence under TLP 2.0 and need-to-know",
		Versions:         []string{MediaTAXII},
		MaxContentLength: s.MaxContentLength,
	})
}

// collectionResource is the collection as the caller may use it; the
// resource's type is the typed client's (internal/client).
func (s *Server) collectionResource(c store.Collection, v policy.Viewer, readOnly bool) (client.Collection, bool) {
	read, write := policy.CollectionAccess(v, c.Audience, c.Writable, readOnly)
	return client.Collection{ID: c.ID, Title: c.Title, Description: c.Description, CanRead: read, CanWrite: write, MediaTypes: []string{MediaSTIX}}, read || write
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request) {
	c, v, ok := s.caller(w, r)
	if !ok {
		return
	}
	all, err := s.Hub.DB.Collections(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := []client.Collection{}
	for _, col := range all {
		if res, ok := s.collectionResource(col, v, c.ReadOnly); ok {
			out = append(out, res)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"collections": out})
}

// openCollection finds the collection and checks the caller may read (or
// write) it, writing the error response when not.
func (s *Server) openCollection(w http.ResponseWriter, r *http.Request, forWrite bool) (store.Collection, auth.Caller, policy.Viewer, bool) {
	c, v, ok := s.caller(w, r)
	if !ok {
		return store.Collection{}, c, v, false
	}
	col, err := s.Hub.Collection(r.Context(), r.PathValue("cid"))
	if errors.Is(err, store.ErrNotFound) {
		if v.Anonymous() {
			unauthorized(w, "log in to see this collection")
			return col, c, v, false
		}
		writeError(w, http.StatusNotFound, "collection not found", "no collection "+r.PathValue("cid"))
		return col, c, v, false
	}
	if err != nil {
		s.internal(w, r, err)
		return col, c, v, false
	}
	read, write := policy.CollectionAccess(v, col.Audience, col.Writable, c.ReadOnly)
	allowed := read
	if forWrite {
		allowed = write
	}
	if !allowed {
		if v.Anonymous() {
			unauthorized(w, "log in to use this collection")
		} else if !read {
			writeError(w, http.StatusNotFound, "collection not found", "no collection "+r.PathValue("cid"))
		} else {
			writeError(w, http.StatusForbidden, "forbidden", "you may read but not write this collection (read-only token or role)")
		}
		return col, c, v, false
	}
	return col, c, v, true
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request) {
	col, c, v, ok := s.openCollection(w, r, false)
	if !ok {
		return
	}
	res, _ := s.collectionResource(col, v, c.ReadOnly)
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) (Query, bool) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid query parameter", err.Error())
		return q, false
	}
	if q.NextToken != "" {
		q.Next, err = s.Hub.DB.OpenCursor(r.Context(), q.NextToken)
		if errors.Is(err, store.ErrBadCursor) {
			writeError(w, http.StatusBadRequest, "invalid query parameter", fmt.Sprintf("next: %q is not a value this server gave", q.NextToken))
			return q, false
		}
		if err != nil {
			s.internal(w, r, err)
			return q, false
		}
	}
	return q, true
}

func storeQuery(q Query, v policy.Viewer, collection string) store.ObjectQuery {
	return store.ObjectQuery{Viewer: v, CollectionID: collection, AddedAfter: q.AddedAfter, After: q.Next,
		IDs: q.IDs, Types: q.Types, SpecVersions: q.SpecVersions, Versions: q.Versions, VersionTimes: q.VersionTimes, Limit: q.Limit}
}

// page runs one page of a listing and sets the date-added headers.
func (s *Server) page(w http.ResponseWriter, r *http.Request, sq store.ObjectQuery) ([]store.Object, bool, string, bool) {
	objs, more, err := s.Hub.DB.Objects(r.Context(), sq)
	if err != nil {
		s.internal(w, r, err)
		return nil, false, "", false
	}
	next := ""
	if len(objs) > 0 {
		first, last := store.AddedRange(objs)
		w.Header().Set("X-TAXII-Date-Added-First", formatAdded(first))
		w.Header().Set("X-TAXII-Date-Added-Last", formatAdded(last))
		if more {
			l := objs[len(objs)-1]
			if next, err = s.Hub.DB.SealCursor(r.Context(), store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK}); err != nil {
				s.internal(w, r, err)
				return nil, false, "", false
			}
		}
	}
	return objs, more, next, true
}

// envelope answers the routes that return whole objects (objects, one
// object) with one page, written by hand so that each row's JSON goes into
// the envelope as it is read, without decoding, re-encoding or keeping the
// page. Nothing is sent until the reads that rule C7 names are logged.
// narrow, when set, restricts the query (one object); one asks for a 404 when
// a first page is empty.
func (s *Server) envelope(w http.ResponseWriter, r *http.Request, narrow func(*store.ObjectQuery), one bool) {
	leave, ok := s.admit(w, r)
	if !ok {
		return
	}
	defer leave()
	sq, q, c, ok := s.listing(w, r, narrow)
	if !ok {
		return
	}
	v := sq.Viewer
	sq.Brief = true // objects as they are; versions and manifests read whole rows
	bp, _ := s.pages.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer func() {
		if cap(*bp) <= 4<<20 { // keep ordinary pages' buffers, let rare huge ones go
			s.pages.Put(bp)
		}
	}()
	b := append((*bp)[:0], `{"objects":[`...)
	var first, last time.Time
	var cursor store.Cursor
	var logged []store.Object // copies of the objects whose reading is logged
	uncached := false         // an object no cache may keep is in the page
	n := 0
	more, err := s.Hub.DB.EachObject(r.Context(), sq, func(o *store.Object) error {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, s.Hub.Present(v, *o)...)
		if n == 0 || o.DateAdded.Before(first) {
			first = o.DateAdded
		}
		if o.DateAdded.After(last) {
			last = o.DateAdded
		}
		cursor = store.Cursor{DateAdded: store.Micros(o.DateAdded), PK: o.PK}
		if !policy.Cached(o.ACL.TLP) {
			uncached = true
		}
		if hub.Logged(*o) {
			k := *o
			k.Raw = bytes.Clone(o.Raw)
			logged = append(logged, k)
		}
		n++
		return nil
	})
	*bp = b
	leave() // what follows waits on the audit log and the network, not the CPU
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if one && missing(w, r, n, q) {
		return
	}
	if !s.release(w, r, c, logged) {
		return
	}
	next := ""
	if n > 0 && more {
		if next, err = s.Hub.DB.SealCursor(r.Context(), cursor); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	if n == 0 {
		b = append(b[:0], `{"more":false`...)
	} else {
		b = append(b, `],"more":`...)
		b = strconv.AppendBool(b, more)
		if more {
			b = append(b, `,"next":`...)
			b = strconv.AppendQuote(b, next)
		}
		w.Header().Set("X-TAXII-Date-Added-First", formatAdded(first))
		w.Header().Set("X-TAXII-Date-Added-Last", formatAdded(last))
	}
	b = append(b, "}\n"...)
	*bp = b
	if uncached {
		w.Header().Set("Cache-Control", "no-store")
	}
	// A known length lets the page go out in one write, without chunking.
	w.Header().Set("Content-Type", MediaTAXII)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// listed is one page of a listing request.
type listed struct {
	q    Query
	objs []store.Object
	more bool
	next string
}

// listing does what every listing route shares: the collection and the
// caller's right to read it, and the filter parameters; narrow, when set,
// restricts the query (one object, its versions). It writes the error
// response and returns false when the request cannot be answered.
func (s *Server) listing(w http.ResponseWriter, r *http.Request, narrow func(*store.ObjectQuery)) (store.ObjectQuery, Query, auth.Caller, bool) {
	col, c, v, ok := s.openCollection(w, r, false)
	if !ok {
		return store.ObjectQuery{}, Query{}, c, false
	}
	q, ok := s.query(w, r)
	if !ok {
		return store.ObjectQuery{}, q, c, false
	}
	sq := storeQuery(q, v, col.ID)
	if narrow != nil {
		narrow(&sq)
	}
	return sq, q, c, true
}

// list answers with one page kept whole, for the listings that show about
// each object only what the store indexes (versions, manifest).
func (s *Server) list(w http.ResponseWriter, r *http.Request, narrow func(*store.ObjectQuery)) (listed, bool) {
	leave, ok := s.admit(w, r)
	if !ok {
		return listed{}, false
	}
	defer leave()
	sq, q, _, ok := s.listing(w, r, narrow)
	if !ok {
		return listed{}, false
	}
	l := listed{q: q}
	l.objs, l.more, l.next, ok = s.page(w, r, sq)
	noStore(w, l.objs)
	return l, ok
}

// noStore forbids caches to keep a response that tells of an object no
// cache may keep (AMBER+STRICT, RED), even by its id and versions only.
func noStore(w http.ResponseWriter, objs []store.Object) {
	for _, o := range objs {
		if !policy.Cached(o.ACL.TLP) {
			w.Header().Set("Cache-Control", "no-store")
			return
		}
	}
}

// oneObject narrows a listing to the object named in the path.
func oneObject(r *http.Request, allVersions bool) func(*store.ObjectQuery) {
	return func(sq *store.ObjectQuery) {
		sq.IDs = []string{r.PathValue("oid")}
		if allVersions {
			sq.Versions, sq.VersionTimes = "all", nil
		}
	}
}

// missing answers 404 when a first page about one object is empty.
func missing(w http.ResponseWriter, r *http.Request, n int, q Query) bool {
	if n == 0 && q.NextToken == "" {
		writeError(w, http.StatusNotFound, "object not found", "no object "+r.PathValue("oid")+" that you may see in this collection")
		return true
	}
	return false
}

func (s *Server) getObjects(w http.ResponseWriter, r *http.Request) {
	s.envelope(w, r, nil, false)
}

// release logs the reading of objects that rule C7 says must be logged, and
// sets the receipt header; when the log cannot be written it answers 503 and
// returns false, and nothing is sent.
func (s *Server) release(w http.ResponseWriter, r *http.Request, c auth.Caller, objs []store.Object) bool {
	idx, err := s.Hub.Release(r.Context(), c, audit.ActionObjectRead, r.Header.Get("X-Request-ID"), objs)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "audit log unavailable", err.Error())
		return false
	}
	s.Hub.Audit.SetReceipt(w.Header(), idx...)
	return true
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request) {
	if s.served(w, r, false) {
		return
	}
	s.envelope(w, r, oneObject(r, false), true)
}

// served answers for the definitions the hub serves itself (official TLP
// markings, organizations' identities, Renkei's extension definition), in
// every collection the caller may read, whatever is stored under their ids,
// so that every reference in the objects served resolves. It reports whether
// it answered.
func (s *Server) served(w http.ResponseWriter, r *http.Request, versions bool) bool {
	id := r.PathValue("oid")
	if !hub.MayServe(id) {
		return false
	}
	_, _, v, ok := s.openCollection(w, r, false)
	if !ok {
		return true
	}
	def, ok, err := s.Hub.Served(r.Context(), v, id)
	if err != nil {
		s.internal(w, r, err)
		return true
	}
	if !ok {
		return false
	}
	if versions {
		writeJSON(w, http.StatusOK, map[string]any{"more": false, "versions": []string{def.Version}})
		return true
	}
	writeJSON(w, http.StatusOK, map[string]any{"more": false, "objects": []json.RawMessage{def.Raw}})
	return true
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) {
	if s.served(w, r, true) {
		return
	}
	l, ok := s.list(w, r, oneObject(r, true))
	if !ok || missing(w, r, len(l.objs), l.q) {
		return
	}
	vs := make([]string, len(l.objs))
	for i, o := range l.objs {
		vs[i] = version(o)
	}
	res := map[string]any{"more": l.more, "versions": vs}
	if l.next != "" {
		res["next"] = l.next
	}
	writeJSON(w, http.StatusOK, res)
}

// version is an object's version as TAXII shows it: modified, else created,
// else (objects without either) the date it was added.
func version(o store.Object) string {
	switch {
	case !o.Modified.IsZero():
		return stix.FormatTime(o.Modified)
	case !o.Created.IsZero():
		return stix.FormatTime(o.Created)
	}
	return formatAdded(o.DateAdded)
}

// formatAdded shows a date added with the microseconds it is stored with, so
// that a client passing it back as added_after gets exactly what followed it.
func formatAdded(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	l, ok := s.list(w, r, nil)
	if !ok {
		return
	}
	objs, more, next := l.objs, l.more, l.next
	res := client.Manifest{More: more, Next: next}
	for _, o := range objs {
		res.Objects = append(res.Objects, client.ManifestRecord{ID: o.ID, DateAdded: formatAdded(o.DateAdded), Version: version(o), MediaType: MediaSTIX})
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request) {
	col, c, v, ok := s.openCollection(w, r, true)
	if !ok {
		return
	}
	q, ok := s.query(w, r)
	if !ok {
		return
	}
	sq := storeQuery(q, v, col.ID)
	sq.IDs, sq.Limit = []string{r.PathValue("oid")}, MaxLimit
	if r.URL.Query().Get("match[version]") == "" {
		sq.Versions = "all"
	}
	objs, _, err := s.Hub.DB.Objects(r.Context(), sq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(objs) == 0 {
		writeError(w, http.StatusNotFound, "object not found", "no object "+r.PathValue("oid")+" that you may see in this collection")
		return
	}
	// An SCO is kept per submitting organization (store.InsertObjects): a
	// member deletes its own copies and leaves the others' it may read. Any
	// other object has versions by its author only.
	mine := make([]store.Object, 0, len(objs))
	for _, o := range objs {
		if ok, _ := policy.MayWriteVersion(v, o.ACL.AuthorOrg); ok {
			mine = append(mine, o)
		} else if !stix.IsSCO(o.Type) {
			mine = nil
			break
		}
	}
	if len(mine) == 0 {
		writeError(w, http.StatusForbidden, "forbidden", "only the organization that submitted an object, or a hub administrator, may delete it")
		return
	}
	objs = mine
	// The deletion is in the audit log before it happens (object.delete);
	// when the log refuses, nothing is deleted.
	if _, err := s.Hub.Record(r.Context(), c, audit.ActionDelete, r.PathValue("oid"), map[string]string{
		"collection": col.ID, "versions": strconv.Itoa(len(objs)), "tlp": objs[0].ACL.TLP.Label(), "via": "taxii"}); err != nil {
		if s.Log != nil {
			s.Log.Error("taxii: deletion refused, the audit log could not record it", "object", r.PathValue("oid"), "err", err)
		}
		writeError(w, http.StatusServiceUnavailable, "audit log unavailable", "the object was not deleted because the audit log could not record the deletion first; try again later")
		return
	}
	pks := make([]int64, len(objs))
	for i, o := range objs {
		pks[i] = o.PK
	}
	if err := s.Hub.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteObjects(r.Context(), pks) }); err != nil {
		s.internal(w, r, err)
		return
	}
	if s.Log != nil {
		s.Log.Info("object deleted", "object", r.PathValue("oid"), "org", c.Org.ID, "user", c.User.Login, "versions", len(objs))
	}
	w.Header().Set("Content-Type", MediaTAXII)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) postObjects(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !((mt == "application/taxii+json" || mt == "application/stix+json") && (params["version"] == "" || params["version"] == "2.1")) {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported media type", fmt.Sprintf("Content-Type %q: send %s", ct, MediaTAXII))
		return
	}
	if s.MaxContentLength > 0 && r.ContentLength > s.MaxContentLength {
		writeError(w, http.StatusRequestEntityTooLarge, "request too large", fmt.Sprintf("the body is %d bytes; this API root accepts at most %d (max_content_length)", r.ContentLength, s.MaxContentLength))
		return
	}
	col, c, _, ok := s.openCollection(w, r, true)
	if !ok {
		return
	}
	if c.User.ID == 0 {
		unauthorized(w, "log in to add objects")
		return
	}
	body := r.Body
	if s.MaxContentLength > 0 {
		body = http.MaxBytesReader(w, r.Body, s.MaxContentLength)
	}
	st, err := s.Hub.Submit(r.Context(), c, col, body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		// A chunked body has no length to refuse up front: it is cut at the
		// limit, and what was read before is stored and in the status.
		desc := fmt.Sprintf("this API root accepts at most %d bytes (max_content_length)", s.MaxContentLength)
		if st.Success > 0 {
			desc += fmt.Sprintf("; the %d objects read before the limit were stored (status %s)", st.Success, st.ID)
		}
		writeError(w, http.StatusRequestEntityTooLarge, "request too large", desc)
		return
	case errors.Is(err, hub.ErrBodyCut):
		// The client stopped sending: the status says what was stored.
	case errors.Is(err, hub.ErrBadBundle):
		writeError(w, http.StatusBadRequest, "invalid bundle", err.Error())
		return
	case errors.Is(err, hub.ErrForbidden):
		writeError(w, http.StatusForbidden, "forbidden", err.Error())
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	if s.Log != nil {
		s.Log.Info("objects posted", "org", c.Org.ID, "user", c.User.Login, "collection", col.ID, "status", st.ID, "success", st.Success, "failure", st.Failure)
	}
	writeJSON(w, http.StatusAccepted, statusResource(st))
}

// statusResource is the status resource of a post, the typed client's type.
func statusResource(st store.Status) client.Status {
	res := client.Status{ID: st.ID, Status: st.Status, RequestTimestamp: stix.FormatTime(st.Created),
		TotalCount: st.Total, SuccessCount: st.Success, FailureCount: st.Failure, PendingCount: st.Pending}
	for _, d := range st.Details {
		sd := client.StatusDetail{ID: d.ID, Version: d.Version, Message: d.Message}
		switch d.Kind {
		case "success":
			res.Successes = append(res.Successes, sd)
		case "failure":
			res.Failures = append(res.Failures, sd)
		default:
			res.Pendings = append(res.Pendings, sd)
		}
	}
	return res
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	c, v, ok := s.caller(w, r)
	if !ok {
		return
	}
	if c.User.ID == 0 {
		unauthorized(w, "log in to see a status")
		return
	}
	st, err := s.Hub.DB.StatusByID(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !policy.SeesStatus(v, st.UserID)) {
		writeError(w, http.StatusNotFound, "status not found", "no status "+r.PathValue("id")+" of yours")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	// A status lists the ids and versions of what its poster sent, RED and
	// AMBER+STRICT ones among them, and changes while the post is pending:
	// no cache keeps it.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, statusResource(st))
}
