package optim

import "github.com/resexp/resexp/internal/nn"

// SGD is stochastic gradient descent with momentum and L2 weight decay, with
// PyTorch's update rule (torch.optim.SGD):
//
//	g = grad + WeightDecay*w
//	v = Momentum*v + g
//	w -= lr * v                (Nesterov: w -= lr * (g + Momentum*v))
//
// Weight decay applies to every parameter, as in the reference nets.
type SGD struct {
	Params      []*nn.Param
	Momentum    float32
	WeightDecay float32
	Nesterov    bool
	// Velocity holds one buffer per parameter (the optimiser state a
	// checkpoint must save).
	Velocity [][]float32
}

// NewSGD returns an optimiser over params with zero velocity.
func NewSGD(params []*nn.Param, momentum, weightDecay float32, nesterov bool) *SGD {
	v := make([][]float32, len(params))
	for i, p := range params {
		v[i] = make([]float32, len(p.Data))
	}
	return &SGD{Params: params, Momentum: momentum, WeightDecay: weightDecay, Nesterov: nesterov, Velocity: v}
}

// Step applies one update with learning rate lr, reading each Param's Grad.
// It does not modify the gradients.
func (o *SGD) Step(lr float32) {
	for i, p := range o.Params {
		o.update(p.Data, p.Grad, o.Velocity[i], lr)
	}
}

func (o *SGD) update(w, grad, v []float32, lr float32) {
	mu, wd := o.Momentum, o.WeightDecay
	v = v[:len(w)]
	grad = grad[:len(w)]
	for j := range w {
		g := grad[j] + wd*w[j]
		v[j] = mu*v[j] + g
		if o.Nesterov {
			w[j] -= lr * (g + mu*v[j])
		} else {
			w[j] -= lr * v[j]
		}
	}
}
