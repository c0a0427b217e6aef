package knowledge

import "testing"

// §41.1 quotes NocoDB's error, "password authentication failed for user
// "nocodb"". Another PostgreSQL error from NocoDB's ExceptionHandler shares
// the place and the service but repeats none of it: another error, on which
// the matcher abstains. The quoted error itself, and an operator's own
// words for it, still answer §41.1: an operator's description quotes
// nothing, and is not held to the corpus's error strings (§1.1's yamllint
// case scores under the threshold if it were).
func TestUnquotedErrorIsAnotherError(t *testing.T) {
	ix := benchIndex(t)
	for _, tc := range []struct {
		text    string
		want    string
		abstain bool
	}{
		{"javisi_nocodb  | ERROR [ExceptionHandler] error: too many clients already", "41.1", true},
		{`javisi_nocodb  | ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`, "41.1", false},
		{"NocoDB n'arrive plus à se connecter à Postgres depuis que j'ai changé le mot de passe dans le vault", "41.1", false},
		{"yamllint n'aime pas un caractère copié depuis Windows", "1.1", false},
	} {
		res := ix.Match(tc.text)
		if res.Abstained != tc.abstain {
			t.Errorf("%q: abstained=%v, want %v (%+v)", tc.text, res.Abstained, tc.abstain, res.Matches)
			continue
		}
		if len(res.Matches) == 0 || res.Matches[0].ID != tc.want {
			t.Errorf("%q: nearest is not §%s: %+v", tc.text, tc.want, res.Matches)
		}
	}
}

// The command run names the login server (§0.6); the error says the key
// was used already (§0.7). §0.6 ranked a little higher on the command's
// words, though it explains none of the error's: the one that does comes
// first.
func TestFirstAnswerExplainsTheError(t *testing.T) {
	ix := benchIndex(t)
	res := ix.Match("$ sudo tailscale up --login-server=https://singa.ewutelo.cloud --authkey=hskey-auth-0123\nbackend error: authkey already used")
	if res.Abstained || len(res.Matches) == 0 || res.Matches[0].ID != "0.7" {
		t.Fatalf("want §0.7 answered first, got abstained=%v %+v", res.Abstained, res.Matches)
	}
}
