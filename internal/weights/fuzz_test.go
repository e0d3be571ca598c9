package weights

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/resexp/resexp/internal/fuzzcheck"
	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// FuzzParse feeds safetensors files to ReadFile and, when they parse, loads
// them into a small residual net with Load: the header length, the JSON
// header and every tensor's offsets must be checked against the file
// (no panic, no allocation beyond the input's size), and an error is one
// line. A seed corpus of real files is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	m := fuzzModel(f)
	for _, names := range []string{NamesPyTorch, NamesResexp} {
		sd, err := StateDict(m, names)
		if err != nil {
			f.Fatal(err)
		}
		b, err := Encode(sd, 7, map[string]string{"names": names})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<40))                                                                               // a header of 2^40 bytes claimed
	f.Add(append(binary.LittleEndian.AppendUint64(nil, 58), `{"a":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4]}}`...)) // 2^40 elements claimed
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "w.safetensors")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var file *File
		var err error
		fuzzcheck.Alloc(t, len(b), 16, func() { file, err = ReadFile(path) })
		if err != nil {
			fuzzcheck.NamesFile(t, err, path)
			return
		}
		fuzzcheck.Alloc(t, len(b), 16, func() { err = file.Load(m) })
		if err != nil {
			fuzzcheck.OneLine(t, err) // its callers name the file
		}
	})
}

// fuzzModel is the net FuzzParse loads into: resnet-8 on 1x8x8 inputs.
func fuzzModel(f *testing.F) *models.Model {
	m, err := models.Build(models.Spec{Depth: 8, Residual: true, Shortcut: "A", Norm: "batch", Activation: nn.ReLU,
		InC: 1, H: 8, W: 8, Classes: 2})
	if err != nil {
		f.Fatal(err)
	}
	return m
}
