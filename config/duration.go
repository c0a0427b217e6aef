package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// notDuration starts the message of a value that does not parse as a
// duration; describe recognises it and names the key.
const notDuration = "not a duration "

// Duration is a time.Duration written in the file as Go writes durations:
// "10s", "1m30s", "250ms". It marshals back to that form, so a config dumped
// to YAML or JSON reads as it was written.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String returns the Go form without trailing zero units: "10s", "1m30s",
// "5m" (not "5m0s"), "1h", "0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
		if t, ok := strings.CutSuffix(s, "h0m"); ok {
			s = t + "h"
		}
	}
	return s
}

// UnmarshalYAML parses a scalar such as "10s". A value that is not a duration
// is reported as a *yaml.TypeError, so decoding goes on and Load lists it
// with the file's other type errors, naming the key and the line.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		// The wording of yaml's own type errors, which describe rewrites.
		return &yaml.TypeError{Errors: []string{
			fmt.Sprintf("line %d: cannot unmarshal %s into %T", n.Line, n.ShortTag(), *d),
		}}
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{
			fmt.Sprintf("line %d: %s%s", n.Line, notDuration, strconv.Quote(n.Value)),
		}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML encodes d as its String form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText encodes d as its String form; encoding/json uses it too, so a
// duration is a JSON string rather than a count of nanoseconds.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses the String form, e.g. from JSON.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("%s%q", notDuration, text)
	}
	*d = Duration(v)
	return nil
}
