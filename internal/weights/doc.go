// Package weights moves a model's weights and BatchNorm statistics in and
// out of safetensors files whose tensor names, shapes and layouts are those
// of a PyTorch state_dict() of the reference network
// (bench/pytorch/resnet_cifar.py's CifarResNet), so that weights travel
// between resexp and PyTorch.
//
// Naming (n blocks per stage, depth 6n+2; block B of stage S is the
// reference's layers.{(S-1)*n + B-1}):
//
//	resexp                              PyTorch (CifarResNet)
//	conv1.weight                        conv1.weight              [16, C, 3, 3]
//	bn1.{weight,bias}                   bn1.{weight,bias}         [16]
//	bn1.running_{mean,var}              bn1.running_{mean,var}    [16]
//	-                                   bn1.num_batches_tracked   I64, shape []
//	stageS.blockB.convK.weight          layers.i.convK.weight     [OC, C, 3, 3]
//	stageS.blockB.bnK.*                 layers.i.bnK.*
//	stageS.blockB.shortcut.weight       layers.i.proj.0.weight    [OC, C, 1, 1] (options B, C)
//	stageS.blockB.shortcut.bn.*         layers.i.proj.1.*                       (options B, C)
//	fc.weight, fc.bias                  fc.weight [K, 64], fc.bias [K]
//
// Every float tensor is F32, little-endian, row-major (conv weights
// [OC, C, KH, KW], Linear weights [out, in], as both frameworks store
// them). A plain net maps to CifarResNet(shortcut="plain"), a residual net
// with option A, B or C to shortcut "A", "B" or "C". The reference expresses
// only post-activation basic blocks with BatchNorm and ReLU: other
// architectures (bottleneck, pre-activation, norm none, tanh or sigmoid) can be
// written with resexp's own names (NamesResexp) but not PyTorch's.
//
// num_batches_tracked, which resexp does not keep, is written as the
// run's step count (the number of training batches every BN has seen) and
// is optional and ignored on reading.
package weights
