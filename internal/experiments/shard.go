package experiments

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Shard is the part of a grid one process runs: the runs i with
// i%N == I. The zero value is not valid; NoShard is the whole grid.
type Shard struct{ I, N int }

// NoShard is the whole grid.
var NoShard = Shard{I: 0, N: 1}

// Of returns the indices of the runs among n that belong to s, in order.
func (s Shard) Of(n int) []int {
	var mine []int
	for i := s.I; i < n; i += s.N {
		mine = append(mine, i)
	}
	return mine
}

// ParseShard reads a shard given as "I/N" (0 <= I < N) in the flag --shard;
// an empty spec takes the shard from the job-array environment, read with
// lookupEnv (os.LookupEnv): a Slurm array task (SLURM_ARRAY_TASK_ID minus
// SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed
// job (JOB_COMPLETION_INDEX of RESEXP_SHARDS); NoShard when neither is
// set. A malformed or out-of-range shard is an InputError naming the flag
// or variable.
func ParseShard(spec string, lookupEnv func(string) (string, bool)) (Shard, error) {
	if spec == "" {
		return shardFromEnv(lookupEnv)
	}
	i, n, ok := strings.Cut(spec, "/")
	si, err1 := strconv.Atoi(i)
	sn, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || sn < 1 || si < 0 || si >= sn {
		return Shard{}, BadInput(fmt.Errorf("--shard %q: expected I/N with 0 <= I < N, e.g. --shard 0/4", spec))
	}
	return Shard{I: si, N: sn}, nil
}

func shardFromEnv(lookupEnv func(string) (string, bool)) (Shard, error) {
	env := func(k string) (int, bool, error) {
		v, ok := lookupEnv(k)
		if !ok {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, BadInput(fmt.Errorf("environment %s=%q: expected an integer", k, v))
		}
		return n, true, nil
	}
	if id, ok, err := env("SLURM_ARRAY_TASK_ID"); ok || err != nil {
		count, _, err2 := env("SLURM_ARRAY_TASK_COUNT")
		lo, _, err3 := env("SLURM_ARRAY_TASK_MIN")
		if err := errors.Join(err, err2, err3); err != nil {
			return Shard{}, err
		}
		return checkShard("SLURM_ARRAY_TASK_ID", id-lo, count)
	}
	if id, ok, err := env("JOB_COMPLETION_INDEX"); ok || err != nil {
		count, _, err2 := env("RESEXP_SHARDS")
		if err := errors.Join(err, err2); err != nil {
			return Shard{}, err
		}
		return checkShard("JOB_COMPLETION_INDEX", id, count)
	}
	return NoShard, nil
}

func checkShard(src string, i, n int) (Shard, error) {
	if n < 1 || i < 0 || i >= n {
		return Shard{}, BadInput(fmt.Errorf("%s gives shard %d of %d; expected 0 <= shard < count (set the job array's count variable)", src, i, n))
	}
	return Shard{I: i, N: n}, nil
}
