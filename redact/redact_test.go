package redact

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	cases := []struct{ in, secret string }{
		{"DATABASE_URL=postgres://litellm:s3cr3tPw@postgresql:5432/litellm", "s3cr3tPw"},
		{"NC_DB=pg://postgresql:5432?u=nocodb&p=hunter2pass&d=nocodb", "hunter2pass"},
		{"Authorization: Bearer abcdefghijklmnop123456", "abcdefghijklmnop123456"},
		{"token 1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9 in url", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"},
		{"GET https://api.telegram.org/bot1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9/getUpdates 409", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"},
		{"using key sk-or-v1-0123456789abcdef0123", "0123456789abcdef0123"},
		{"LITELLM_MASTER_KEY=mk-very-secret-value", "mk-very-secret-value"},
		{`{"api_key": "AIzaSyA-12345678", "model": "x"}`, "AIzaSyA-12345678"},
		{"OPENROUTER_API_KEY: 'quoted secret'", "quoted secret"},
		{"POSTGRES_PASSWORD=\"pw with spaces\"", "pw with spaces"},
	}
	for _, c := range cases {
		got := String(c.in)
		if strings.Contains(got, c.secret) {
			t.Errorf("String(%q) = %q: secret left", c.in, got)
		}
		if !strings.Contains(got, Mask) {
			t.Errorf("String(%q) = %q: no mask", c.in, got)
		}
	}
}

func TestStringKeepsOrdinaryText(t *testing.T) {
	for _, s := range []string{
		`ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`,
		`No API key found for provider "openrouter"`,
		`level=error msg="token missing"`,
		"Error: spawn docker EACCES",
	} {
		if got := String(s); got != s {
			t.Errorf("String(%q) = %q, want unchanged", s, got)
		}
	}
}

func TestValues(t *testing.T) {
	got := Values("connect with hunter2 now", "hunter2", "")
	if strings.Contains(got, "hunter2") {
		t.Fatalf("Values left the secret: %q", got)
	}
}
