package runfiles

import (
	"strconv"
	"strings"
)

// A repetition of a configuration with another seed is an ordinary run
// whose name is the configuration's name plus "-s<seed>" (SeedName). Runs
// whose names differ only by that suffix, and whose meta.json agree on the
// seed it names, are repetitions of one configuration: the results table
// and the figures pool them (ConfigName).

// SeedName is the run name of the repetition of configuration config with
// seed seed: config + "-s" + seed, e.g. "plain-20-s3".
func SeedName(config string, seed uint64) string {
	return config + "-s" + strconv.FormatUint(seed, 10)
}

// ConfigName returns the name of the configuration m is a run of: m.Name
// without the "-s<seed>" suffix SeedName gives, when that suffix names
// m.Seed; otherwise m.Name itself (a run that is not a repetition).
func ConfigName(m *Meta) string {
	if base, ok := strings.CutSuffix(m.Name, "-s"+strconv.FormatUint(m.Seed, 10)); ok && base != "" {
		return base
	}
	return m.Name
}
