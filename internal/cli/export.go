package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/runfiles"
	"github.com/resexp/resexp/internal/weights"
)

type exportOptions struct {
	out   string
	names string
}

func newExportCmd() *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:   "export RUN_DIR [-o FILE] [--names pytorch|resexp]",
		Short: "Write a run's weights and BatchNorm statistics as a PyTorch-compatible safetensors file",
		Long: `Write the weights and BatchNorm statistics of a run's checkpoint as a safetensors file.
With --names pytorch (the default) the tensors have the names, shapes and layouts of the
state_dict() of bench/pytorch/resnet_cifar.py's CifarResNet for the same depth and shortcut
(a plain net is shortcut='plain'), so that in Python

    model.load_state_dict(safetensors.torch.load_file(FILE))

loads them; num_batches_tracked holds the run's step. Nets the reference cannot express
(bottleneck, pre-activation, norm none, tanh or sigmoid) need --names resexp:
resexp's own layer names, readable by train --init-weights, eval --weights and probe.`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return o.run(c, args[0]) },
	}
	c.Flags().StringVarP(&o.out, "out", "o", "", "output file (default RUN_DIR/weights.safetensors)")
	c.Flags().StringVar(&o.names, "names", weights.NamesPyTorch, "tensor names: pytorch (resnet_cifar.py's CifarResNet) or resexp")
	return c
}

func (o *exportOptions) run(c *cobra.Command, dir string) error {
	if o.names != weights.NamesPyTorch && o.names != weights.NamesResexp {
		return &usageError{msg: fmt.Sprintf("export: --names %q is not one of pytorch, resexp", o.names)}
	}
	run, err := experiments.OpenRun(dir)
	if err != nil {
		return err
	}
	e, err := run.Export(o.names)
	if err != nil {
		return err
	}
	out := o.out
	if out == "" {
		out = filepath.Join(dir, experiments.ExportedWeights)
	}
	if err := runfiles.WriteFileAtomic(out, e.Bytes); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	w := c.OutOrStdout()
	fmt.Fprintf(w, "wrote %s: %s weights of run %s at step %d, %s names\n", out, e.Label, dir, e.Step, o.names)
	if e.PyTorch != "" {
		fmt.Fprintf(w, "load with: resnet_cifar.%s.load_state_dict(safetensors.torch.load_file(%q))\n", e.PyTorch, out)
	}
	return nil
}
