package experiments

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/resexp/resexp/internal/nn/models"
)

// The memory model of a net: what a process training or evaluating it at
// a batch size holds at its peak, fitted to the peak RSS of `resexp train`
// (3 iterations, synthetic set) measured with /usr/bin/time -v: resnet-20
// at batch 32 and 128 and resnet-56 at 128 fix the coefficients; resnet-110
// at 128 and resnet-20 at 8 check them (within 0.2%; README, Reliability).
// Activations are counted as the output elements of the convolutions per
// image (models.Row), the widest of them for the buffers reused across
// layers (im2col scratch, pooled gradients).
const (
	memProcess      = 28_900_000 // runtime, binary and fixed buffers
	memPerParam     = 16         // weight, gradient, momentum and a transposed copy, float32 each
	memTrainPerAct  = 8.47       // bytes per conv output element per image kept for backward
	memTrainPerWide = 33.5       // bytes per element of the widest conv output per image (workspace)
	memEvalPerAct   = 7.8        // bytes per conv output element per image in an inference pass (chosen from resexp eval's peak RSS, resnet-20/56/110 at 128)
)

// Memory is the estimated peak memory of a process training or
// evaluating a net at batch size Batch, in bytes, without the data set
// (Data is added by whoever knows its size).
type Memory struct {
	Batch       int
	Train, Eval int64
	perImage    int64 // what one more image of batch adds to Train
}

// EstimateMemory returns the memory model's estimate for m at batch size
// batch (see the constants above).
func EstimateMemory(m *models.Model, batch int) Memory {
	var acts, widest int64
	for _, r := range m.Table {
		if strings.HasPrefix(r.Type, "conv") {
			n := int64(r.Shape[0] * r.Shape[1] * r.Shape[2])
			acts += n
			widest = max(widest, n)
		}
	}
	fixed := int64(memProcess + memPerParam*m.NumParams())
	per := int64(memTrainPerAct*float64(acts) + memTrainPerWide*float64(widest))
	return Memory{Batch: batch, Train: fixed + int64(batch)*per,
		Eval: fixed + int64(float64(batch)*memEvalPerAct*float64(acts)), perImage: per}
}

// largestBatch is the largest batch size whose training estimate plus
// extra bytes fits in limit bytes; 0 if none does.
func (mem Memory) largestBatch(limit, extra int64) int {
	fixed := mem.Train - int64(mem.Batch)*mem.perImage + extra
	if limit <= fixed {
		return 0
	}
	return int((limit - fixed) / mem.perImage)
}

// MemoryLimit is the memory this process may use, in bytes, and where
// that figure comes from: the smaller of the cgroup's limit less what the
// rest of the cgroup uses (cgroup v2 memory.max and memory.current, or v1
// memory.limit_in_bytes and memory.usage_in_bytes) and MemAvailable of
// /proc/meminfo, each plus this process's resident memory (VmRSS), which
// is already in use by it. ok is false where neither can be read.
//
// The environment variable MemLimitEnv, a number of bytes, replaces both
// (to keep a run well below the machine's memory, and for tests); a value
// that is not a positive integer is an InputError.
func MemoryLimit() (limit int64, source string, ok bool, err error) {
	if v, set := os.LookupEnv(MemLimitEnv); set {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 1 {
			return 0, "", false, BadInput(fmt.Errorf("environment %s=%q: expected a number of bytes, e.g. %s=8000000000", MemLimitEnv, v, MemLimitEnv))
		}
		return n, "environment " + MemLimitEnv, true, nil
	}
	self := procStatusKB("/proc/self/status", "VmRSS:") * 1024
	if avail := procStatusKB("/proc/meminfo", "MemAvailable:"); avail > 0 {
		limit, source, ok = avail*1024+self, "MemAvailable in /proc/meminfo", true
	}
	for _, f := range [][2]string{{"memory.max", "memory.current"}, {"memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes"}} {
		max, err1 := readInt("/sys/fs/cgroup/" + f[0])
		cur, err2 := readInt("/sys/fs/cgroup/" + f[1])
		if err1 != nil || err2 != nil || max <= 0 || max >= 1<<60 {
			continue
		}
		if l := max - cur + self; !ok || l < limit {
			limit, source, ok = l, "the cgroup's limit, /sys/fs/cgroup/"+f[0]+", less its other use", true
		}
		break
	}
	return limit, source, ok, nil
}

// MemLimitEnv names the environment variable that sets MemoryLimit.
const MemLimitEnv = "RESEXP_MEM_LIMIT"

// readInt reads a file holding one integer ("max" is an error).
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
}

// procStatusKB returns the kB value of the line starting with key in a
// /proc file (/proc/meminfo, /proc/self/status), 0 if there is none.
func procStatusKB(path, key string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}

// checkMemory refuses, as an InputError, a run whose estimated training
// memory (EstimateMemory plus the data sets held) exceeds MemoryLimit,
// naming the need, the limit and the largest batch size that fits. It runs
// after the data is loaded and the model built, before the activations
// are allocated.
func (t *Trainer) checkMemory() error {
	limit, source, ok, err := MemoryLimit()
	if !ok {
		return err
	}
	data := int64(len(t.train.Images) + len(t.train.Labels) + len(t.test.Images) + len(t.test.Labels))
	if t.val != nil {
		data += int64(len(t.val.Images) + len(t.val.Labels))
	}
	mem := EstimateMemory(t.Model, t.Cfg.Train.BatchSize)
	need := mem.Train + data
	if need <= limit {
		return nil
	}
	fits := "no batch size fits"
	if b := mem.largestBatch(limit, data); b > 0 {
		fits = fmt.Sprintf("the largest batch size that fits is %d", b)
	}
	return BadInput(KeyErrorf("train.batch_size", "%d: training %s needs about %s (estimate, data sets included), more than the %s available (%s); %s; lower train.batch_size, or pass --force-memory to try anyway",
		t.Cfg.Train.BatchSize, t.Model.Spec.Label(), FormatBytes(need), FormatBytes(limit), source, fits))
}

// FormatBytes formats n bytes in MiB below 1 GiB, else in GiB.
func FormatBytes(n int64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
