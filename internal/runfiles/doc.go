// Package runfiles reads and writes the files of a run directory: the files
// the training loop appends to and the plotter reads, one file per kind of
// record:
//
//	config.yaml     the resolved config (written by the caller, see WriteFileAtomic)
//	meta.json       Meta, rewritten atomically by WriteMeta
//	metrics.csv     MetricsRow   step,epoch,lr,train_loss,train_err,test_loss,test_err,images_per_sec,elapsed_s,val_loss,val_err
//	gradnorms.csv   GradNormRow  step,index,layer,norm
//	responses.csv   ResponseRow  step,index,layer,mean,std
//	checkpoint/     the latest checkpoint (written by the caller)
//
// CSV format. Every file starts with its header row; rows end in "\n" and
// fields are quoted only where RFC 4180 requires it, so pandas and R read the
// files as they are. Floats are written with strconv.FormatFloat(v, 'g', -1,
// 64), which round-trips exactly. +Inf and -Inf are written "inf" and "-inf".
// NaN is written as an empty cell in metrics.csv, where it means "not measured
// at this row" (the test columns are filled only at evaluation steps), and as
// "nan" in gradnorms.csv and responses.csv, where it is a measured value.
// Readers accept all of these spellings in every float column.
//
// Crash tolerance. A writer ends every row with "\n", so a last line without
// one was cut off mid-write: readers skip it, opening a file for appending
// drops it, and TruncateAfter drops it. Any other malformed row is an error
// naming the file and the line.
//
// This package depends on neither the network code nor the plotting code.
package runfiles
