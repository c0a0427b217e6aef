package tgfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

func (s *Server) getMe(context.Context, map[string]string, map[string]Upload) (any, *apiError) {
	return map[string]any{
		"id": s.botID, "is_bot": true, "first_name": BotFirstName, "username": BotUsername,
		"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
		"can_connect_to_business": false, "has_main_web_app": false,
	}, nil
}

func (s *Server) setWebhook(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := strings.TrimSpace(p["url"])
	if u == "" {
		if s.webhook == "" {
			return described{true, "Webhook is already deleted"}, nil
		}
		s.webhook = ""
		return described{true, "Webhook was deleted"}, nil
	}
	if !strings.HasPrefix(strings.ToLower(u), "https://") {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	if p["drop_pending_updates"] == "true" {
		s.pending = nil
	}
	s.webhook = u
	return described{true, "Webhook was set"}, nil
}

func (s *Server) deleteWebhook(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p["drop_pending_updates"] == "true" {
		s.pending = nil
	}
	if s.webhook == "" {
		return described{true, "Webhook is already deleted"}, nil
	}
	s.webhook = ""
	return described{true, "Webhook was deleted"}, nil
}

func (s *Server) getWebhookInfo(context.Context, map[string]string, map[string]Upload) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"url": s.webhook, "has_custom_certificate": false, "pending_update_count": len(s.pending)}, nil
}

// format applies parse_mode (or the entities parameter) to a text or caption.
func (s *Server) format(text, parseMode, entitiesJSON string) (string, []Entity, *apiError) {
	if !utf8.ValidString(text) {
		return "", nil, badRequest("strings must be encoded in UTF-8")
	}
	switch strings.ToLower(parseMode) {
	case "":
		var ents []Entity
		if strings.TrimSpace(entitiesJSON) != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &ents); err != nil {
				return "", nil, badRequest("can't parse entities JSON object")
			}
		}
		return text, ents, nil
	case "html":
		plain, ents, err := parseHTML(text, s.strictHTML)
		if err != nil {
			return "", nil, badRequest("can't parse entities: " + err.Error())
		}
		return plain, ents, nil
	case "markdown", "markdownv2":
		// Not parsed: the text is taken as is.
		return text, nil, nil
	}
	return "", nil, badRequest("unsupported parse_mode")
}

// length is how Telegram counts a text against its limits: characters
// (Unicode code points) of the text after entity parsing, surrounding
// whitespace not counted.
func length(plain string) int { return utf8.RuneCountInString(strings.TrimSpace(plain)) }

// chat resolves chat_id to a chat that has talked to the bot.
func (s *Server) chat(raw string) (*chat, *apiError) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	c, ok := s.chats[id]
	if !ok {
		return nil, badRequest("chat not found")
	}
	if s.blocked[id] {
		switch c.typ {
		case "private":
			return nil, &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
		case "supergroup":
			return nil, &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was kicked from the supergroup chat"}
		default:
			return nil, &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was kicked from the group chat"}
		}
	}
	return c, nil
}

// replyTo checks reply_parameters (or the older reply_to_message_id).
func (s *Server) replyTo(chatID int64, p map[string]string) (int, *apiError) {
	var rp struct {
		MessageID                int  `json:"message_id"`
		AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
	}
	if raw := strings.TrimSpace(p["reply_parameters"]); raw != "" {
		if err := json.Unmarshal([]byte(raw), &rp); err != nil {
			return 0, badRequest("can't parse reply parameters JSON object")
		}
	} else if raw := p["reply_to_message_id"]; raw != "" {
		rp.MessageID, _ = strconv.Atoi(raw)
		rp.AllowSendingWithoutReply = p["allow_sending_without_reply"] == "true"
	}
	if rp.MessageID == 0 {
		return 0, nil
	}
	if s.find(chatID, rp.MessageID) == nil {
		if rp.AllowSendingWithoutReply {
			return 0, nil
		}
		return 0, badRequest("message to be replied not found")
	}
	return rp.MessageID, nil
}

func (s *Server) sendMessage(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	kb, markup, aerr := parseReplyMarkup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	plain, ents, aerr := s.format(text, p["parse_mode"], p["entities"])
	if aerr != nil {
		return nil, aerr
	}
	if strings.TrimSpace(plain) == "" {
		return nil, badRequest("message text is empty")
	}
	c, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	if length(plain) > MaxMessageLength {
		return nil, badRequest("message is too long")
	}
	reply, aerr := s.replyTo(c.id, p)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.rateLimit(c.id); aerr != nil {
		return nil, aerr
	}
	m := &message{id: s.nextID(c.id), chatID: c.id, fromBot: true, kind: "text", text: text, plain: plain,
		parseMode: p["parse_mode"], entities: ents, markup: markup, keyboard: kb, replyTo: reply, date: s.now()}
	s.store(m)
	return s.messageJSON(m), nil
}

