package runfiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Run statuses stored in Meta.Status.
const (
	StatusRunning     = "running"
	StatusCompleted   = "completed"
	StatusDiverged    = "diverged"
	StatusInterrupted = "interrupted"
	StatusFailed      = "failed"
)

// Meta is the content of meta.json: what the run is, what produced it and
// how it ended.
type Meta struct {
	Name      string `json:"name"`  // run name: the run directory's base name
	Label     string `json:"label"` // plot label, e.g. "resnet-56" or "plain-20"
	Dataset   string `json:"dataset"`
	Depth     int    `json:"depth"`
	Residual  bool   `json:"residual"`
	Params    int    `json:"params"`
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	GoVersion string `json:"go_version"`
	CPU       string `json:"cpu"`
	Seed      uint64 `json:"seed"`
	// Iterations is the number of training iterations the run is to do; 0
	// in runs recorded before meta.json held it.
	Iterations int        `json:"iterations,omitempty"`
	Start      time.Time  `json:"start"`
	End        *time.Time `json:"end,omitempty"`
	Status     string     `json:"status"`            // one of the Status* constants
	Message    string     `json:"message,omitempty"` // e.g. the divergence message
	DataFiles  []FileSum  `json:"data_files"`
	// InitWeights is the weights file the run started from (train
	// --init-weights) instead of a random initialisation; nil if none.
	InitWeights *FileSum `json:"init_weights,omitempty"`
}

// FileSum identifies a data file the run read.
type FileSum struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"` // lower-case hex
	Size   int64  `json:"size"`   // bytes
}

// WriteMeta writes m as indented JSON to dir/meta.json, atomically.
func WriteMeta(dir string, m *Meta) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Join(dir, MetaFile), err)
	}
	return WriteFileAtomic(filepath.Join(dir, MetaFile), append(data, '\n'))
}

// ReadMeta reads dir/meta.json. Unknown fields are ignored so that older
// binaries can read newer files; malformed JSON is an error naming the file.
func ReadMeta(dir string) (*Meta, error) {
	path := filepath.Join(dir, MetaFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := new(Meta)
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
