package runfiles

import (
	"strconv"
	"strings"
)

// A repetition of a configuration with another seed is an ordinary run
// whose name is the configuration's name plus "-s<seed>" (SeedName). Runs
// whose names differ only by that suffix, and whose meta.json agree on the
// seed it names, are repetitions of one configuration: the results table
// and the figures pool them (ConfigName). A run named without the suffix
// (e.g. by a sweep without seeds) is never pooled.

// SeedName is the run name of the repetition of configuration config with
// seed seed: config + "-s" + seed, e.g. "plain-20-s3".
func SeedName(config string, seed uint64) string {
	return config + "-s" + strconv.FormatUint(seed, 10)
}

// ConfigName returns the name of the configuration m is a repetition of:
// m.Name without the "-s<seed>" suffix SeedName gives, when that suffix
// names m.Seed. ok is false for a run that is not a repetition.
func ConfigName(m *Meta) (config string, ok bool) {
	base, ok := strings.CutSuffix(m.Name, "-s"+strconv.FormatUint(m.Seed, 10))
	if !ok || base == "" {
		return "", false
	}
	return base, true
}
