package weights

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/nlpodyssey/safetensors"

	"github.com/resexp/resexp/internal/nn/models"
)

// Format is the "format" metadata value of the files Encode writes.
const Format = "resexp-weights/1"

// view is a tensor to serialise. Unlike safetensors.NewTensorView it
// accepts a scalar (shape []), and its Shape is never nil, so the header
// says "shape": [] as PyTorch's safetensors expects.
type view struct {
	dtype safetensors.DType
	shape []uint64
	data  []byte
}

func (v view) DType() safetensors.DType { return v.dtype }
func (v view) Shape() []uint64          { return v.shape }
func (v view) Data() []byte             { return v.data }
func (v view) DataLen() uint64          { return uint64(len(v.data)) }

// Encode returns the safetensors bytes of sd: float tensors as F32 with
// their shapes, num_batches_tracked entries as I64 scalars holding step.
// meta becomes the header's __metadata__, with "format" set to Format and
// "step" to step.
func Encode(sd []Tensor, step int64, meta map[string]string) ([]byte, error) {
	views := make(map[string]view, len(sd))
	for _, t := range sd {
		v := view{dtype: safetensors.F32, shape: []uint64{}}
		for _, s := range t.Shape {
			v.shape = append(v.shape, uint64(s))
		}
		if t.Counter() {
			v.dtype, v.data = safetensors.I64, binary.LittleEndian.AppendUint64(nil, uint64(step))
		} else {
			v.data = F32Bytes(t.Data)
		}
		views[t.Name] = v
	}
	md := map[string]string{}
	for k, v := range meta {
		md[k] = v
	}
	md["format"], md["step"] = Format, strconv.FormatInt(step, 10)
	return safetensors.Serialize(views, md)
}

// File is a parsed weights file.
type File struct {
	Path  string
	Names string // NamesPyTorch, or NamesResexp if the metadata says so
	Step  int    // the metadata's "step", 0 if absent
	st    safetensors.SafeTensors
}

// ReadFile reads and parses the safetensors file at path. Its error is one
// line naming the file and what is wrong with it.
func ReadFile(path string) (*File, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	f.Path = path
	return f, nil
}

// Parse parses the bytes of a safetensors file. A short, truncated or
// malformed file is an error saying which.
func Parse(buf []byte) (*File, error) {
	if err := checkHeader(buf); err != nil {
		return nil, err
	}
	_, md, err := safetensors.ReadMetadata(buf)
	if err != nil {
		return nil, fmt.Errorf("not a valid safetensors file: %s", oneLine(err.Error()))
	}
	st, err := safetensors.Deserialize(buf)
	if err != nil {
		return nil, fmt.Errorf("not a valid safetensors file: %s", oneLine(err.Error()))
	}
	f := &File{Names: NamesPyTorch, st: st}
	meta := md.Metadata()
	if meta["names"] == NamesResexp {
		f.Names = NamesResexp
	}
	f.Step, _ = strconv.Atoi(meta["step"])
	return f, nil
}

// checkHeader checks the 8-byte header length and that the JSON header it
// announces is in the file and is a JSON object.
func checkHeader(buf []byte) error {
	if len(buf) < 8 {
		return fmt.Errorf("not a safetensors file: %d bytes, shorter than the 8-byte header length", len(buf))
	}
	n := binary.LittleEndian.Uint64(buf)
	switch {
	case n > uint64(len(buf)-8):
		return fmt.Errorf("not a safetensors file, or truncated: the header length says %d bytes, the file has %d after it", n, len(buf)-8)
	case n < 2 || buf[8] != '{':
		return fmt.Errorf("not a safetensors file: the header does not start with a JSON object")
	case !json.Valid(buf[8 : 8+n]):
		return fmt.Errorf("not a safetensors file: its %d-byte header is not valid JSON", n)
	}
	return nil
}

// Load checks that f holds exactly the tensors of m's state dict (in f's
// naming scheme) with their shapes and F32 dtype, then copies them into m.
// num_batches_tracked entries are optional and, if present, must be I64
// scalars; their values are ignored. On error m is unchanged and the
// error, one line, names the first tensor that does not fit and what was
// expected.
func (f *File) Load(m *models.Model) error {
	sd, err := StateDict(m, f.Names)
	if err != nil {
		return fmt.Errorf("%s names: %v", f.Names, err)
	}
	if err := f.check(sd); err != nil {
		return fmt.Errorf("%v, for %s%s", err, m.Spec.Label(), f.depthHint(m.Spec))
	}
	for _, t := range sd {
		if !t.Counter() {
			v, _ := f.st.Tensor(t.Name)
			ReadF32(t.Data, v.Data())
		}
	}
	return nil
}

// check returns an error for the first tensor of sd that f lacks or holds
// with another dtype or shape, or for the first tensor f holds beyond sd.
func (f *File) check(sd []Tensor) error {
	want := map[string]bool{}
	for _, t := range sd {
		want[t.Name] = true
		v, ok := f.st.Tensor(t.Name)
		dtype := safetensors.F32
		if t.Counter() {
			if !ok {
				continue
			}
			dtype = safetensors.I64
		}
		switch {
		case !ok:
			return fmt.Errorf("tensor %s is missing (want %v %v)", t.Name, dtype, t.Shape)
		case v.DType() != dtype || !sameShape(v.Shape(), t.Shape):
			return fmt.Errorf("tensor %s is %v %v, want %v %v", t.Name, v.DType(), v.Shape(), dtype, t.Shape)
		}
	}
	names := f.st.Names()
	slices.Sort(names)
	for _, name := range names {
		if !want[name] {
			return fmt.Errorf("tensor %s is not a tensor of the model", name)
		}
	}
	return nil
}

// depthHint says how many blocks per stage the file holds when that
// differs from s's, the usual cause of a mismatch.
func (f *File) depthHint(s models.Spec) string {
	n, err := models.StageBlocks(s.BlockKind(), s.Depth)
	if err != nil {
		return ""
	}
	got := f.blocks()
	if got == 0 || got%3 != 0 || got/3 == n {
		return ""
	}
	per := 6
	if s.BlockKind() == models.Bottleneck {
		per = 9
	}
	return fmt.Sprintf(" (the file holds %d blocks per stage: depth %d; the config builds %d: depth %d)", got/3, per*got/3+2, n, s.Depth)
}

// blocks counts the distinct blocks the file's tensor names mention.
func (f *File) blocks() int {
	seen := map[string]bool{}
	for _, name := range f.st.Names() {
		p := strings.SplitN(name, ".", 3)
		if len(p) == 3 && (p[0] == "layers" || strings.HasPrefix(p[0], "stage")) {
			seen[p[0]+"."+p[1]] = true
		}
	}
	return len(seen)
}

func sameShape(got []uint64, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		if g != uint64(want[i]) {
			return false
		}
	}
	return true
}

// F32Bytes returns xs as safetensors F32 data: little-endian IEEE 754.
func F32Bytes(xs []float32) []byte {
	b := make([]byte, 0, 4*len(xs))
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// ReadF32 decodes len(dst) little-endian float32 values from b into dst.
func ReadF32(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