// editTarget finds the bot's message an edit method names.
func (s *Server) editTarget(p map[string]string) (*message, *apiError) {
	if p["inline_message_id"] != "" {
		return nil, badRequest("MESSAGE_ID_INVALID")
	}
	c, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	id, _ := strconv.Atoi(strings.TrimSpace(p["message_id"]))
	if id == 0 {
		return nil, badRequest("message identifier is not specified")
	}
	m := s.find(c.id, id)
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	if !m.fromBot {
		return nil, badRequest("message can't be edited")
	}
	return m, nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (s *Server) editMessageText(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	kb, markup, aerr := parseReplyMarkup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	plain, ents, aerr := s.format(text, p["parse_mode"], p["entities"])
	if aerr != nil {
		return nil, aerr
	}
	if strings.TrimSpace(plain) == "" {
		return nil, badRequest("message text is empty")
	}
	m, aerr := s.editTarget(p)
	if aerr != nil {
		return nil, aerr
	}
	if m.kind != "text" {
		return nil, badRequest("there is no text in the message to edit")
	}
	if length(plain) > MaxMessageLength {
		return nil, badRequest("message is too long")
	}
	if m.plain == plain && sameEntities(m.entities, ents) && sameKeyboard(m.keyboard, kb) {
		return nil, badRequest(notModified)
	}
	if aerr := s.rateLimit(m.chatID); aerr != nil {
		return nil, aerr
	}
	// Without reply_markup, an edit removes the inline keyboard.
	m.text, m.plain, m.parseMode, m.entities = text, plain, p["parse_mode"], ents
	m.markup, m.keyboard = markup, kb
	m.edits++
	m.editDate = s.now()
	return s.messageJSON(m), nil
}

func (s *Server) editMessageReplyMarkup(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	kb, markup, aerr := parseReplyMarkup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, aerr := s.editTarget(p)
	if aerr != nil {
		return nil, aerr
	}
	if sameKeyboard(m.keyboard, kb) {
		return nil, badRequest(notModified)
	}
	if aerr := s.rateLimit(m.chatID); aerr != nil {
		return nil, aerr
	}
	m.markup, m.keyboard = markup, kb
	m.edits++
	m.editDate = s.now()
	return s.messageJSON(m), nil
}

func sameEntities(a, b []Entity) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func (s *Server) answerCallbackQuery(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries[p["callback_query_id"]]
	if q == nil || q.answered || s.now().Sub(q.pressed) > CallbackAnswerTimeout {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	if utf8.RuneCountInString(p["text"]) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	q.answered = true
	return true, nil
}

func (s *Server) sendDocument(_ context.Context, p map[string]string, files map[string]Upload) (any, *apiError) {
	kb, markup, aerr := parseReplyMarkup(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caption := p["caption"]
	plain, ents, aerr := s.format(caption, p["parse_mode"], p["caption_entities"])
	if aerr != nil {
		return nil, aerr
	}
	if length(plain) > MaxCaptionLength {
		return nil, badRequest("message caption is too long")
	}

	var up *Upload
	var f *file
	if u, ok := files["document"]; ok {
		up = &u
	} else if ref := strings.TrimSpace(p["document"]); ref != "" {
		if name, ok := strings.CutPrefix(ref, "attach://"); ok {
			u, ok := files[name]
			if !ok {
				return nil, badRequest("wrong file identifier/HTTP URL specified")
			}
			up = &u
		} else if f = s.files[ref]; f == nil {
			if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
				return nil, badRequest("failed to get HTTP URL content")
			}
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
	} else {
		return nil, badRequest("there is no document in the request")
	}
	if up != nil {
		if len(up.Data) == 0 {
			return nil, badRequest("file must be non-empty")
		}
		if int64(len(up.Data)) > s.uploadLimit {
			return nil, &apiError{code: http.StatusRequestEntityTooLarge, desc: "Request Entity Too Large"}
		}
	}
	c, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	reply, aerr := s.replyTo(c.id, p)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.rateLimit(c.id); aerr != nil {
		return nil, aerr
	}
	if up != nil {
		f = s.addFile("documents", up.Name, up.Data)
	}
	m := &message{id: s.nextID(c.id), chatID: c.id, fromBot: true, kind: "document", text: caption, plain: plain,
		parseMode: p["parse_mode"], entities: ents, markup: markup, keyboard: kb, file: f, replyTo: reply, date: s.now()}
	s.store(m)
	return s.messageJSON(m), nil
}

func (s *Server) getFile(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[strings.TrimSpace(p["file_id"])]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	if int64(len(f.data)) > s.downloadLimit {
		return nil, badRequest("file is too big")
	}
	return map[string]any{"file_id": f.id, "file_unique_id": f.uniqueID, "file_size": len(f.data), "file_path": f.path}, nil
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, aerr := s.chat(p["chat_id"]); aerr != nil {
		return nil, aerr
	}
	if !chatActions[p["action"]] {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// commandsKey identifies a command list by scope and language.
func commandsKey(p map[string]string) (string, *apiError) {
	scope := "default"
	if raw := strings.TrimSpace(p["scope"]); raw != "" {
		var sc struct {
			Type   string          `json:"type"`
			ChatID json.RawMessage `json:"chat_id"`
			UserID json.RawMessage `json:"user_id"`
		}
		if err := json.Unmarshal([]byte(raw), &sc); err != nil || sc.Type == "" {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
		scope = fmt.Sprintf("%s/%s/%s", sc.Type, sc.ChatID, sc.UserID)
	}
	return scope + "|" + p["language_code"], nil
}

func (s *Server) setMyCommands(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	key, aerr := commandsKey(p)
	if aerr != nil {
		return nil, aerr
	}
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for i, c := range cmds {
		c.Command = strings.TrimPrefix(c.Command, "/")
		if !commandName.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(c.Description)); n == 0 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
		cmds[i] = c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cmds == nil {
		cmds = []BotCommand{}
	}
	s.commandSets[key] = cmds
	s.lastSetKey, s.lastSet = key, cmds
	return true, nil
}

func (s *Server) deleteMyCommands(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	key, aerr := commandsKey(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commandSets, key)
	return true, nil
}

func (s *Server) getMyCommands(_ context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	key, aerr := commandsKey(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cmds, ok := s.commandSets[key]; ok {
		return cmds, nil
	}
	return []BotCommand{}, nil
}
