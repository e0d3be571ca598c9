package cli

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/resexp/resexp/internal/experiments"
)

// configKey is one leaf of experiments.Config: its dotted key, Go type and
// field index path.
type configKey struct {
	key   string
	typ   reflect.Type
	index []int
}

// configKeys lists every leaf key of experiments.Config in declaration order.
func configKeys() []configKey { return walkKeys(reflect.TypeOf(experiments.Config{}), "", nil) }

func walkKeys(t reflect.Type, prefix string, index []int) []configKey {
	var keys []configKey
	for i := range t.NumField() {
		f := t.Field(i)
		k := prefix + f.Tag.Get("mapstructure")
		idx := append(slices.Clone(index), i)
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, walkKeys(f.Type, k+".", idx)...)
		} else {
			keys = append(keys, configKey{key: k, typ: f.Type, index: idx})
		}
	}
	return keys
}

func keyNames() []string {
	var names []string
	for _, k := range configKeys() {
		names = append(names, k.key)
	}
	return names
}

// configLoader resolves an experiments.Config from its sources, in
// precedence order: --set, flags, RESEXP_* environment, config file,
// built-in defaults.
type configLoader struct {
	v     *viper.Viper
	file  string
	flags map[string]*pflag.Flag // config key -> flag
	sets  map[string]string      // keys set explicitly -> where from ("--set model.norm")
}

func newConfigLoader() *configLoader {
	v := viper.New()
	v.SetEnvPrefix("RESEXP")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	def := reflect.ValueOf(experiments.Default())
	for _, k := range configKeys() {
		v.SetDefault(k.key, def.FieldByIndex(k.index).Interface())
	}
	return &configLoader{v: v, flags: map[string]*pflag.Flag{}, sets: map[string]string{}}
}

// bind makes flag name set config key.
func (l *configLoader) bind(fs *pflag.FlagSet, name, key string) {
	f := fs.Lookup(name)
	l.flags[key] = f
	if err := l.v.BindPFlag(key, f); err != nil {
		panic("cli: " + err.Error())
	}
}

// readFile reads a YAML config file, refusing keys that do not exist.
func (l *configLoader) readFile(path string) error {
	if _, err := os.Stat(path); err != nil {
		return badInput("config file %s: %v; pass an existing YAML file with -c (see configs/)", path, unwrapPath(err))
	}
	file := viper.New()
	file.SetConfigFile(path)
	file.SetConfigType("yaml")
	if err := file.ReadInConfig(); err != nil {
		return badInput("config file %s: not valid YAML: %s", path, oneLine(err.Error()))
	}
	return l.merge(file.AllSettings(), path)
}

// merge applies a nested map of config values read from the file named
// path, refusing keys that do not exist.
func (l *configLoader) merge(settings map[string]any, path string) error {
	file := viper.New()
	if err := file.MergeConfigMap(settings); err != nil {
		return badInput("config file %s: %v", path, err)
	}
	known := keyNames()
	for _, k := range file.AllKeys() {
		if !slices.Contains(known, k) {
			return badInput("config file %s: unknown key %q; known keys: %s", path, k, strings.Join(known, ", "))
		}
	}
	l.file = path
	return l.v.MergeConfigMap(file.AllSettings())
}

// setFrom sets key to value, naming origin in error messages.
func (l *configLoader) setFrom(key string, value any, origin string) error {
	if !slices.Contains(keyNames(), key) {
		return badInput("%s: unknown key %q; known keys: %s", origin, key, strings.Join(keyNames(), ", "))
	}
	l.v.Set(key, value)
	l.sets[key] = origin
	return nil
}

// set applies one --set key=value; the value is read as YAML.
func (l *configLoader) set(kv string) error {
	k, val, ok := strings.Cut(kv, "=")
	if !ok {
		return badInput("--set %q: expected key=value, e.g. --set model.norm=none", kv)
	}
	k = strings.ToLower(strings.TrimSpace(k))
	var parsed any
	if err := yaml.Unmarshal([]byte(val), &parsed); err != nil {
		return badInput("--set %s: value is not valid YAML: %s", kv, oneLine(err.Error()))
	}
	if parsed == nil {
		parsed = ""
	}
	return l.setFrom(k, parsed, "--set "+k)
}

// resolve decodes every key into a Config and validates it.
func (l *configLoader) resolve() (experiments.Config, error) {
	var cfg experiments.Config
	out := reflect.ValueOf(&cfg).Elem()
	for _, k := range configKeys() {
		dst := reflect.New(k.typ)
		if err := decodeValue(l.v.Get(k.key), dst.Interface()); err != nil {
			return cfg, badInput("%s: key %s: %v", l.source(k.key), k.key, err)
		}
		out.FieldByIndex(k.index).Set(dst.Elem())
	}
	if err := cfg.Validate(); err != nil {
		return cfg, badInput("%s: %v", l.sourceOf(err), err)
	}
	return cfg, nil
}

// sourceOf names where the value of the key a validation error is about
// (its *experiments.KeyError) came from; "config" if it names none.
func (l *configLoader) sourceOf(err error) string {
	var ke *experiments.KeyError
	if !errors.As(err, &ke) {
		return "config"
	}
	return l.source(ke.Key)
}

// source names where the value of key came from.
func (l *configLoader) source(key string) string {
	switch {
	case l.sets[key] != "":
		return l.sets[key]
	case l.flags[key] != nil && l.flags[key].Changed:
		return "flag --" + l.flags[key].Name
	}
	env := "RESEXP_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
	if _, ok := os.LookupEnv(env); ok {
		return "environment " + env
	}
	if l.file != "" && l.v.InConfig(key) {
		return "config file " + l.file
	}
	return "config"
}

// decodeValue converts a raw config value into dst, refusing lossy
// conversions (20.5 into an int, "abc" into a number).
func decodeValue(raw any, dst any) error {
	d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           dst,
		WeaklyTypedInput: true,
		DecodeHook:       mapstructure.ComposeDecodeHookFunc(strictNumbers, mapstructure.StringToSliceHookFunc(",")),
	})
	if err != nil {
		return err
	}
	if err := d.Decode(raw); err != nil {
		return fmt.Errorf("expected %s, got %v (%T)", typeName(reflect.TypeOf(dst).Elem()), raw, raw)
	}
	return nil
}

// strictNumbers refuses fractional values for integer keys and booleans for
// numbers, which mapstructure's weak decoding would silently convert.
func strictNumbers(from, to reflect.Type, v any) (any, error) {
	isInt := to.Kind() >= reflect.Int && to.Kind() <= reflect.Uint64
	if f, ok := v.(float64); ok && isInt && f != math.Trunc(f) {
		return nil, fmt.Errorf("not an integer")
	}
	if _, ok := v.(bool); ok && to.Kind() != reflect.Bool {
		return nil, fmt.Errorf("boolean")
	}
	return v, nil
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(typeName(t.Elem()), "an ") + "s"
	}
	return t.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
