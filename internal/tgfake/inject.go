package tgfake

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

type chat struct {
	id     int64
	typ    string // private, group, supergroup
	userID int64  // the user of a private chat
}

type file struct {
	id, uniqueID, path string
	name, mimeType     string
	data               []byte
}

type query struct {
	id       string
	chatID   int64
	msgID    int
	pressed  time.Time
	answered bool
}

type queuedUpdate struct {
	id   int64
	body json.RawMessage
}

type message struct {
	id        int
	chatID    int64
	fromBot   bool
	userID    int64
	kind      string // text, document, photo, sticker
	text      string // text or caption, as sent
	plain     string // after entity parsing
	parseMode string
	entities  []Entity
	markup    json.RawMessage // reply_markup as sent
	keyboard  [][]button      // parsed inline keyboard
	file      *file           // document, sticker, largest photo size
	photos    []*file         // photo sizes
	replyTo   int
	date      time.Time
	editDate  time.Time
	edits     int
}

// Message is the current state of a message the bot sent into a chat.
type Message struct {
	ID          int
	ChatID      int64
	Text        string          // text, or a document's caption, as the bot sent it (markup included)
	PlainText   string          // Text after entity parsing: what the user sees
	ParseMode   string          // as sent
	Entities    []Entity        // from parse_mode=HTML (or the entities parameter)
	ReplyMarkup json.RawMessage // reply_markup exactly as last sent; nil when none
	Keyboard    [][]Button      // the inline keyboard, parsed; nil when none
	Document    *Document       // sendDocument's file; nil for text messages
	ReplyTo     int             // message replied to, 0 if none
	Edits       int             // successful editMessageText / editMessageReplyMarkup calls
	Date        time.Time
}

// Document is a file the bot sent.
type Document struct {
	FileID   string
	Name     string
	MimeType string
	Data     []byte
}

// Button is one inline keyboard button.
type Button struct {
	Text         string
	CallbackData string // callback buttons
	URL          string // url buttons
}

// Messages returns the messages the bot sent into chatID, oldest first, in
// their current state (after edits).
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs[chatID] {
		if !m.fromBot {
			continue
		}
		out = append(out, m.export())
	}
	return out
}

func (m *message) export() Message {
	e := Message{
		ID: m.id, ChatID: m.chatID, Text: m.text, PlainText: m.plain, ParseMode: m.parseMode,
		Entities: append([]Entity(nil), m.entities...), ReplyTo: m.replyTo, Edits: m.edits, Date: m.date,
	}
	if m.markup != nil {
		e.ReplyMarkup = append(json.RawMessage(nil), m.markup...)
	}
	for _, row := range m.keyboard {
		var r []Button
		for _, b := range row {
			r = append(r, b.export())
		}
		e.Keyboard = append(e.Keyboard, r)
	}
	if m.kind == "document" && m.file != nil {
		e.Document = &Document{FileID: m.file.id, Name: m.file.name, MimeType: m.file.mimeType,
			Data: append([]byte(nil), m.file.data...)}
	}
	return e
}

// AddChat makes chatID known to the bot without a message, as if userID had
// written to it earlier (a private chat when chatID == userID, else a group).
func (s *Server) AddChat(chatID, userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureChat(chatID, userID)
}

// Block makes every later message to chatID fail with 403, as when the user
// blocked the bot ("Forbidden: bot was blocked by the user") or a group
// removed it.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// SendText injects a text message from userID in chatID (a private chat when
// chatID == userID, else a group; a supergroup for ids <= -1000000000000).
// /commands get bot_command entities like Telegram's. It returns the
// message_id.
func (s *Server) SendText(chatID, userID int64, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureChat(chatID, userID)
	m := &message{id: s.nextID(chatID), chatID: chatID, userID: userID, kind: "text",
		text: text, plain: text, entities: botCommandEntities(text), date: s.now()}
	s.store(m)
	s.enqueue(map[string]any{"message": s.messageJSON(m)})
	return m.id
}

// SendDocument injects a document from userID in chatID. The file gets a
// file_id that getFile resolves and that can be downloaded from
// {URL}/file/bot{token}/{file_path}. It returns the message_id.
func (s *Server) SendDocument(chatID, userID int64, name string, data []byte, caption string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureChat(chatID, userID)
	f := s.addFile("documents", name, data)
	m := &message{id: s.nextID(chatID), chatID: chatID, userID: userID, kind: "document",
		text: caption, plain: caption, entities: botCommandEntities(caption), file: f, date: s.now()}
	s.store(m)
	s.enqueue(map[string]any{"message": s.messageJSON(m)})
	return m.id
}

