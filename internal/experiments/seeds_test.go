package experiments

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func seedsNode(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc struct {
		Seeds yaml.Node `yaml:"seeds"`
	}
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return &doc.Seeds
}

// TestParseSeeds checks the two forms of seeds: and that every bad value
// is an InputError naming the key.
func TestParseSeeds(t *testing.T) {
	for src, want := range map[string][]uint64{"seeds: [3, 1, 7]": {3, 1, 7}, "seeds: 3": {1, 2, 3}, "other: 1": nil} {
		got, err := ParseSeeds("s.yaml", seedsNode(t, src))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseSeeds(%s) = %v, %v; want %v", src, got, err, want)
		}
	}
	for _, src := range []string{"seeds: []", "seeds: 0", "seeds: -2", "seeds: [1, -1]", "seeds: [1, 2, 1]", "seeds: 1.5", "seeds: [1, x]", "seeds: {a: 1}", "seeds: [0]"} {
		_, err := ParseSeeds("s.yaml", seedsNode(t, src))
		if !IsBadInput(err) || !strings.Contains(err.Error(), "sweep file s.yaml: line 1: seeds:") {
			t.Errorf("ParseSeeds(%s) = %v; want an InputError naming the file, line and key", src, err)
		}
	}
}

// TestWithSeeds checks the names, the seeds and the order (a run's
// repetitions together).
func TestWithSeeds(t *testing.T) {
	runs := []SweepRun{{Name: "plain-8"}, {Name: "resnet-8"}}
	got := WithSeeds(runs, []uint64{1, 2})
	var names []string
	for _, r := range got {
		names = append(names, r.Name)
		if r.Cfg.Name != r.Name || !strings.HasSuffix(r.Name, "-s"+string(rune('0'+r.Cfg.Seed))) {
			t.Errorf("run %s has config name %q and seed %d", r.Name, r.Cfg.Name, r.Cfg.Seed)
		}
	}
	if want := []string{"plain-8-s1", "plain-8-s2", "resnet-8-s1", "resnet-8-s2"}; !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if runs[0].Name != "plain-8" || len(WithSeeds(runs, nil)) != 2 {
		t.Error("WithSeeds changed its input or crossed with no seeds")
	}
}
