package tgfake

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entity is a formatting entity of a message, as the Bot API reports it
// (https://core.telegram.org/bots/api#messageentity). Offset and Length are in
// UTF-16 code units, like Telegram's.
type Entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// parseError is an entity parsing failure; its message is what follows
// "Bad Request: can't parse entities: " in the Bot API's description.
type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }

func parseErrorf(format string, args ...any) error {
	return &parseError{msg: fmt.Sprintf(format, args...)}
}

// htmlTags are the start tags Telegram accepts in parse_mode=HTML.
var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true, "strike": true,
	"del": true, "u": true, "ins": true, "tg-spoiler": true, "tg-emoji": true, "span": true,
	"pre": true, "code": true, "blockquote": true,
}

// parseHTML turns a parse_mode=HTML text into the plain text and entities, the
// way the Bot API does (it is tdlib's parse_html, reimplemented byte for byte
// in its error positions and messages). With strictAmp, an '&' that does not
// start one of the supported character references is refused, as the Bot API
// documentation demands; the real server keeps such an '&' literally.
func parseHTML(text string, strictAmp bool) (string, []Entity, error) {
	n := len(text)
	// at mimics tdlib reading a NUL-terminated string.
	at := func(i int) byte {
		if i >= n {
			return 0
		}
		return text[i]
	}

	type open struct {
		tag     string
		arg     string
		offset  int // UTF-16 offset in the result
		bytePos int // byte position in the result
	}
	var (
		out      []byte
		utf16    int
		stack    []open
		entities []Entity
	)

	for i := 0; i < n; i++ {
		c := text[i]
		if c == '&' {
			if r, next, ok := decodeHTMLEntity(text, i); ok {
				if r >= 0xd800 && r <= 0xdfff {
					return "", nil, parseErrorf("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units")
				}
				out = utf8.AppendRune(out, r)
				utf16 += utf16Len(r)
				i = next - 1
				continue
			}
			if strictAmp {
				return "", nil, parseErrorf("Unescaped \"&\" at byte offset %d (tgfake strict HTML: write &amp;; the real Bot API would keep it literally)", i)
			}
		}
		if c != '<' {
			if c&0xc0 != 0x80 { // first byte of a UTF-8 sequence
				utf16++
				if c >= 0xf0 {
					utf16++
				}
			}
			out = append(out, c)
			continue
		}

		begin := i
		i++
		if at(i) != '/' {
			// A start tag.
			for !isHTMLSpace(at(i)) && at(i) != '>' {
				i++
			}
			if at(i) == 0 {
				return "", nil, parseErrorf("Unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(text[begin+1 : i])
			if !htmlTags[tag] {
				return "", nil, parseErrorf("Unsupported start tag \"%s\" at byte offset %d", tag, begin)
			}

			arg := ""
			for at(i) != '>' {
				for at(i) != 0 && isHTMLSpace(at(i)) {
					i++
				}
				if at(i) == '>' {
					break
				}
				attrBegin := i
				for !isHTMLSpace(at(i)) && at(i) != '=' && at(i) != '>' && at(i) != '/' && at(i) != '"' && at(i) != '\'' {
					i++
				}
				attr := text[attrBegin:i]
				if attr == "" {
					return "", nil, parseErrorf("Empty attribute name in the tag \"%s\" at byte offset %d", tag, begin)
				}
				for at(i) != 0 && isHTMLSpace(at(i)) {
					i++
				}
				if at(i) != '=' {
					if at(i) == 0 {
						return "", nil, parseErrorf("Unclosed start tag \"%s\" at byte offset %d", tag, begin)
					}
					if tag == "blockquote" && attr == "expandable" {
						arg = "1"
					}
					continue
				}
				i++
				for at(i) != 0 && isHTMLSpace(at(i)) {
					i++
				}
				if at(i) == 0 {
					return "", nil, parseErrorf("Unclosed start tag \"%s\" at byte offset %d", tag, begin)
				}

				var value string
				if q := at(i); q != '\'' && q != '"' {
					// A name token: letters, digits, periods, hyphens; case-insensitive.
					tokenBegin := i
					for isASCIIAlnum(at(i)) || at(i) == '.' || at(i) == '-' {
						i++
					}
					value = strings.ToLower(text[tokenBegin:i])
					if !isHTMLSpace(at(i)) && at(i) != '>' {
						return "", nil, parseErrorf("Unexpected end of name token at byte offset %d", tokenBegin)
					}
				} else {
					// A quoted string, character references decoded.
					i++
					var v []byte
					for at(i) != q && at(i) != 0 {
						if at(i) == '&' {
							if r, next, ok := decodeHTMLEntity(text, i); ok {
								v = utf8.AppendRune(v, r)
								i = next
								continue
							}
						}
						v = append(v, at(i))
						i++
					}
					if at(i) == q {
						i++
					}
					value = string(v)
				}
				if at(i) == 0 {
					return "", nil, parseErrorf("Unclosed start tag at byte offset %d", begin)
				}

				switch {
				case tag == "a" && attr == "href":
					arg = value
				case tag == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
					arg = value[len("language-"):]
				case tag == "span" && attr == "class" && strings.HasPrefix(value, "tg-"):
					arg = value[len("tg-"):]
				case tag == "tg-emoji" && attr == "emoji-id":
					arg = value
				case tag == "blockquote" && attr == "expandable":
					arg = "1"
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, parseErrorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, open{tag: tag, arg: arg, offset: utf16, bytePos: len(out)})
			continue
		}

		// An end tag.
		if len(stack) == 0 {
			return "", nil, parseErrorf("Unexpected end tag at byte offset %d", begin)
		}
		for !isHTMLSpace(at(i)) && at(i) != '>' {
			i++
		}
		endTag := strings.ToLower(text[begin+2 : i])
		for isHTMLSpace(at(i)) && at(i) != 0 {
			i++
		}
		if at(i) != '>' {
			return "", nil, parseErrorf("Unclosed end tag at byte offset %d", begin)
		}
		top := stack[len(stack)-1]
		if endTag != "" && endTag != top.tag {
			return "", nil, parseErrorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.tag, endTag)
		}
		if utf16 > top.offset {
			e := Entity{Offset: top.offset, Length: utf16 - top.offset}
			last := len(entities) - 1
			switch top.tag {
			case "i", "em":
				e.Type = "italic"
			case "b", "strong":
				e.Type = "bold"
			case "s", "strike", "del":
				e.Type = "strikethrough"
			case "u", "ins":
				e.Type = "underline"
			case "tg-spoiler", "span":
				e.Type = "spoiler"
			case "tg-emoji":
				id, err := strconv.ParseInt(top.arg, 10, 64)
				if err != nil || id == 0 {
					return "", nil, parseErrorf("Invalid custom emoji identifier specified")
				}
				e.Type, e.CustomEmojiID = "custom_emoji", strconv.FormatInt(id, 10)
			case "a":
				link := top.arg
				if link == "" {
					link = string(out[top.bytePos:])
				}
				checked, ok := checkedLink(link)
				if !ok {
					e.Type = "" // tdlib drops links it cannot check, silently
				} else {
					e.Type, e.URL = "text_link", checked
				}
			case "pre":
				if last >= 0 && entities[last].Type == "code" && entities[last].Offset == e.Offset &&
					entities[last].Length == e.Length && entities[last].Language != "" {
					entities[last].Type = "pre"
					e.Type = ""
				} else {
					e.Type = "pre"
				}
			case "code":
				if last >= 0 && entities[last].Type == "pre" && entities[last].Offset == e.Offset &&
					entities[last].Length == e.Length && top.arg != "" {
					entities[last].Language = top.arg
					e.Type = ""
				} else {
					e.Type, e.Language = "code", top.arg
				}
			case "blockquote":
				if top.arg != "" {
					e.Type = "expandable_blockquote"
				} else {
					e.Type = "blockquote"
				}
			}
			if e.Type != "" {
				entities = append(entities, e)
			}
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		return "", nil, parseErrorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].tag)
	}
	for k := range entities {
		if entities[k].Type == "code" {
			entities[k].Language = ""
		}
	}
	sort.SliceStable(entities, func(a, b int) bool {
		if entities[a].Offset != entities[b].Offset {
			return entities[a].Offset < entities[b].Offset
		}
		return entities[a].Length > entities[b].Length
	})
	return string(out), entities, nil
}

// decodeHTMLEntity decodes the character reference starting at text[pos]
// ('&'): &lt; &gt; &amp; &quot; and numeric ones (&#NNN; &#xHH;), the trailing
// ';' being optional, as tdlib does. It returns the position after it.
func decodeHTMLEntity(text string, pos int) (rune, int, bool) {
	at := func(i int) byte {
		if i >= len(text) {
			return 0
		}
		return text[i]
	}
	end := pos + 1
	var r rune
	if at(pos+1) == '#' {
		end++
		if at(pos+2) == 'x' {
			end++
			for isHexDigit(at(end)) {
				r = r*16 + rune(hexValue(at(end)))
				end++
				if r >= 0x10ffff {
					return 0, 0, false
				}
			}
		} else {
			for at(end) >= '0' && at(end) <= '9' {
				r = r*10 + rune(at(end)-'0')
				end++
				if r >= 0x10ffff {
					return 0, 0, false
				}
			}
		}
		if r == 0 || end-pos >= 10 {
			return 0, 0, false
		}
	} else {
		for isASCIIAlpha(at(end)) {
			end++
		}
		switch text[pos+1 : end] {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		default:
			return 0, 0, false
		}
	}
	if at(end) == ';' {
		end++
	}
	return r, end, true
}

// checkedLink approximates tdlib's link check for <a href>: http(s), tg and
// ton links are kept, a link without a scheme gets http://, anything else is
// dropped.
func checkedLink(link string) (string, bool) {
	link = strings.TrimSpace(link)
	if link == "" {
		return "", false
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "":
		if strings.Contains(link, ".") && !strings.ContainsAny(link, " \t\n") {
			return "http://" + link, true
		}
		return "", false
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
		if u.Path == "" && u.RawQuery == "" && u.Fragment == "" {
			return link + "/", true
		}
		return link, true
	case "tg", "ton":
		return link, true
	}
	return "", false
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v'
}

func isASCIIAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isASCIIAlnum(c byte) bool { return isASCIIAlpha(c) || c >= '0' && c <= '9' }
func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Count is the length of s in UTF-16 code units.
func utf16Count(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

// botCommandEntities finds /commands the way Telegram marks them in incoming
// messages (bot_command entities), so that handlers matching on entities see
// them.
func botCommandEntities(text string) []Entity {
	var ents []Entity
	isWord := func(r rune) bool {
		return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r))
	}
	cmdChar := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '/' {
			continue
		}
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			if isWord(prev) || prev == '/' || prev == '<' || prev == '>' {
				continue
			}
		}
		j := i + 1
		for j < len(text) && cmdChar(text[j]) {
			j++
		}
		if j-i-1 < 1 || j-i-1 > 64 {
			continue
		}
		end := j
		if j < len(text) && text[j] == '@' {
			k := j + 1
			for k < len(text) && cmdChar(text[k]) {
				k++
			}
			if k-j-1 < 3 || k-j-1 > 32 {
				continue
			}
			end = k
		}
		if end < len(text) {
			next, _ := utf8.DecodeRuneInString(text[end:])
			if isWord(next) || next == '/' || next == '<' || next == '>' {
				continue
			}
		}
		ents = append(ents, Entity{Type: "bot_command", Offset: utf16Count(text[:i]), Length: utf16Count(text[i:end])})
		i = end - 1
	}
	return ents
}
