package config

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestDurationString(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{250 * time.Millisecond, "250ms"},
		{1500 * time.Millisecond, "1.5s"},
		{10 * time.Second, "10s"},
		{90 * time.Second, "1m30s"},
		{5 * time.Minute, "5m"},
		{20 * time.Minute, "20m"},
		{time.Hour, "1h"},
		{time.Hour + 10*time.Minute, "1h10m"},
		{time.Hour + time.Second, "1h0m1s"},
		{-5 * time.Minute, "-5m"},
	}
	for _, tt := range tests {
		if got := Duration(tt.d).String(); got != tt.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tt.d, got, tt.want)
		}
		if back, err := time.ParseDuration(tt.want); err != nil || back != tt.d {
			t.Errorf("%q does not parse back to %v: %v, %v", tt.want, tt.d, back, err)
		}
	}
}

// TestDurationRoundTrip decodes durations from YAML, encodes them to YAML
// and JSON as strings, and decodes those again.
func TestDurationRoundTrip(t *testing.T) {
	for _, text := range []string{"10s", "1m30s", "250ms", "5m", "1h", "0s", "1.5s"} {
		var c Checks
		if err := yaml.Unmarshal([]byte("timeout: "+text+"\n"), &c); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		want, _ := time.ParseDuration(text)
		if c.Timeout.Std() != want {
			t.Fatalf("%s decoded as %v, want %v", text, c.Timeout.Std(), want)
		}

		y, err := yaml.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(y), "timeout: "+text+"\n") {
			t.Errorf("%s: YAML is %q, want timeout: %s", text, y, text)
		}
		var fromYAML Checks
		if err := yaml.Unmarshal(y, &fromYAML); err != nil || fromYAML != c {
			t.Errorf("%s: YAML round trip gave %+v, %v; want %+v", text, fromYAML, err, c)
		}

		j, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(j), `"timeout":"`+text+`"`) {
			t.Errorf("%s: JSON is %s, want the duration as a string", text, j)
		}
		var fromJSON Checks
		if err := json.Unmarshal(j, &fromJSON); err != nil || fromJSON != c {
			t.Errorf("%s: JSON round trip gave %+v, %v; want %+v", text, fromJSON, err, c)
		}
	}

	var d Duration
	if err := json.Unmarshal([]byte(`"ten"`), &d); err == nil || !strings.Contains(err.Error(), `not a duration "ten"`) {
		t.Errorf("JSON \"ten\": error %v, want not a duration", err)
	}
}

// TestDurationErrors checks that a bad duration is reported with the
// file's other type errors, on one line, naming the key, and that a value
// from the environment is not echoed.
func TestDurationErrors(t *testing.T) {
	clearEnv(t)
	_, err := parse("c.yaml", []byte("checks:\n  timeout: soon\n  log_lines: many\nhosts:\n  - name: a\n    endpoint: {}\n"), os.LookupEnv)
	want := `c.yaml:2: checks.timeout: not a duration "soon"; ` +
		`c.yaml:3: checks.log_lines: expected an integer, got "many"; ` +
		`c.yaml:6: hosts[0].endpoint: expected a string, got a mapping`
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got: %v\nwant: %s", err, want)
	}

	t.Setenv("VIGIE_TEST_TIMEOUT", "hunter2")
	_, err = parse("c.yaml", []byte("checks:\n  timeout: ${VIGIE_TEST_TIMEOUT}\n"), os.LookupEnv)
	want = `c.yaml:2: checks.timeout: not a duration: a value substituted from the environment (not shown)`
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got: %v\nwant: %s", err, want)
	}

	// A null value keeps the default, as it does for the other keys.
	cfg, err := parse("c.yaml", []byte("checks:\n  timeout:\n"), os.LookupEnv)
	if err != nil || cfg.Checks.Timeout != Duration(DefaultCheckTimeout) {
		t.Fatalf("timeout: (null) gave %v, %v; want the default", cfg.Checks.Timeout, err)
	}
}
