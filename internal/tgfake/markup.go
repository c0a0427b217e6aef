package tgfake

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// button is one parsed inline keyboard button: its text and its one action.
type button struct {
	text  string
	kind  string          // callback_data, url, login_url, switch_inline_query, …, copy_text
	value json.RawMessage // the action's JSON value
}

func (b button) export() Button {
	e := Button{Text: b.text}
	var v string
	switch b.kind {
	case "callback_data":
		_ = json.Unmarshal(b.value, &v)
		e.CallbackData = v
	case "url":
		_ = json.Unmarshal(b.value, &v)
		e.URL = v
	}
	return e
}

// maxButtons is how many inline buttons a message may carry.
const maxButtons = 100

// buttonKinds are the actions of an inline button, in the order they are
// looked for. String actions with an empty value count as absent (an empty
// callback_data makes a "text button", refused); a copy_text with an empty
// text counts only when nothing else is there: go-telegram/bot v1.19.0 sends
// "copy_text":{"text":""} in every button.
var buttonKinds = []string{
	"url", "login_url", "callback_data", "web_app", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"callback_game", "pay", "copy_text",
}

// parseReplyMarkup validates reply_markup. It returns the inline keyboard
// (nil for other markups or none) and the raw JSON.
func parseReplyMarkup(raw string) ([][]button, json.RawMessage, *apiError) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil || m == nil {
		return nil, nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	ik, ok := m["inline_keyboard"]
	if !ok {
		for _, k := range []string{"keyboard", "remove_keyboard", "force_reply"} {
			if _, ok := m[k]; ok {
				return nil, json.RawMessage(raw), nil
			}
		}
		return nil, nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(ik, &rows); err != nil {
		return nil, nil, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array of Arrays")
	}
	var kb [][]button
	total := 0
	for _, rowRaw := range rows {
		var cells []json.RawMessage
		if err := json.Unmarshal(rowRaw, &cells); err != nil {
			return nil, nil, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array of Arrays")
		}
		var row []button
		for _, cell := range cells {
			b, aerr := parseButton(cell)
			if aerr != nil {
				return nil, nil, aerr
			}
			row = append(row, b)
			total++
		}
		if len(row) > 0 {
			kb = append(kb, row)
		}
	}
	if total > maxButtons {
		return nil, nil, badRequest("REPLY_MARKUP_TOO_LONG")
	}
	return kb, json.RawMessage(raw), nil
}

func parseButton(cell json.RawMessage) (button, *apiError) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(cell, &f); err != nil || f == nil {
		return button{}, badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
	}
	textRaw, ok := f["text"]
	if !ok {
		return button{}, badRequest("can't parse inline keyboard button: Can't find field \"text\"")
	}
	var b button
	if err := json.Unmarshal(textRaw, &b.text); err != nil {
		return button{}, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	if strings.TrimSpace(b.text) == "" {
		return button{}, badRequest("BUTTON_TEXT_INVALID")
	}
	emptyCopyText := false
	for _, k := range buttonKinds {
		v, ok := f[k]
		if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue
		}
		switch k {
		case "url", "callback_data":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return button{}, badRequest("can't parse inline keyboard button: Field \"" + k + "\" must be of type String")
			}
			if s == "" {
				continue
			}
		case "pay":
			var p bool
			if json.Unmarshal(v, &p) != nil || !p {
				continue
			}
		case "copy_text":
			var c struct {
				Text string `json:"text"`
			}
			if json.Unmarshal(v, &c) != nil || c.Text == "" {
				emptyCopyText = true
				continue
			}
		}
		b.kind, b.value = k, v
		break
	}
	switch b.kind {
	case "":
		if emptyCopyText {
			return button{}, badRequest("BUTTON_COPY_TEXT_INVALID")
		}
		return button{}, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case "callback_data":
		var data string
		_ = json.Unmarshal(b.value, &data)
		if len(data) > 64 {
			return button{}, badRequest("BUTTON_DATA_INVALID")
		}
	case "url":
		var link string
		_ = json.Unmarshal(b.value, &link)
		if msg := checkButtonURL(link); msg != "" {
			return button{}, badRequest("inline keyboard button URL '" + link + "' is invalid: " + msg)
		}
	}
	return b, nil
}

func checkButtonURL(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "Wrong HTTP URL"
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return "Wrong HTTP URL"
		}
	case "tg", "ton":
	case "":
		if !strings.Contains(link, ".") || strings.ContainsAny(link, " \t\n") {
			return "Wrong HTTP URL"
		}
	default:
		return "Unsupported URL protocol"
	}
	return ""
}

// keyboardJSON is the inline keyboard as the Bot API echoes it: each button
// with its text and its one action.
func keyboardJSON(kb [][]button) map[string]any {
	rows := make([][]map[string]any, 0, len(kb))
	for _, r := range kb {
		row := make([]map[string]any, 0, len(r))
		for _, b := range r {
			row = append(row, map[string]any{"text": b.text, b.kind: b.value})
		}
		rows = append(rows, row)
	}
	return map[string]any{"inline_keyboard": rows}
}

// sameKeyboard compares two keyboards as Telegram does for "message is not
// modified": by their content, not their JSON spelling.
func sameKeyboard(a, b [][]button) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	ja, _ := json.Marshal(normalizedKeyboard(a))
	jb, _ := json.Marshal(normalizedKeyboard(b))
	return bytes.Equal(ja, jb)
}

func normalizedKeyboard(kb [][]button) [][][3]string {
	var out [][][3]string
	for _, r := range kb {
		var row [][3]string
		for _, b := range r {
			var v any
			_ = json.Unmarshal(b.value, &v)
			canon, _ := json.Marshal(v)
			row = append(row, [3]string{b.text, b.kind, string(canon)})
		}
		out = append(out, row)
	}
	return out
}