// SendSticker injects a sticker from userID in chatID and returns its
// message_id.
func (s *Server) SendSticker(chatID, userID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureChat(chatID, userID)
	f := s.addFile("stickers", "sticker.webp", []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	m := &message{id: s.nextID(chatID), chatID: chatID, userID: userID, kind: "sticker", file: f, date: s.now()}
	s.store(m)
	s.enqueue(map[string]any{"message": s.messageJSON(m)})
	return m.id
}

// SendPhoto injects a photo (two sizes) with caption from userID in chatID
// and returns its message_id.
func (s *Server) SendPhoto(chatID, userID int64, caption string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureChat(chatID, userID)
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	small := s.addFile("photos", "photo_s.jpg", jpeg)
	large := s.addFile("photos", "photo_m.jpg", append(append([]byte(nil), jpeg...), make([]byte, 64)...))
	m := &message{id: s.nextID(chatID), chatID: chatID, userID: userID, kind: "photo",
		text: caption, plain: caption, entities: botCommandEntities(caption),
		file: large, photos: []*file{small, large}, date: s.now()}
	s.store(m)
	s.enqueue(map[string]any{"message": s.messageJSON(m)})
	return m.id
}

// Press injects a callback_query: userID pressed the inline button carrying
// data under messageID, a message the bot sent in chatID. It fails the test
// if there is no such message or button (use PressRaw for forged or stale
// data). It returns the callback query id, to be answered within
// CallbackAnswerTimeout. Call it from the test's goroutine.
func (s *Server) Press(chatID, userID int64, messageID int, data string) string {
	s.t.Helper()
	id, err := s.press(chatID, userID, messageID, data, true)
	if err != nil {
		s.t.Fatalf("tgfake: Press: %v", err)
	}
	return id
}

// PressRaw is Press without checking that the message has a button with that
// callback data: what a modified client, or a press on a stale keyboard,
// sends. The message must still be one the bot sent in chatID.
func (s *Server) PressRaw(chatID, userID int64, messageID int, data string) string {
	s.t.Helper()
	id, err := s.press(chatID, userID, messageID, data, false)
	if err != nil {
		s.t.Fatalf("tgfake: PressRaw: %v", err)
	}
	return id
}

func (s *Server) press(chatID, userID int64, messageID int, data string, check bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(chatID, messageID)
	if m == nil || !m.fromBot {
		return "", fmt.Errorf("no message %d from the bot in chat %d", messageID, chatID)
	}
	if check {
		found := false
		var have []string
		for _, row := range m.keyboard {
			for _, b := range row {
				if b.kind == "callback_data" {
					d := b.export().CallbackData
					have = append(have, strconv.Quote(d))
					found = found || d == data
				}
			}
		}
		if !found {
			return "", fmt.Errorf("message %d in chat %d has no button with callback_data %q (it has: %s)",
				messageID, chatID, data, strings.Join(have, ", "))
		}
	}
	s.ensureChat(chatID, userID)
	id := strconv.FormatInt(s.nextQuery, 10)
	s.nextQuery++
	s.queries[id] = &query{id: id, chatID: chatID, msgID: messageID, pressed: s.now()}
	s.enqueue(map[string]any{"callback_query": map[string]any{
		"id":            id,
		"from":          userJSON(userID),
		"message":       s.messageJSON(m),
		"chat_instance": strconv.FormatInt(-chatID*7919+1234567, 10),
		"data":          data,
	}})
	return id, nil
}

// Pending is the number of queued updates getUpdates has not had confirmed
// yet (by a later call with a higher offset).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

func (s *Server) ensureChat(chatID, userID int64) *chat {
	if c, ok := s.chats[chatID]; ok {
		return c
	}
	c := &chat{id: chatID, typ: "group", userID: userID}
	switch {
	case chatID == userID:
		c.typ = "private"
	case chatID <= -1000000000000:
		c.typ = "supergroup"
	}
	s.chats[chatID] = c
	return c
}

func (s *Server) nextID(chatID int64) int {
	s.nextMsgID[chatID]++
	return s.nextMsgID[chatID]
}

func (s *Server) store(m *message) { s.msgs[m.chatID] = append(s.msgs[m.chatID], m) }

func (s *Server) find(chatID int64, id int) *message {
	for _, m := range s.msgs[chatID] {
		if m.id == id {
			return m
		}
	}
	return nil
}

func (s *Server) addFile(dir, name string, data []byte) *file {
	s.nextFile++
	n := s.nextFile
	mt := "application/octet-stream"
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		mt, _, _ = strings.Cut(t, ";")
	}
	prefix := map[string]string{"documents": "BQACAgIAAxkBAAI", "photos": "AgACAgIAAxkBAAI", "stickers": "CAACAgIAAxkBAAI"}[dir]
	f := &file{
		id:       fmt.Sprintf("%s%06dtgfake%012d", prefix, n, int64(n)*7919),
		uniqueID: fmt.Sprintf("AgAD%06d", n),
		path:     fmt.Sprintf("%s/file_%d%s", dir, n, strings.ToLower(path.Ext(name))),
		name:     name,
		mimeType: mt,
		data:     append([]byte(nil), data...),
	}
	s.files[f.id] = f
	s.paths[f.path] = f
	return f
}

func (s *Server) enqueue(u map[string]any) {
	u["update_id"] = s.nextUpdateID
	body, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	s.pending = append(s.pending, queuedUpdate{id: s.nextUpdateID, body: body})
	s.nextUpdateID++
	close(s.updCh)
	s.updCh = make(chan struct{})
}

