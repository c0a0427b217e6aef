package deploy_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// finalStage returns the instructions of a Dockerfile stage that shape the
// running container (USER, WORKDIR, ENV, HEALTHCHECK, ENTRYPOINT, CMD),
// comments and continuation lines folded.
func finalStage(t *testing.T, file, stage string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := stage == ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "FROM ") {
			in = stage == "" || strings.HasSuffix(line, " AS "+stage)
			continue
		}
		if !in || line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kw, _, _ := strings.Cut(line, " ")
		switch kw {
		case "USER", "WORKDIR", "ENV", "HEALTHCHECK", "ENTRYPOINT", "CMD":
			out = append(out, line)
		}
	}
	return out
}

// Dockerfile.scratch is the slim stage of the Dockerfile built from a
// prebuilt binary: what the container runs as must be the same.
func TestScratchMatchesSlimStage(t *testing.T) {
	slim := finalStage(t, "../Dockerfile", "slim")
	scratch := finalStage(t, "Dockerfile.scratch", "")
	if len(slim) < 5 || !reflect.DeepEqual(slim, scratch) {
		t.Errorf("Dockerfile.scratch drifted from the slim stage:\nslim:    %q\nscratch: %q", slim, scratch)
	}
	for _, want := range []string{"USER 65532:65532", `HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/vigie", "healthcheck"]`} {
		found := false
		for _, l := range slim {
			found = found || l == want
		}
		if !found {
			t.Errorf("slim stage lacks %q", want)
		}
	}
	// The full stage runs as the same user, with the same healthcheck.
	full := strings.Join(finalStage(t, "../Dockerfile", "full"), "\n")
	if !strings.Contains(full, "USER 65532:65532") || !strings.Contains(full, `CMD ["/vigie", "healthcheck"]`) {
		t.Errorf("full stage:\n%s", full)
	}
}
