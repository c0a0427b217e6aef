package bot

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"vigie/handlers"
)

// wellFormed checks a message is balanced HTML with only Telegram's tags.
func wellFormed(t *testing.T, msg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader("<r>" + msg + "</r>"))
	d.Strict = true
	d.Entity = map[string]string{"quot": `"`, "amp": "&", "lt": "<", "gt": ">", "#39": "'", "#34": `"`}
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("not well-formed: %v in %q", err, msg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "r", "b", "i", "code", "pre":
			default:
				t.Fatalf("tag <%s> in %q", se.Name.Local, msg)
			}
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	msgs := RenderHTML(handlers.Reply{Blocks: []handlers.Block{
		{Kind: handlers.Heading, Text: "§41.1 — <nocodb> & co"},
		{Kind: handlers.Text, Text: "**Why** — `a<b` & \"quotes\""},
		{Kind: handlers.Code, Text: "if a < b && c > d { echo '**not bold**' }"},
		{Kind: handlers.Note, Text: "confidence high"},
	}}, MaxMessage)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	want := "<b>§41.1 — &lt;nocodb&gt; &amp; co</b>\n\n<b>Why</b> — <code>a&lt;b</code> &amp; &#34;quotes&#34;\n\n<pre>if a &lt; b &amp;&amp; c &gt; d { echo &#39;**not bold**&#39; }</pre>\n\n<i>confidence high</i>"
	if msgs[0] != want {
		t.Errorf("got\n%s\nwant\n%s", msgs[0], want)
	}
	wellFormed(t, msgs[0])
}

func TestRenderSplitsAtLines(t *testing.T) {
	var lines []string
	for i := 0; i < 600; i++ {
		lines = append(lines, strings.Repeat("é<x>&", 3)+" ligne "+strings.Repeat("z", i%40))
	}
	rep := handlers.Reply{Blocks: []handlers.Block{
		{Kind: handlers.Heading, Text: "big"},
		{Kind: handlers.Text, Text: strings.Join(lines[:300], "\n")},
		{Kind: handlers.Code, Text: strings.Join(lines[300:], "\n")},
		{Kind: handlers.Text, Text: strings.Repeat("a&b ", 3000)}, // one line longer than a message
	}}
	msgs := RenderHTML(rep, MaxMessage)
	if len(msgs) < 4 {
		t.Fatalf("%d messages", len(msgs))
	}
	total := 0
	for _, m := range msgs {
		if n := utf16Len(m); n > MaxMessage || n == 0 {
			t.Errorf("message of %d units", n)
		}
		wellFormed(t, m)
		total += strings.Count(m, "ligne")
	}
	if total != 600 {
		t.Errorf("%d of 600 lines delivered", total)
	}
}

func TestHardSplitKeepsEntities(t *testing.T) {
	s := strings.Repeat("a&amp;", 100)
	for _, chunk := range hardSplit(s, 7) {
		if strings.Count(chunk, "&") != strings.Count(chunk, ";") {
			t.Fatalf("entity cut in %q", chunk)
		}
	}
}

// A container's log may hold any bytes; Telegram refuses a message that is
// not UTF-8, so they are replaced.
func TestRenderRepairsInvalidUTF8(t *testing.T) {
	msgs := RenderHTML(handlers.Reply{Blocks: []handlers.Block{
		{Kind: handlers.Heading, Text: "logs \xf5"},
		{Kind: handlers.Code, Text: "ok\n\xff\xfebinary\nend"},
	}}, MaxMessage)
	for _, m := range msgs {
		if !utf8.ValidString(m) {
			t.Fatalf("invalid UTF-8 sent: %q", m)
		}
		wellFormed(t, m)
	}
	if !strings.Contains(msgs[0], "logs \uFFFD") || !strings.Contains(msgs[0], "\uFFFDbinary") {
		t.Fatalf("rendered %q", msgs[0])
	}
}
