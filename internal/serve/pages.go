package serve

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/plots"
	"github.com/resexp/resexp/internal/runfiles"
)

// maxCompare bounds the runs of one compare view.
const maxCompare = 32

// servedFiles are the only files of a run or sweep directory the server
// sends, with their content types.
var servedFiles = map[string]string{
	runfiles.ConfigFile:    "text/plain; charset=utf-8",
	runfiles.MetaFile:      "application/json",
	runfiles.MetricsFile:   "text/csv; charset=utf-8",
	runfiles.GradNormsFile: "text/csv; charset=utf-8",
	runfiles.ResponsesFile: "text/csv; charset=utf-8",
	"results.csv":          "text/csv; charset=utf-8",
	"results.md":           "text/plain; charset=utf-8",
	sweepFile:              "text/plain; charset=utf-8",
}

// selection is the runs a page, its figures and its updates are about:
// runs picked by id, or the runs of one sweep.
type selection struct {
	runs  []entry
	sweep *entry
	key   string // canonical query string, e.g. "run=runs%2Fplain-20"
}

func (sel selection) dirs() []string {
	out := make([]string, len(sel.runs))
	for i, e := range sel.runs {
		out[i] = e.Dir
	}
	return out
}

// selection reads the query's sweep=ID or run=ID... (at most maxCompare);
// errNotFound if it names none, or a sweep or run that does not exist.
func (s *Server) selection(q url.Values) (selection, error) {
	if ids := q["sweep"]; len(ids) > 0 {
		if len(ids) > 1 || len(q["run"]) > 0 {
			return selection{}, errNotFound
		}
		dir, err := s.tree.resolve(ids[0])
		if err != nil {
			return selection{}, err
		}
		if !isSweep(dir) {
			return selection{}, errNotFound
		}
		e := entry{ids[0], dir}
		return selection{runs: sweepRuns(e.ID, dir), sweep: &e, key: url.Values{"sweep": ids}.Encode()}, nil
	}
	var ids []string
	for _, id := range q["run"] {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > maxCompare {
		return selection{}, errNotFound
	}
	sel := selection{key: url.Values{"run": ids}.Encode()}
	for _, id := range ids {
		dir, err := s.tree.resolve(id)
		if err != nil {
			return selection{}, err
		}
		if !isRun(dir) {
			return selection{}, errNotFound
		}
		sel.runs = append(sel.runs, entry{id, dir})
	}
	return sel, nil
}

// runView summarises the run e, from the cache while its files are
// unchanged.
func (s *Server) runView(e entry) runView {
	r, err := s.result.get(e.Dir, version(e.Dir), func() (experiments.Result, error) {
		return experiments.ReadResult(e.Dir)
	})
	if err != nil {
		return unreadable(e.ID, err)
	}
	return summarise(e.ID, e.Dir, r)
}

// unreadable is the view of a run whose files cannot be read.
func unreadable(id string, err error) runView {
	return runView{ID: id, Label: path.Base(id), Status: "unreadable",
		Fields: map[string]string{"status": "unreadable: " + err.Error()}}
}

// sweepView is a sweep as the pages show it: its runs in the order of its
// results table, and its progress.
type sweepView struct {
	ID     string
	Runs   []runView
	Fields map[string]string
}

// sweepView summarises the sweep e: its results table (experiments.Results,
// cached while the runs' files are unchanged) with live statuses, and its
// progress.
func (s *Server) sweepView(e entry) sweepView {
	runs := sweepRuns(e.ID, e.Dir)
	v := sweepView{ID: e.ID}
	rs, err := s.sweeps.get(e.Dir, version(selection{runs: runs}.dirs()...), func() ([]experiments.Result, error) {
		return experiments.Results(e.Dir)
	})
	if err != nil { // one run is unreadable: show each run on its own
		for _, r := range runs {
			v.Runs = append(v.Runs, s.runView(r))
		}
	}
	for _, r := range rs {
		v.Runs = append(v.Runs, summarise(e.ID+"/"+r.Name, filepath.Join(e.Dir, r.Name), r))
	}
	finished, running := 0, 0
	for _, r := range v.Runs {
		switch r.Status {
		case runfiles.StatusCompleted, runfiles.StatusDiverged, runfiles.StatusFailed:
			finished++
		case runfiles.StatusRunning:
			running++
		}
	}
	planned := s.planned(e.Dir)
	if planned <= 0 {
		planned = len(v.Runs)
	}
	v.Fields = map[string]string{"progress": fmt.Sprintf("%d of %d runs finished, %d running", finished, planned, running)}
	return v
}

// planned is the number of runs the sweep in dir plans, 0 if unknown.
func (s *Server) planned(dir string) int {
	if s.opt.SweepSize == nil {
		return 0
	}
	p := filepath.Join(dir, sweepFile)
	n, err := s.sizes.get(p, fileVersion(p), func() (int, error) { return s.opt.SweepSize(p) })
	if err != nil {
		return 0
	}
	return n
}

// figView is one figure of a page.
type figView struct {
	Name, Caption, SVG, PNG string
}

// figureSet returns the figures of sel's runs, built again only when their
// files changed, and the version of the files they were built from (older
// than the files' if a build is under way).
func (s *Server) figureSet(sel selection) (*figureSet, string) {
	set, _ := s.figs.get(sel.key, version(sel.dirs()...), s.buildFigures(sel))
	return set, set.version
}

// pendingFigures stands for the figure names of a page whose figures are
// still being built; no update carries it, so the page reloads with the
// first one.
const pendingFigures = "(pending)"

// readyFigures is figureSet without waiting: when the figures are not built
// yet, it starts building them and returns an empty set named
// pendingFigures, so a page of a large sweep loads at once.
func (s *Server) readyFigures(sel selection) (set *figureSet, names string) {
	set, ok := s.figs.ready(sel.key, version(sel.dirs()...), s.buildFigures(sel))
	if !ok {
		return &figureSet{}, pendingFigures
	}
	return set, figureNames(set)
}

// buildFigures returns the function that loads sel's runs and builds their
// figures; a selection without data has none.
func (s *Server) buildFigures(sel selection) func() (*figureSet, error) {
	return func() (*figureSet, error) {
		dirs := sel.dirs()
		v := version(dirs...)
		runs, err := plots.LoadRuns(dirs, io.Discard)
		if err != nil || len(dirs) == 0 {
			return &figureSet{version: v}, nil // nothing to draw yet
		}
		return &figureSet{version: v, figs: plots.Figures(runs, plots.Options{})}, nil
	}
}

// figViews lists set's figures with their URLs for sel.
func figViews(set *figureSet, sel selection) []figView {
	out := make([]figView, len(set.figs))
	for i, f := range set.figs {
		base := "/figure/" + url.PathEscape(f.Name)
		out[i] = figView{Name: f.Name, Caption: f.Caption, SVG: base + ".svg?" + sel.key, PNG: base + ".png?" + sel.key}
	}
	return out
}

// figureNames joins the names of set's figures: a page reloads when they
// change.
func figureNames(set *figureSet) string {
	names := make([]string, len(set.figs))
	for i, f := range set.figs {
		names[i] = f.Name
	}
	return strings.Join(names, " ")
}

// fileLink is a downloadable file of a run or sweep.
type fileLink struct{ Name, URL string }

// fileLinks lists the served files present in dir.
func fileLinks(id, dir string, names ...string) []fileLink {
	var out []fileLink
	for _, n := range names {
		if exists(filepath.Join(dir, n)) {
			out = append(out, fileLink{n, "/file/" + escapeID(id) + "/" + n})
		}
	}
	return out
}

// escapeID escapes each segment of id for a URL path.
func escapeID(id string) string {
	segs := strings.Split(id, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// maxShown bounds the bytes of config.yaml and meta.json shown in a page.
const maxShown = 64 << 10

// readShown returns the start of the text file at path for display, "" if
// it cannot be read.
func readShown(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxShown))
	return string(b)
}

// page is what every page template gets.
type page struct {
	Title   string
	Kind    string // index, run, sweep or compare
	Events  string // URL of the page's update stream
	Version string // of the files the figures come from
	Figs    string // figure names (see figureNames) or pendingFigures
	Pending bool   // the figures are being built
	Roots   []string
	Runs    []runView
	Sweeps  []sweepView
	Figures []figView
	Files   []fileLink
	Config  string
	Meta    string
}

// render executes the page template name with p.
func (s *Server) render(w http.ResponseWriter, r *http.Request, p *page) {
	for _, root := range s.tree.roots {
		p.Roots = append(p.Roots, root.dir)
	}
	p.Pending = p.Figs == pendingFigures
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, p.Kind+".html", p); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	runs, sweeps := s.tree.discover()
	p := &page{Title: "resexp runs", Kind: "index", Events: "/events"}
	for _, e := range runs {
		p.Runs = append(p.Runs, s.runView(e))
	}
	for _, e := range sweeps {
		p.Sweeps = append(p.Sweeps, s.sweepView(e))
	}
	s.render(w, r, p)
}

