// Package serve is resexp's live view: an HTTP handler over run and sweep
// directories that lists every run and sweep with its status and progress,
// shows the figures `resexp plot` draws (package plots: SVG in the page, PNG
// on request) for one run, a sweep or runs picked to compare, and pushes
// changes to open pages with Server-Sent Events while runs train.
//
// Everything is read from the run files, through packages runfiles, plots
// and experiments; nothing is written. Summaries and figures are cached by
// the size and modification time of the files they come from, and a figure
// is drawn only when a page asks for it.
//
// Safety. The handler answers GET and HEAD only (405 otherwise). It serves
// only what lies under the directories it was given: a request path or run
// id with an empty, "." or ".." segment (also percent-encoded), a
// backslash or a NUL is not found (404), and a path that resolves, through
// symlinks, outside its directory is forbidden (403). Of the files in a run
// or sweep directory only the run files and the sweep's tables are served.
// Every response carries a Content-Security-Policy allowing nothing but
// this server's own scripts, styles, images and event stream: the pages
// load no external script, font or style and work offline.
package serve
