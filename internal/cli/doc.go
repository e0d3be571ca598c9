// Package cli is resexp's command line: cobra commands, viper configuration
// (flags > RESEXP_* environment > config file > defaults) and the one place
// where errors become exit codes. Only this package sees cobra and viper.
package cli
