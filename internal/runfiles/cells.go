package runfiles

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// formatFloat formats v for a CSV cell: exact shortest 'g' form, "inf" and
// "-inf" for infinities, and nanCell for NaN.
func formatFloat(v float64, nanCell string) string {
	switch {
	case math.IsNaN(v):
		return nanCell
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// parseFloat parses a float cell: "" and any case of "nan" give NaN, "inf",
// "+inf", "-inf" and "infinity" give infinities, and a number too large or
// too small for float64 gives ±Inf or 0 as strconv rounds it.
func parseFloat(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// parseInt parses an integer cell.
func parseInt(s string) (int, error) {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return v, nil
}

// cellParser parses the cells of one record, remembering the first error
// together with the name of the column it came from.
type cellParser struct {
	header []string
	fields []string
	err    error
}

// float returns column i as a float; after an error it returns 0.
func (p *cellParser) float(i int) float64 {
	v, err := parseFloat(p.fields[i])
	p.fail(i, err)
	return v
}

// int returns column i as an int; after an error it returns 0.
func (p *cellParser) int(i int) int {
	v, err := parseInt(p.fields[i])
	p.fail(i, err)
	return v
}

func (p *cellParser) fail(i int, err error) {
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("column %s: %w", p.header[i], err)
	}
}
