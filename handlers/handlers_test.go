package handlers

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"vigie/knowledge"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type recorder struct{ replies []Reply }

func (r *recorder) Send(_ context.Context, rep Reply) error {
	r.replies = append(r.replies, rep)
	return nil
}

func newMux(t testing.TB) *Mux {
	t.Helper()
	secs, err := knowledge.LoadFiles(nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewMux(Deps{Knowledge: knowledge.NewIndex(secs, knowledge.DefaultServices), Log: zerolog.Nop(), MaxInput: 1 << 20})
}

// dump renders replies in a stable plain form for golden files.
func dump(replies []Reply) string {
	var b strings.Builder
	kinds := map[BlockKind]string{Heading: "H", Text: "T", Code: "C", Note: "N"}
	for i, r := range replies {
		if i > 0 {
			b.WriteString("=====\n")
		}
		for _, bl := range r.Blocks {
			fmt.Fprintf(&b, "[%s] %s\n", kinds[bl.Kind], bl.Text)
		}
		for _, row := range r.Buttons {
			for _, bt := range row {
				fmt.Fprintf(&b, "<button %q → /%s %s>\n", bt.Label, bt.Action, bt.Arg)
			}
		}
		if r.File != nil {
			fmt.Fprintf(&b, "<file %s %d bytes>\n", r.File.Name, len(r.File.Data))
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./handlers -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test ./handlers -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRepliesGolden(t *testing.T) {
	m := newMux(t)
	cases := []struct {
		name string
		req  Request
	}{
		{"start", Request{Command: "start"}},
		{"help", Request{Command: "help"}},
		{"diagnose-nocodb", Request{Text: `javisi_nocodb  | ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`}},
		{"diagnose-abstain", Request{Text: `FATAL:  sorry, too many clients already`}},
		{"diagnose-command", Request{Command: "diagnose", Args: "Error: spawn docker EACCES"}},
		{"diagnose-archived", Request{Text: `POST /api/activity/comment with {"taskId":"x","content":"y"} returns 400`}},
		{"diagnose-empty", Request{Text: "  \n "}},
		{"diagnose-binary", Request{Text: "\x00\x01\x02ELF\x00"}},
		{"pitfall-41.1", Request{Command: "pitfall", Args: "41.1"}},
		{"pitfall-archived", Request{Command: "pitfall", Args: "11.15"}},
		{"pitfall-unknown", Request{Command: "pitfall", Args: "41.9"}},
		{"pitfall-none", Request{Command: "pitfall"}},
		{"pitfall-two", Request{Command: "pitfall", Args: "41.1 41.2"}},
		{"search", Request{Command: "search", Args: "env_file recreate"}},
		{"search-empty", Request{Command: "search"}},
		{"search-nothing", Request{Command: "search", Args: "zzzqqq"}},
		{"unknown-command", Request{Command: "frobnicate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			if err := m.Handle(context.Background(), c.req, rec); err != nil {
				t.Fatal(err)
			}
			if len(rec.replies) != 1 {
				t.Fatalf("%d replies", len(rec.replies))
			}
			golden(t, c.name, dump(rec.replies))
		})
	}
}

func TestDocument(t *testing.T) {
	m := newMux(t)
	var log bytes.Buffer
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&log, "javisi_caddy  | {\"level\":\"info\",\"msg\":\"handled request\",\"status\":200,\"n\":%d}\n", i)
		if i == 4321 {
			log.WriteString("javisi_openclaw  | 2026-03-02T10:11:12.000Z [diagnostic] lane task error: lane=subagent error=\"Error: spawn docker EACCES\" token=sk-abcdefghijklmnopqrstu\n")
		}
	}
	doc := func(name string, data []byte) *Document {
		return &Document{Name: name, Size: int64(len(data)), Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}}
	}
	rec := &recorder{}
	if err := m.Handle(context.Background(), Request{Doc: doc("caddy.log", log.Bytes())}, rec); err != nil {
		t.Fatal(err)
	}
	out := dump(rec.replies)
	for _, want := range []string{"caddy.log: 5001 lines read", "§11.13", "line 4323", "spawn docker EACCES"} {
		if !strings.Contains(out, want) {
			t.Errorf("reply lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "sk-abcdefghijklmnopqrstu") {
		t.Errorf("a secret from the log reached the reply:\n%s", out)
	}
	for name, d := range map[string]*Document{
		"too large": {Name: "big.log", Size: 50 << 20, Open: func(context.Context) (io.ReadCloser, error) { return nil, errors.New("must not be opened") }},
		"image":     doc("photo.jpg", []byte("\xff\xd8\xff")),
		"binary":    doc("x.log", []byte("\x00\x00\x01\x02")),
		"empty":     doc("x.log", nil),
	} {
		rec := &recorder{}
		if err := m.Handle(context.Background(), Request{Doc: d}, rec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rec.replies) != 1 || !strings.HasPrefix(rec.replies[0].Blocks[0].Text, "⚠️ ") || strings.Count(dump(rec.replies), "\n") != 1 {
			t.Errorf("%s: want one warning line, got %q", name, dump(rec.replies))
		}
	}
}

func TestInternalErrorHasRef(t *testing.T) {
	m := newMux(t)
	rec := &recorder{}
	broken := &Document{Name: "x.log", Size: 10, Open: func(context.Context) (io.ReadCloser, error) { return nil, errors.New("disk on fire") }}
	if err := m.Handle(context.Background(), Request{Doc: broken}, rec); err != nil {
		t.Fatal(err)
	}
	got := dump(rec.replies)
	if !strings.Contains(got, "internal error (ref ") || strings.Contains(got, "disk on fire") {
		t.Errorf("got %q", got)
	}
}

func TestCommandTable(t *testing.T) {
	m := newMux(t)
	seen := map[string]bool{}
	for _, c := range m.Commands() {
		if c.Name == "" || c.Help == "" || c.Run == nil {
			t.Errorf("incomplete command %+v", c)
		}
		if seen[c.Name] {
			t.Errorf("/%s twice", c.Name)
		}
		seen[c.Name] = true
		if c.Name != strings.ToLower(c.Name) || len(c.Name) > 32 {
			t.Errorf("/%s is not a valid Telegram command name", c.Name)
		}
	}
}

// The full view of a section (/pitfall, the 📖 button) loses nothing the
// corpus wrote: every line of every section's body is in it, the text no
// label introduces too (§0.11 opens with a paragraph and ends with a list
// that a view built from the labelled parts alone dropped).
func TestPitfallShowsWholeSection(t *testing.T) {
	m := newMux(t)
	secs, err := knowledge.LoadFiles(nil)
	if err != nil {
		t.Fatal(err)
	}
	strip := strings.NewReplacer("**", "", "`", "", "\n", " ", "\t", " ")
	for _, s := range secs {
		rec := &recorder{}
		if err := m.Handle(context.Background(), Request{Command: "pitfall", Args: s.ID}, rec); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(strings.Fields(strip.Replace(dump(rec.replies))), " ")
		for _, line := range strings.Split(s.Body, "\n") {
			want := strings.Join(strings.Fields(strip.Replace(line)), " ")
			if want == "" || strings.HasPrefix(strings.TrimSpace(line), "```") || strings.Trim(want, "-|: ") == "" {
				continue
			}
			if !strings.Contains(got, want) {
				t.Errorf("/pitfall %s lacks %q", s.ID, want)
			}
		}
	}
}
