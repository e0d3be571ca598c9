package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// update is what an open page is sent when its runs change: the formatted
// fields of each run and sweep by id (see runView.Fields), the version of
// the files its figures come from, and the names of those figures.
type update struct {
	Runs    map[string]map[string]string `json:"runs"`
	Sweeps  map[string]map[string]string `json:"sweeps"`
	Version string                       `json:"version,omitempty"`
	Figures string                       `json:"figures,omitempty"`
}

// heartbeat is how often an idle event stream sends a comment, so that
// proxies and browsers keep it open.
const heartbeat = 15 * time.Second

// events streams updates as Server-Sent Events: for the index (no query)
// every run and sweep, otherwise the selection's runs and figures. It sends
// one at once and then one whenever the content changes, checking every
// Options.Poll, until the client goes away or the server stops.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	var sel *selection
	if len(r.URL.Query()) > 0 {
		got, err := s.selection(r.URL.Query())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sel = &got
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "500 internal error: streaming not supported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	poll, beat := time.NewTicker(s.opt.Poll), time.NewTicker(heartbeat)
	defer poll.Stop()
	defer beat.Stop()
	var last []byte
	for {
		msg, err := json.Marshal(s.update(sel))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if string(msg) != string(last) {
			fmt.Fprintf(w, "data: %s\n\n", msg)
			flusher.Flush()
			last = msg
		}
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			fmt.Fprint(w, ": alive\n\n")
			flusher.Flush()
		case <-poll.C:
		}
	}
}

// update builds the update of sel, or of the index if sel is nil.
func (s *Server) update(sel *selection) update {
	u := update{Runs: map[string]map[string]string{}, Sweeps: map[string]map[string]string{}}
	addSweep := func(v sweepView) {
		u.Sweeps[v.ID] = v.Fields
		for _, r := range v.Runs {
			u.Runs[r.ID] = r.Fields
		}
	}
	switch {
	case sel == nil:
		runs, sweeps := s.tree.discover()
		for _, e := range runs {
			u.Runs[e.ID] = s.runView(e).Fields
		}
		for _, e := range sweeps {
			addSweep(s.sweepView(e))
		}
		return u
	case sel.sweep != nil:
		addSweep(s.sweepView(*sel.sweep))
	default:
		for _, e := range sel.runs {
			u.Runs[e.ID] = s.runView(e).Fields
		}
	}
	set, v := s.figureSet(*sel)
	u.Version, u.Figures = v, figureNames(set)
	return u
}
