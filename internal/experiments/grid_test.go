package experiments

import (
	"fmt"
	"slices"
	"testing"
)

// TestPoints checks that the grid is the product of its axes, first axis
// slowest, each point naming its keys in axis order.
func TestPoints(t *testing.T) {
	axes := []GridAxis{{Key: "model.depth", Values: []any{8, 14}}, {Key: "train.lr", Values: []any{0.1, 0.05, 0.01}}}
	var got []string
	for _, p := range Points(axes) {
		got = append(got, fmt.Sprint(p))
	}
	want := []string{
		"[{model.depth 8} {train.lr 0.1}]", "[{model.depth 8} {train.lr 0.05}]", "[{model.depth 8} {train.lr 0.01}]",
		"[{model.depth 14} {train.lr 0.1}]", "[{model.depth 14} {train.lr 0.05}]", "[{model.depth 14} {train.lr 0.01}]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Points = %v, want %v", got, want)
	}
}

// TestShardOf checks that shards split runs round-robin, every run in
// exactly one shard.
func TestShardOf(t *testing.T) {
	for _, tc := range []struct {
		s    Shard
		n    int
		want []int
	}{{NoShard, 3, []int{0, 1, 2}}, {Shard{0, 2}, 5, []int{0, 2, 4}}, {Shard{1, 2}, 5, []int{1, 3}}, {Shard{3, 4}, 3, nil}} {
		if got := tc.s.Of(tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("%v.Of(%d) = %v, want %v", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestParseShard checks the flag and the job-array environment, and that a
// bad shard is refused as bad input naming its source.
func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	for _, tc := range []struct {
		flag string
		env  func(string) (string, bool)
		want Shard
		err  string
	}{
		{"", env(), NoShard, ""},
		{"1/3", env("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "2"), Shard{1, 3}, ""},
		{"", env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "2", "SLURM_ARRAY_TASK_MIN", "3"), Shard{1, 2}, ""},
		{"", env("JOB_COMPLETION_INDEX", "2", "RESEXP_SHARDS", "3"), Shard{2, 3}, ""},
		{"3/3", env(), Shard{}, `--shard "3/3": expected I/N with 0 <= I < N, e.g. --shard 0/4`},
		{"", env("SLURM_ARRAY_TASK_ID", "x"), Shard{}, `environment SLURM_ARRAY_TASK_ID="x": expected an integer`},
		{"", env("JOB_COMPLETION_INDEX", "0"), Shard{}, "JOB_COMPLETION_INDEX gives shard 0 of 0; expected 0 <= shard < count (set the job array's count variable)"},
	} {
		got, err := ParseShard(tc.flag, tc.env)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err || !IsBadInput(err)):
			t.Errorf("ParseShard(%q) error = %v, want bad input %q", tc.flag, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseShard(%q) = %v, %v, want %v", tc.flag, got, err, tc.want)
		}
	}
}
