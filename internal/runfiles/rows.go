package runfiles

import "strconv"

// Conversions between typed rows and CSV records, one pair per file.

// metricsRecord writes NaN as "nan" in the columns measured at every row
// (a diverged run's training loss) and as an empty cell in the test and
// validation columns, where it means "not evaluated at this step".
func metricsRecord(r MetricsRow) []string {
	f := func(v float64) string { return formatFloat(v, "nan") }
	opt := func(v float64) string { return formatFloat(v, "") }
	return []string{strconv.Itoa(r.Step), f(r.Epoch), f(r.LR), f(r.TrainLoss), f(r.TrainErr),
		opt(r.TestLoss), opt(r.TestErr), f(r.ImagesPerSec), f(r.ElapsedS), opt(r.ValLoss), opt(r.ValErr)}
}

func parseMetrics(fields []string) (MetricsRow, error) {
	p := cellParser{header: metricsHeader, fields: fields}
	r := MetricsRow{Step: p.int(0), Epoch: p.float(1), LR: p.float(2), TrainLoss: p.float(3),
		TrainErr: p.float(4), TestLoss: p.float(5), TestErr: p.float(6),
		ImagesPerSec: p.float(7), ElapsedS: p.float(8), ValLoss: p.float(9), ValErr: p.float(10)}
	return r, p.err
}

func gradNormRecord(r GradNormRow) []string {
	return []string{strconv.Itoa(r.Step), strconv.Itoa(r.Index), r.Layer, formatFloat(r.Norm, "nan")}
}

func parseGradNorm(fields []string) (GradNormRow, error) {
	p := cellParser{header: gradNormsHeader, fields: fields}
	r := GradNormRow{Step: p.int(0), Index: p.int(1), Layer: fields[2], Norm: p.float(3)}
	return r, p.err
}

func responseRecord(r ResponseRow) []string {
	return []string{strconv.Itoa(r.Step), strconv.Itoa(r.Index), r.Layer,
		formatFloat(r.Mean, "nan"), formatFloat(r.Std, "nan")}
}

func parseResponse(fields []string) (ResponseRow, error) {
	p := cellParser{header: responsesHeader, fields: fields}
	r := ResponseRow{Step: p.int(0), Index: p.int(1), Layer: fields[2], Mean: p.float(3), Std: p.float(4)}
	return r, p.err
}
