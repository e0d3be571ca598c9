// Package k8s_test checks deploy/k8s/sweep-job.yaml, the Kubernetes Indexed
// Job that runs a resexp sweep one shard per pod.
package k8s_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/resexp/resexp/internal/asresexp"
)

// TestMain lets the test binary run the pods' command lines as resexp.
func TestMain(m *testing.M) { asresexp.Main(m) }

// The parts of a Kubernetes manifest the test reads.
type (
	object struct {
		Kind     string
		Metadata struct{ Name string }
		Spec     jobSpec
	}
	jobSpec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    *int
		Parallelism    *int
		Template       struct{ Spec podSpec }
	}
	podSpec struct {
		Containers []container
		Volumes    []struct {
			Name                  string
			PersistentVolumeClaim *struct {
				ClaimName string `yaml:"claimName"`
			} `yaml:"persistentVolumeClaim"`
		}
	}
	container struct {
		Name         string
		Command      []string
		Env          []envVar
		VolumeMounts []mount `yaml:"volumeMounts"`
	}
	mount struct {
		Name      string
		MountPath string `yaml:"mountPath"`
	}
	envVar struct {
		Name, Value string
		ValueFrom   *struct {
			FieldRef *struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	}
)

// indexAnnotation is where Kubernetes puts an Indexed Job pod's index.
const indexAnnotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']"

// readManifest decodes every document of the manifest.
func readManifest(t *testing.T) []object {
	t.Helper()
	f, err := os.Open("sweep-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var objs []object
	dec := yaml.NewDecoder(f)
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("sweep-job.yaml: document %d: %v", len(objs)+1, err)
		}
		objs = append(objs, o)
	}
}

// sweepContainer returns the Job and its container that runs resexp sweep.
func sweepContainer(t *testing.T, objs []object) (object, container) {
	t.Helper()
	for _, o := range objs {
		if o.Kind != "Job" {
			continue
		}
		for _, c := range o.Spec.Template.Spec.Containers {
			if len(c.Command) >= 3 && c.Command[0] == "resexp" && c.Command[1] == "sweep" {
				return o, c
			}
		}
	}
	t.Fatal("sweep-job.yaml: no Job with a container running resexp sweep FILE")
	return object{}, container{}
}

// TestIndexedJobShape checks that the Job is Indexed, that completions and
// parallelism equal RESEXP_SHARDS, that JOB_COMPLETION_INDEX (if the
// container sets it) comes from the pod's completion-index annotation, that
// the sweep folder is on a PersistentVolumeClaim the manifest declares, and
// that the sweep file is one of the repository's configs.
func TestIndexedJobShape(t *testing.T) {
	objs := readManifest(t)
	job, c := sweepContainer(t, objs)
	if job.Spec.CompletionMode != "Indexed" {
		t.Errorf("completionMode %q, want Indexed", job.Spec.CompletionMode)
	}
	shards := shardCount(t, c)
	if job.Spec.Completions == nil || *job.Spec.Completions != shards {
		t.Errorf("completions %v, want RESEXP_SHARDS = %d", ptrString(job.Spec.Completions), shards)
	}
	if job.Spec.Parallelism == nil || *job.Spec.Parallelism != shards {
		t.Errorf("parallelism %v, want RESEXP_SHARDS = %d", ptrString(job.Spec.Parallelism), shards)
	}
	for _, e := range c.Env {
		if e.Name == "JOB_COMPLETION_INDEX" && (e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != indexAnnotation) {
			t.Errorf("JOB_COMPLETION_INDEX is not taken from %s", indexAnnotation)
		}
	}
	out := flagValue(c.Command, "--out")
	if claim := claimOf(job, c, out); claim == "" || !declaresClaim(objs, claim) {
		t.Errorf("--out %q is not on a PersistentVolumeClaim declared in the manifest (claim %q)", out, claim)
	}
	if _, err := os.Stat(filepath.Join("..", "..", c.Command[2])); err != nil {
		t.Errorf("sweep file %s is not in the repository: %v", c.Command[2], err)
	}
}

// TestShardsReachSweep runs the container's command line for every index,
// with its environment and JOB_COMPLETION_INDEX as Kubernetes sets it, on
// the smoke sweep (the manifest's sweep file and --out replaced), and checks
// that pod I prints "shard I/N" with N = completions, and that the pods
// together train every grid point exactly once.
func TestShardsReachSweep(t *testing.T) {
	job, c := sweepContainer(t, readManifest(t))
	n := *job.Spec.Completions
	out := t.TempDir()
	args := slices.Clone(c.Command[1:])
	args[1] = filepath.Join("..", "..", "configs", "smoke-sweep.yaml")
	if i := slices.Index(args, "--out"); i >= 0 && i+1 < len(args) {
		args[i+1] = out
	} else {
		args = append(args, "--out", out)
	}
	seen := map[string]int{}
	for i := range n {
		stdout := runPod(t, c, i, args)
		if want := fmt.Sprintf("shard %d/%d", i, n); !bytes.Contains(stdout, []byte(want)) {
			t.Errorf("pod %d: output has no %q:\n%s", i, want, stdout)
		}
		for _, m := range regexp.MustCompile(`(?m)^\[\d+/\d+\] (\S+): `).FindAllSubmatch(stdout, -1) {
			if _, ok := seen[string(m[1])]; !ok {
				seen[string(m[1])] = i
			}
		}
	}
	runs, _ := filepath.Glob(filepath.Join(out, "*", "metrics.csv"))
	if len(runs) != 2 || len(seen) != 2 {
		t.Errorf("%d run folders, %d runs logged (%v); the smoke sweep has 2 grid points", len(runs), len(seen), seen)
	}
}

// runPod runs args as resexp with c's environment and the index i, and
// returns its standard output; a non-zero exit fails the test.
func runPod(t *testing.T, c container, i int, args []string) []byte {
	t.Helper()
	cmd := exec.Command(asresexp.Path(), args...)
	// What Kubernetes sets in every Indexed Job pod; the container's own
	// env entries come after it and win.
	cmd.Env = append(os.Environ(), asresexp.Env(), "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == indexAnnotation:
			cmd.Env = append(cmd.Env, e.Name+"="+strconv.Itoa(i))
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("pod %d: resexp %v: %v\n%s%s", i, args, err, stdout, stderr.Bytes())
	}
	return stdout
}

// shardCount is the container's RESEXP_SHARDS.
func shardCount(t *testing.T, c container) int {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == "RESEXP_SHARDS" {
			n, err := strconv.Atoi(e.Value)
			if err != nil || n < 1 {
				t.Fatalf("RESEXP_SHARDS %q: want a positive integer", e.Value)
			}
			return n
		}
	}
	t.Fatal("the sweep container sets no RESEXP_SHARDS")
	return 0
}

// flagValue is the value after flag in args, or "".
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// claimOf is the PersistentVolumeClaim mounted at or above path in c, or "".
func claimOf(job object, c container, path string) string {
	for _, m := range c.VolumeMounts {
		rel, err := filepath.Rel(m.MountPath, path)
		if err != nil || rel == ".." || len(rel) > 2 && rel[:3] == "../" {
			continue
		}
		for _, v := range job.Spec.Template.Spec.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				return v.PersistentVolumeClaim.ClaimName
			}
		}
	}
	return ""
}

// declaresClaim reports whether objs hold a PersistentVolumeClaim named name.
func declaresClaim(objs []object, name string) bool {
	return slices.ContainsFunc(objs, func(o object) bool { return o.Kind == "PersistentVolumeClaim" && o.Metadata.Name == name })
}

func ptrString(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}
