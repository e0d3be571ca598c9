package serve

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/plots"
)

// Options configure a Server.
type Options struct {
	// Dirs are the directories served: run directories, sweep folders or
	// folders holding them.
	Dirs []string
	// SweepSize returns the number of runs the sweep file at path plans,
	// for a sweep's progress ("n of m runs"); without it, or when it fails,
	// m is the number of run directories the sweep folder holds so far.
	SweepSize func(path string) (int, error)
	// Poll is how often an open page's runs are checked for changes
	// (default 1 s).
	Poll time.Duration
	// Log receives one line per request that fails on the server's side
	// (default: discarded).
	Log io.Writer
	// LoopbackHosts refuses (403) requests whose Host header names anything
	// but localhost or a loopback IP: set it when listening on loopback, so
	// that a web page elsewhere cannot reach the server through a DNS name
	// rebound to 127.0.0.1.
	LoopbackHosts bool
}

// Server is the live view's http.Handler.
type Server struct {
	tree   *tree
	opt    Options
	mux    *http.ServeMux
	pages  *template.Template
	result fileCache[experiments.Result]
	sweeps fileCache[[]experiments.Result]
	sizes  fileCache[int]
	figs   fileCache[*figureSet]
}

//go:embed assets
var assets embed.FS

// contentSecurityPolicy allows the pages this server's own scripts, styles,
// images (and the data: images inside its SVG figures) and event stream,
// and nothing else.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// New returns a Server over opt.Dirs; it fails if one is not a directory.
func New(opt Options) (*Server, error) {
	t, err := newTree(opt.Dirs)
	if err != nil {
		return nil, err
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	s := &Server{tree: t, opt: opt, mux: http.NewServeMux(),
		pages: template.Must(template.New("").Funcs(template.FuncMap{"join": strings.Join}).ParseFS(assets, "assets/*.html"))}
	static, _ := fs.Sub(assets, "assets/static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /run/{id...}", s.runPage)
	s.mux.HandleFunc("GET /sweep/{id...}", s.sweepPage)
	s.mux.HandleFunc("GET /compare", s.comparePage)
	s.mux.HandleFunc("GET /figure/{file}", s.figure)
	s.mux.HandleFunc("GET /file/{id...}", s.file)
	s.mux.HandleFunc("GET /events", s.events)
	return s, nil
}

// ServeHTTP answers GET and HEAD requests whose path is clean (see the
// package documentation), with the security headers on every response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "resexp serve is read-only: GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	if !cleanPath(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	if s.opt.LoopbackHosts && !Loopback(hostPort(r.Host)) {
		http.Error(w, "403 forbidden: this server answers only to localhost and loopback addresses", http.StatusForbidden)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// cleanPath reports whether the decoded request path has no empty, ".",
// ".." or otherwise bad segment (a trailing "/" aside), so that the router
// never redirects it somewhere else.
func cleanPath(p string) bool {
	if p == "/" {
		return true
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if segs[len(segs)-1] == "" {
		segs = segs[:len(segs)-1]
	}
	for _, seg := range segs {
		if badSegment(seg) {
			return false
		}
	}
	return len(segs) > 0 && strings.HasPrefix(p, "/")
}

// hostPort adds a port to a Host header that has none, for Loopback.
func hostPort(host string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), "80")
}

// fail answers a request that cannot be served: 404 or 403 for the errors
// of resolve, 500 (logged) otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errNotFound):
		http.NotFound(w, r)
	case errors.Is(err, errForbidden):
		http.Error(w, "403 forbidden: outside the served directories", http.StatusForbidden)
	default:
		s.logf("%s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, "500 internal error: "+err.Error(), http.StatusInternalServerError)
	}
}

func (s *Server) logf(format string, args ...any) {
	fmt.Fprintf(s.opt.Log, format+"\n", args...)
}

// figureSet is the figures of a selection of runs at one version of their
// files, with the files drawn so far.
type figureSet struct {
	version string // of the run files the figures come from
	figs    []plots.Figure
	mu      sync.Mutex        // one figure is drawn at a time
	encoded map[string][]byte // by "name.format"
}

// encode returns the figure name drawn in format, drawing it on first use;
// errNotFound if the set has no such figure.
func (fs *figureSet) encode(name, format string) ([]byte, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if b, ok := fs.encoded[name+"."+format]; ok {
		return b, nil
	}
	i := slices.IndexFunc(fs.figs, func(f plots.Figure) bool { return f.Name == name })
	if i < 0 {
		return nil, errNotFound
	}
	b, err := fs.figs[i].Encode(format)
	if err != nil {
		return nil, err
	}
	if fs.encoded == nil {
		fs.encoded = map[string][]byte{}
	}
	fs.encoded[name+"."+format] = b
	return b, nil
}
