package tgfake

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

// The refusals below are tdlib's (parse_html in td/telegram/MessageEntity.cpp),
// which the Bot API prefixes with "Bad Request: can't parse entities: ".
func TestParseHTMLErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"<br>", `Unsupported start tag "br" at byte offset 0`},
		{"a < b", `Unsupported start tag "" at byte offset 2`},
		{"<!-- c -->", `Unsupported start tag "!--" at byte offset 0`},
		{"<b/>", `Unsupported start tag "b/" at byte offset 0`},
		{"x <b", `Unclosed start tag at byte offset 2`},
		{"<a href", `Unclosed start tag "a" at byte offset 0`},
		{`<a href="x"`, `Unclosed start tag at byte offset 0`},
		{`<a ="x">y</a>`, `Empty attribute name in the tag "a" at byte offset 0`},
		{`<a href=x/>y</a>`, `Unexpected end of name token at byte offset 8`},
		{`<span>x</span>`, `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{`<span class="spoiler">x</span>`, `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{"x</b>", `Unexpected end tag at byte offset 1`},
		{"<b>x</b", `Unclosed end tag at byte offset 4`},
		{"<b>x</i>", `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{"<b><i>x</b></i>", `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"<b>x", `Can't find end tag corresponding to start tag "b"`},
		{`<tg-emoji emoji-id="x">y</tg-emoji>`, `Invalid custom emoji identifier specified`},
		{"&#xd800;", `Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units`},
		{"Tom & Jerry", `Unescaped "&" at byte offset 4 (tgfake strict HTML: write &amp;; the real Bot API would keep it literally)`},
		{"&nbsp;", `Unescaped "&" at byte offset 0 (tgfake strict HTML: write &amp;; the real Bot API would keep it literally)`},
	} {
		_, _, err := parseHTML(c.in, true)
		if err == nil || err.Error() != c.want {
			t.Errorf("parseHTML(%q) error\n got %v\nwant %s", c.in, err, c.want)
		}
	}
}

func TestParseHTML(t *testing.T) {
	for _, c := range []struct {
		in, plain string
		ents      []Entity
	}{
		{"plain > text", "plain > text", nil},
		{"<b>bold <i>both</i></b>", "bold both", []Entity{{Type: "bold", Offset: 0, Length: 9}, {Type: "italic", Offset: 5, Length: 4}}},
		{"<B>x</B>", "x", []Entity{{Type: "bold", Offset: 0, Length: 1}}},
		{"<b>x</>", "x", []Entity{{Type: "bold", Offset: 0, Length: 1}}},
		{"<strong>a</strong><em>b</em><ins>c</ins><del>d</del><s>e</s><strike>f</strike><u>g</u>", "abcdefg", []Entity{
			{Type: "bold", Offset: 0, Length: 1}, {Type: "italic", Offset: 1, Length: 1}, {Type: "underline", Offset: 2, Length: 1},
			{Type: "strikethrough", Offset: 3, Length: 1}, {Type: "strikethrough", Offset: 4, Length: 1},
			{Type: "strikethrough", Offset: 5, Length: 1}, {Type: "underline", Offset: 6, Length: 1}}},
		{`<pre><code class="language-go">x := 1</code></pre>`, "x := 1", []Entity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{`<pre>x</pre>`, "x", []Entity{{Type: "pre", Offset: 0, Length: 1}}},
		{`<code class="language-go">x</code>`, "x", []Entity{{Type: "code", Offset: 0, Length: 1}}},
		{`<blockquote>q</blockquote><blockquote expandable>e</blockquote>`, "qe", []Entity{
			{Type: "blockquote", Offset: 0, Length: 1}, {Type: "expandable_blockquote", Offset: 1, Length: 1}}},
		{`<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, "st", []Entity{
			{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, "👍", []Entity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "5368324170671202286"}}},
		{`<a href='https://example.com/?a=1&amp;b=2'>x</a>`, "x", []Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "https://example.com/?a=1&b=2"}}},
		{`<a href="https://example.com">x</a>`, "x", []Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "https://example.com/"}}},
		{`<a>example.org</a>`, "example.org", []Entity{{Type: "text_link", Offset: 0, Length: 11, URL: "http://example.org"}}},
		{`<a href="javascript:alert(1)">x</a>`, "x", nil},
		{"&lt;&gt;&amp;&quot;&#60;&#x3e;&lt", `<>&"<><`, nil},
		{"😀<b>é</b>", "😀é", []Entity{{Type: "bold", Offset: 2, Length: 1}}},
		{"<b></b>x", "x", nil},
		{"<b\n>x</b >", "x", []Entity{{Type: "bold", Offset: 0, Length: 1}}},
	} {
		plain, ents, err := parseHTML(c.in, true)
		if err != nil || plain != c.plain || !reflect.DeepEqual(ents, c.ents) {
			t.Errorf("parseHTML(%q) = %q %+v %v\nwant %q %+v", c.in, plain, ents, err, c.plain, c.ents)
		}
	}
	// Lenient mode keeps bare ampersands and unknown references, as tdlib does.
	if plain, _, err := parseHTML("Tom & Jerry &nbsp; &amp;", false); err != nil || plain != "Tom & Jerry &nbsp; &" {
		t.Errorf("lenient: %q %v", plain, err)
	}
}

func TestBotCommandEntities(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Entity
	}{
		{"/start", []Entity{{Type: "bot_command", Offset: 0, Length: 6}}},
		{"é /logs@tgfake_bot caddy", []Entity{{Type: "bot_command", Offset: 2, Length: 16}}},
		{"/status /check", []Entity{{Type: "bot_command", Offset: 0, Length: 7}, {Type: "bot_command", Offset: 8, Length: 6}}},
		{"a/b /", nil},
		{"/etc/passwd", nil},
	} {
		if got := botCommandEntities(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("botCommandEntities(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func FuzzParseHTML(f *testing.F) {
	for _, s := range []string{"<b>x</b>", `<a href="https://x.org">y</a>`, "<pre><code class=\"language-go\">x</code></pre>",
		"&#x1F600;&lt;", "<b", "</", "<a href=x/>", "<blockquote expandable>q</blockquote>", "😀<i>é</i>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// The server refuses text that is not UTF-8 before parsing it
		// ("strings must be encoded in UTF-8"), as the Bot API does.
		if !utf8.ValidString(in) {
			return
		}
		for _, strict := range []bool{false, true} {
			plain, ents, err := parseHTML(in, strict)
			if err != nil {
				continue
			}
			if !utf8.ValidString(plain) {
				t.Fatalf("parseHTML(%q) = invalid UTF-8 %q", in, plain)
			}
			n := utf16Count(plain)
			for _, e := range ents {
				if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n {
					t.Fatalf("parseHTML(%q) = %q with entity %+v out of range (%d units)", in, plain, e, n)
				}
			}
		}
	})
}