// selected is the selection of q for a page; if there is none it answers
// the request (404 or 403) and returns false.
func (s *Server) selected(w http.ResponseWriter, r *http.Request, q url.Values) (selection, bool) {
	sel, err := s.selection(q)
	if err != nil {
		s.fail(w, r, err)
		return selection{}, false
	}
	return sel, true
}

// figurePage is a page of kind showing sel's figures (or that they are
// being drawn), updated by sel's event stream.
func (s *Server) figurePage(kind, title string, sel selection) *page {
	set, names := s.readyFigures(sel)
	return &page{Title: title, Kind: kind, Events: "/events?" + sel.key, Version: set.version, Figs: names,
		Figures: figViews(set, sel)}
}

func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sel, ok := s.selected(w, r, url.Values{"run": {id}})
	if !ok {
		return
	}
	e := sel.runs[0]
	p := s.figurePage("run", id, sel)
	p.Runs = []runView{s.runView(e)}
	p.Files = fileLinks(id, e.Dir, runfiles.ConfigFile, runfiles.MetaFile, runfiles.MetricsFile, runfiles.GradNormsFile, runfiles.ResponsesFile)
	p.Config, p.Meta = readShown(filepath.Join(e.Dir, runfiles.ConfigFile)), readShown(filepath.Join(e.Dir, runfiles.MetaFile))
	s.render(w, r, p)
}

