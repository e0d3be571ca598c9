package experiments

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/resexp/resexp/internal/runfiles"
)

// Repetitions of a sweep's grid with several seeds: a sweep file's seeds:
// (a list of seeds, or a count n for 1..n) or resexp sweep --seeds N.

// seedsHint is what every message about bad seeds says is expected.
const seedsHint = "expected a list of distinct positive integers, e.g. seeds: [1, 2, 3], or a count, e.g. seeds: 5 for seeds 1 to 5"

// ParseSeeds reads the value of a sweep file's seeds: key (n; nil or an
// empty node when the key is absent, which gives no seeds). An empty list,
// a count below 1 or above MaxSweepRuns, a seed below 1, a repeated seed or a value that is not
// an integer is an InputError naming path, the line and the key.
func ParseSeeds(path string, n *yaml.Node) ([]uint64, error) {
	if n == nil || n.Kind == 0 {
		return nil, nil
	}
	bad := func(format string, args ...any) error {
		return BadInput(fmt.Errorf("sweep file %s: line %d: seeds: %s; %s", path, n.Line, fmt.Sprintf(format, args...), seedsHint))
	}
	switch n.Kind {
	case yaml.ScalarNode:
		count, err := seedInt(n)
		if err != nil || count < 1 {
			return nil, bad("%q is not a count of at least 1", n.Value)
		}
		if count > MaxSweepRuns {
			return nil, bad("%d seeds are more than the %d runs a sweep may have", count, MaxSweepRuns)
		}
		return SeedRange(int(count)), nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, bad("the list is empty")
		}
		return seedList(n.Content, bad)
	}
	return nil, bad("neither a list nor a count")
}

// seedList reads the items of a seeds: list.
func seedList(items []*yaml.Node, bad func(string, ...any) error) ([]uint64, error) {
	var seeds []uint64
	seen := map[int64]bool{}
	for _, item := range items {
		s, err := seedInt(item)
		switch {
		case err != nil || s < 1:
			return nil, bad("%q is not a positive integer", item.Value)
		case seen[s]:
			return nil, bad("seed %d is listed twice", s)
		}
		seen[s] = true
		seeds = append(seeds, uint64(s))
	}
	return seeds, nil
}

// seedInt reads an integer scalar; "1.5", "true" or "abc" are errors.
func seedInt(n *yaml.Node) (int64, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, fmt.Errorf("not an integer")
	}
	return strconv.ParseInt(n.Value, 0, 64)
}

// SeedRange returns the seeds 1..n.
func SeedRange(n int) []uint64 {
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return seeds
}

// WithSeeds crosses runs with seeds: every run once per seed, named
// runfiles.SeedName(name, seed) with its config's seed set. A run's
// repetitions are consecutive (plain-20-s1, plain-20-s2, ..., then
// resnet-20-s1, ...), so that sharding, which deals runs out in turn,
// spreads the repetitions of each configuration over the shards. No seeds
// leaves runs as they are.
func WithSeeds(runs []SweepRun, seeds []uint64) []SweepRun {
	if len(seeds) == 0 {
		return runs
	}
	out := make([]SweepRun, 0, len(runs)*len(seeds))
	for _, r := range runs {
		for _, seed := range seeds {
			rep := r
			rep.Name = runfiles.SeedName(r.Name, seed)
			rep.Cfg.Seed, rep.Cfg.Name = seed, rep.Name
			out = append(out, rep)
		}
	}
	return out
}
