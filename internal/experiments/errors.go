package experiments

import "errors"

// InputError marks a problem with what the user gave (a flag, a config key,
// a data file, a run directory): the command refuses it before work starts.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// BadInput wraps err as an InputError (nil stays nil).
func BadInput(err error) error {
	if err == nil {
		return nil
	}
	return &InputError{Err: err}
}

// IsBadInput reports whether err is, or wraps, an InputError.
func IsBadInput(err error) bool {
	var e *InputError
	return errors.As(err, &e)
}

// ErrDiverged is wrapped by the error of a run that stopped on a non-finite
// loss or gradient.
var ErrDiverged = errors.New("diverged")

// ErrInterrupted is wrapped by the error of a run stopped by a signal.
var ErrInterrupted = errors.New("interrupted")
