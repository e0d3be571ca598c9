package nn

import "math"

// SoftmaxCrossEntropy is the mean cross-entropy of softmax(logits) against
// integer labels, for logits [N, K, 1, 1] (any [N, C, H, W] is read as
// [N, C*H*W]):
//
//	loss = (1/N) Σ_n (log Σ_k exp(z[n, k]) - z[n, label[n]])
//
// computed with a max-shifted log-sum-exp in float64. Backward returns
// dLoss/dz = (softmax(z) - onehot(label)) / N. A non-finite logit makes the
// loss non-finite; it is reported, not hidden.
type SoftmaxCrossEntropy struct {
	prob    *Tensor // softmax of the latest logits, [N, K, 1, 1]
	shape   [4]int  // shape of the latest logits
	labels  []uint8
	dlogits *Tensor
}

// NewSoftmaxCrossEntropy returns the loss layer.
func NewSoftmaxCrossEntropy() *SoftmaxCrossEntropy { return &SoftmaxCrossEntropy{} }

// Forward returns the mean cross-entropy of logits against labels and the
// number of samples whose first maximal logit is not the label (a sample
// with a NaN loss counts as wrong). It panics unless len(labels) == N and
// every label is below K.
func (l *SoftmaxCrossEntropy) Forward(logits *Tensor, labels []uint8) (loss float64, wrong int) {
	n, k := logits.N, logits.Size()
	if len(labels) != n {
		panic("nn: SoftmaxCrossEntropy: len(labels) differs from the batch size")
	}
	l.prob = ensure(l.prob, n, k, 1, 1)
	l.shape = logits.Shape()
	l.labels = append(l.labels[:0], labels...)
	for i, y := range labels {
		if int(y) >= k {
			panic("nn: SoftmaxCrossEntropy: label out of range")
		}
		z := logits.Data[i*k : (i+1)*k]
		li, arg := softmaxRow(l.prob.Data[i*k:(i+1)*k], z, int(y))
		loss += li
		if arg != int(y) || math.IsNaN(li) {
			wrong++
		}
	}
	return loss / float64(n), wrong
}

// softmaxRow writes softmax(z) to p and returns the cross-entropy
// lse(z) - z[y] and the index of the first maximal logit.
func softmaxRow(p, z []float32, y int) (loss float64, arg int) {
	m := float64(z[0])
	for j, v := range z {
		if float64(v) > m {
			m, arg = float64(v), j
		}
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	lse := m + math.Log(s)
	for j, v := range z {
		p[j] = float32(math.Exp(float64(v) - lse))
	}
	return lse - float64(z[y]), arg
}

// Backward returns dLoss/dlogits = (softmax - onehot)/N for the latest
// Forward, shaped like its logits.
func (l *SoftmaxCrossEntropy) Backward() *Tensor {
	if l.prob == nil {
		panic("nn: SoftmaxCrossEntropy: Backward before Forward")
	}
	s := l.shape
	l.dlogits = ensure(l.dlogits, s[0], s[1], s[2], s[3])
	k := l.prob.C
	inv := 1 / float32(s[0])
	for i, y := range l.labels {
		d, p := l.dlogits.Data[i*k:(i+1)*k], l.prob.Data[i*k:(i+1)*k]
		for j, v := range p {
			d[j] = v * inv
		}
		d[y] = (p[y] - 1) * inv
	}
	return l.dlogits
}