func (s *Server) sweepPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sel, ok := s.selected(w, r, url.Values{"sweep": {id}})
	if !ok {
		return
	}
	p := s.figurePage("sweep", id, sel)
	p.Sweeps = []sweepView{s.sweepView(*sel.sweep)}
	p.Files = fileLinks(id, sel.sweep.Dir, "results.csv", "results.md", sweepFile)
	s.render(w, r, p)
}

func (s *Server) comparePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if len(q["run"]) == 0 || len(q["sweep"]) > 0 {
		http.Error(w, "pick one or more runs on the index page to compare (/compare?run=ID&run=ID)", http.StatusBadRequest)
		return
	}
	sel, ok := s.selected(w, r, url.Values{"run": q["run"]})
	if !ok {
		return
	}
	p := s.figurePage("compare", "compare", sel)
	for _, e := range sel.runs {
		p.Runs = append(p.Runs, s.runView(e))
	}
	s.render(w, r, p)
}

// figure sends one figure of a selection: /figure/NAME.svg or .png with the
// selection's query.
func (s *Server) figure(w http.ResponseWriter, r *http.Request) {
	name, format, _ := cutLast(r.PathValue("file"), ".")
	types := map[string]string{"svg": "image/svg+xml", "png": "image/png"}
	sel, err := s.selection(r.URL.Query())
	if err == nil && types[format] == "" {
		err = errNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	set, _ := s.figureSet(sel)
	b, err := set.encode(name, format)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", types[format])
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

// file sends one of the servedFiles of a run or sweep directory.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	name := path.Base(id)
	ctype, ok := servedFiles[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	real, err := s.tree.resolve(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := os.Open(real)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	if strings.HasPrefix(ctype, "text/csv") {
		w.Header().Set("Content-Disposition", "attachment; filename="+name)
	}
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