func userJSON(id int64) map[string]any {
	return map[string]any{
		"id": id, "is_bot": false, "first_name": fmt.Sprintf("User%d", id),
		"username": fmt.Sprintf("user%d", id), "language_code": "en",
	}
}

func (s *Server) botJSON() map[string]any {
	return map[string]any{"id": s.botID, "is_bot": true, "first_name": BotFirstName, "username": BotUsername}
}

func (s *Server) chatJSON(id int64) map[string]any {
	c := s.chats[id]
	if c == nil || c.typ == "private" {
		return map[string]any{"id": id, "type": "private", "first_name": fmt.Sprintf("User%d", id),
			"username": fmt.Sprintf("user%d", id)}
	}
	return map[string]any{"id": id, "type": c.typ, "title": fmt.Sprintf("Group %d", id)}
}

func fileJSON(f *file) map[string]any {
	return map[string]any{"file_id": f.id, "file_unique_id": f.uniqueID, "file_size": len(f.data)}
}

// messageJSON is the Message object the Bot API returns or delivers.
func (s *Server) messageJSON(m *message) map[string]any {
	j := map[string]any{"message_id": m.id, "date": m.date.Unix(), "chat": s.chatJSON(m.chatID)}
	if m.fromBot {
		j["from"] = s.botJSON()
	} else {
		j["from"] = userJSON(m.userID)
	}
	textKey, entKey := "caption", "caption_entities"
	switch m.kind {
	case "text":
		textKey, entKey = "text", "entities"
	case "document":
		d := fileJSON(m.file)
		if m.file.name != "" {
			d["file_name"] = m.file.name
		}
		d["mime_type"] = m.file.mimeType
		j["document"] = d
	case "photo":
		var sizes []map[string]any
		for i, f := range m.photos {
			p := fileJSON(f)
			p["width"], p["height"] = 90*(i*8+1), 60*(i*8+1)
			sizes = append(sizes, p)
		}
		j["photo"] = sizes
	case "sticker":
		st := fileJSON(m.file)
		st["type"], st["width"], st["height"] = "regular", 512, 512
		st["is_animated"], st["is_video"], st["emoji"] = false, false, "👍"
		j["sticker"] = st
	}
	if m.plain != "" || m.kind == "text" {
		j[textKey] = m.plain
	}
	if len(m.entities) > 0 {
		j[entKey] = m.entities
	}
	if m.replyTo != 0 {
		if r := s.find(m.chatID, m.replyTo); r != nil {
			rj := s.messageJSON(&message{id: r.id, chatID: r.chatID, fromBot: r.fromBot, userID: r.userID,
				kind: r.kind, plain: r.plain, entities: r.entities, file: r.file, photos: r.photos, date: r.date})
			j["reply_to_message"] = rj
		}
	}
	if !m.editDate.IsZero() {
		j["edit_date"] = m.editDate.Unix()
	}
	if len(m.keyboard) > 0 {
		j["reply_markup"] = keyboardJSON(m.keyboard)
	}
	return j
}

// getUpdates serves the queued updates: those with update_id >= offset (a
// call with offset confirms, and forgets, the earlier ones; a negative offset
// keeps the last -offset), at most limit (1–100, default 100). With timeout
// > 0 and nothing queued it waits up to timeout seconds for an update. A
// newer getUpdates ends a waiting one with 409, and a set webhook makes it
// answer 409, as the real API does. allowed_updates is ignored.
func (s *Server) getUpdates(ctx context.Context, p map[string]string, _ map[string]Upload) (any, *apiError) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.ParseFloat(p["timeout"], 64)
	if timeout < 0 {
		timeout = 0
	}
	deadline := time.Now().Add(time.Duration(timeout * float64(time.Second)))

	s.mu.Lock()
	if s.webhook != "" {
		s.mu.Unlock()
		return nil, &apiError{code: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	s.pollSeq++
	me := s.pollSeq
	if s.pollKick != nil {
		close(s.pollKick)
	}
	kick := make(chan struct{})
	s.pollKick = kick
	switch {
	case offset > 0:
		i := 0
		for i < len(s.pending) && s.pending[i].id < offset {
			i++
		}
		s.pending = s.pending[i:]
	case offset < 0:
		if keep := int(-offset); keep < len(s.pending) {
			s.pending = s.pending[len(s.pending)-keep:]
		}
	}

	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if s.pollSeq != me {
			s.mu.Unlock()
			return nil, &apiError{code: http.StatusConflict, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		}
		if len(s.pending) > 0 {
			n := min(limit, len(s.pending))
			out := make([]json.RawMessage, n)
			for i := range n {
				out[i] = s.pending[i].body
			}
			s.mu.Unlock()
			return out, nil
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			s.mu.Unlock()
			return []json.RawMessage{}, nil
		}
		wait := s.updCh
		s.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(remaining)
		}
		select {
		case <-wait:
		case <-kick:
		case <-timer.C:
			return []json.RawMessage{}, nil
		case <-s.done:
			return []json.RawMessage{}, nil
		case <-ctx.Done():
			return nil, &apiError{code: statusClientGone, desc: "client closed request"}
		}
		s.mu.Lock()
	}
}
