package config

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// redacted is what every printed or marshalled non-empty Secret shows.
const redacted = "<secret>"

// Secret is a string that must never be printed, logged or marshalled. Every
// formatting path (fmt verbs, JSON, YAML, text encoders, and therefore
// zerolog's Interface/Any, which use JSON) shows "<secret>", or "" when the
// secret is empty so that a missing token is still visible as missing. Only
// Reveal returns the value; grep for it to audit where a secret goes.
type Secret string

// Reveal returns the secret value. Call it only where the value is handed to
// the thing that needs it (an HTTP client, a URL), never to build a message.
func (s Secret) Reveal() string { return string(s) }

// String returns "<secret>", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the quoted String, so %#v prints valid Go syntax without
// the value.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format implements fmt.Formatter so that every verb, including ones that
// would otherwise bypass String (%d, %x on a struct field reached by
// reflection), prints the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, s.GoString())
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// MarshalJSON encodes the redacted form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML encodes the redacted form. A config dumped to YAML and read back
// therefore holds "<secret>", which Validate rejects, rather than the token.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText returns the redacted form, for encoders and loggers that use
// encoding.TextMarshaler (slog's text handler, encoding/xml, TOML).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
