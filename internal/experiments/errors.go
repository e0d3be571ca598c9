package experiments

import (
	"errors"
	"fmt"
)

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

// KeyError is a config value that is refused: Key is its dotted config key
// ("model.depth"), Err what is wrong and what is allowed. Its message is
// "key KEY: ERR"; callers that must say where the value came from (a flag,
// --set, a file) find the key with errors.As instead of parsing the text.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return "key " + e.Key + ": " + e.Err.Error() }
func (e *KeyError) Unwrap() error { return e.Err }

// KeyErrorf returns a *KeyError for key with the message format and args
// (which may wrap an error with %w).
func KeyErrorf(key, format string, args ...any) error {
	return &KeyError{Key: key, Err: fmt.Errorf(format, args...)}
}
