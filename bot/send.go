package bot

import (
	"bytes"
	"context"
	"errors"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"vigie/handlers"
)

// chatReplier sends a handler's replies to one chat. When editID is set
// (a button was pressed on that message), the first reply replaces it.
type chatReplier struct {
	b      *Bot
	chatID int64
	userID int64
	editID int
	// sticky keeps editing the same message: a confirmed plan shows its
	// progress, then its outcome, in place.
	sticky bool
}

func (b *Bot) replier(chatID, userID int64, editID int) *chatReplier {
	return &chatReplier{b: b, chatID: chatID, userID: userID, editID: editID}
}

// keyboard registers the reply's buttons and returns the inline keyboard.
func (r *chatReplier) keyboard(rows [][]handlers.Button) *models.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{}
	for _, row := range rows {
		var out []models.InlineKeyboardButton
		for _, bt := range row {
			// A plan's ✅/❌ may be pressed by any operator of the chat (the
			// handlers check the role); other buttons by who asked.
			owner := r.userID
			if bt.Action == "confirm" || bt.Action == "cancel" {
				owner = 0
			}
			id := r.b.callbacks.add(button{chatID: r.chatID, userID: owner, action: bt.Action, arg: bt.Arg})
			out = append(out, models.InlineKeyboardButton{Text: bt.Label, CallbackData: id})
		}
		if len(out) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, out)
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		return nil
	}
	return kb
}

// Send renders the reply as HTML messages (split at 4096, never inside a
// tag), the buttons under the last one, and a file as a document.
func (r *chatReplier) Send(ctx context.Context, rep handlers.Reply) error {
	msgs := RenderHTML(rep, MaxMessage)
	kb := r.keyboard(rep.Buttons)
	for i, text := range msgs {
		var markup models.ReplyMarkup
		if i == len(msgs)-1 && kb != nil {
			markup = kb
		}
		if i == 0 && r.editID != 0 {
			err := r.edit(ctx, r.editID, text, markup)
			if !r.sticky {
				r.editID = 0
			}
			if err == nil {
				continue
			}
			// The message may be gone or too old to edit: send instead.
		}
		if _, err := r.send(ctx, text, markup); err != nil {
			return err
		}
	}
	if rep.File != nil {
		_, err := r.b.api.SendDocument(ctx, &tg.SendDocumentParams{
			ChatID:   r.chatID,
			Document: &models.InputFileUpload{Filename: rep.File.Name, Data: bytes.NewReader(rep.File.Data)},
		})
		if err != nil {
			r.b.metrics.Error("telegram")
			return redactTokenErr(err, r.b.o.Token)
		}
		r.b.metrics.Reply("document")
	}
	return nil
}

func (r *chatReplier) send(ctx context.Context, text string, markup models.ReplyMarkup) (int, error) {
	m, err := r.b.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: r.chatID, Text: text, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	if err != nil && errors.Is(err, tg.ErrorBadRequest) && strings.Contains(err.Error(), "can't parse entities") {
		// Never leave a reply undelivered for want of markup: plain text.
		r.b.log.Error().Err(err).Msg("Telegram refused the HTML of a reply; sent as plain text")
		m, err = r.b.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: r.chatID, Text: stripTags(text), ReplyMarkup: markup})
	}
	if err != nil {
		r.b.metrics.Error("telegram")
		return 0, redactTokenErr(err, r.b.o.Token)
	}
	r.b.metrics.Reply("message")
	return m.ID, nil
}

// ErrChatNotAllowed refuses a push to a chat outside the allowlist.
var ErrChatNotAllowed = errors.New("chat not in telegram.allowed_chats: nothing sent")

// Push sends a reply nobody asked for (an alert) to an allowed chat and
// returns the id of its first message. Its buttons may be pressed by anyone
// allowed in the chat; the handlers check the role of what they run.
func (b *Bot) Push(ctx context.Context, chatID int64, rep handlers.Reply) (int, error) {
	if !b.access.chats[chatID] {
		return 0, ErrChatNotAllowed
	}
	r := b.replier(chatID, 0, 0)
	msgs := RenderHTML(rep, MaxMessage)
	kb := r.keyboard(rep.Buttons)
	first := 0
	for i, text := range msgs {
		var markup models.ReplyMarkup
		if i == len(msgs)-1 && kb != nil {
			markup = kb
		}
		id, err := r.send(ctx, text, markup)
		if err != nil {
			return first, err
		}
		if i == 0 {
			first = id
		}
	}
	return first, nil
}

// EditPushed replaces a pushed message (an alert whose count rose, a
// container healthy again) with a new rendering of its reply.
func (b *Bot) EditPushed(ctx context.Context, chatID int64, messageID int, rep handlers.Reply) error {
	if !b.access.chats[chatID] {
		return ErrChatNotAllowed
	}
	r := b.replier(chatID, 0, 0)
	msgs := RenderHTML(rep, MaxMessage)
	if len(msgs) == 0 {
		return nil
	}
	var markup models.ReplyMarkup
	if kb := r.keyboard(rep.Buttons); kb != nil && len(msgs) == 1 {
		markup = kb
	}
	return redactTokenErr(r.edit(ctx, messageID, msgs[0], markup), b.o.Token)
}

func (r *chatReplier) edit(ctx context.Context, id int, text string, markup models.ReplyMarkup) error {
	_, err := r.b.api.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: r.chatID, MessageID: id, Text: text, ParseMode: models.ParseModeHTML, ReplyMarkup: markup})
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	if err == nil {
		r.b.metrics.Reply("edit")
	}
	return err
}

// stripTags turns our HTML back into plain text.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(b.String())
}

// expiredText answers a button that is unknown, expired or not the user's.
const expiredText = "expired — nothing was done"

// onCallback answers a button press at once, then runs what the button
// names. A 👍/👎 is acknowledged in the answer and its row removed; any
// other button's reply replaces the message it is under.
func (b *Bot) onCallback(ctx context.Context, q *models.CallbackQuery, role Role) {
	msg := q.Message.Message
	if msg == nil {
		b.answer(ctx, q.ID, expiredText, true)
		return
	}
	bt, ok := b.callbacks.take(q.Data, msg.Chat.ID, q.From.ID)
	if !ok {
		b.log.Info().Int64("chat_id", msg.Chat.ID).Int64("user_id", q.From.ID).Msg("unknown, expired or foreign button: nothing done")
		b.answer(ctx, q.ID, expiredText, true)
		return
	}
	req := handlers.Request{ChatID: msg.Chat.ID, UserID: q.From.ID, Command: bt.action, Args: bt.arg, Operator: role == Operator, Source: handlers.SourceButton}
	if bt.action == "feedback" {
		rec := &collect{}
		_ = b.mux.Handle(ctx, req, rec)
		b.answer(ctx, q.ID, rec.text(), false)
		// The message loses its feedback row: one rating per answer.
		if kb := withoutFeedback(msg.ReplyMarkup); kb != nil {
			_, _ = b.api.EditMessageReplyMarkup(ctx, &tg.EditMessageReplyMarkupParams{ChatID: msg.Chat.ID, MessageID: msg.ID, ReplyMarkup: kb})
		}
		return
	}
	stop := b.typing(ctx, msg.Chat.ID)
	defer stop()
	out := b.replier(msg.Chat.ID, q.From.ID, 0)
	var replier handlers.Replier = out
	switch bt.action {
	case "pitfall":
		b.answer(ctx, q.ID, "", false)
		// Reading the full section replaces the summary it was under.
		out.editID = msg.ID
	case "confirm", "cancel":
		// The plan message turns into its progress, then its outcome; a
		// refusal (a viewer, a second tap, an expired plan) is only said
		// in the answer, and the plan stays for an operator.
		out.editID, out.sticky = msg.ID, true
		pr := &pressReplier{chatReplier: out, b: b, queryID: q.ID}
		defer pr.finish(ctx)
		replier = pr
	default:
		b.answer(ctx, q.ID, "", false)
	}
	if err := b.mux.Handle(ctx, req, replier); err != nil && !errors.Is(err, context.Canceled) {
		b.log.Error().Err(err).Msg("button reply failed")
	}
}

// pressReplier answers a ✅/❌ press with its first reply: a refusal goes
// in the answer only, anything else edits the plan message.
type pressReplier struct {
	*chatReplier
	b        *Bot
	queryID  string
	answered bool
}

func (p *pressReplier) Send(ctx context.Context, rep handlers.Reply) error {
	if !p.answered {
		p.answered = true
		if len(rep.Blocks) == 1 && strings.HasPrefix(rep.Blocks[0].Text, "⚠️ ") {
			p.b.answer(ctx, p.queryID, strings.TrimPrefix(rep.Blocks[0].Text, "⚠️ "), true)
			return nil
		}
		p.b.answer(ctx, p.queryID, "", false)
	}
	return p.chatReplier.Send(ctx, rep)
}

func (p *pressReplier) finish(ctx context.Context) {
	if !p.answered {
		p.answered = true
		p.b.answer(ctx, p.queryID, "", false)
	}
}

func (b *Bot) answer(ctx context.Context, id, text string, alert bool) {
	if len([]rune(text)) > 200 {
		text = string([]rune(text)[:199]) + "…"
	}
	if _, err := b.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text, ShowAlert: alert}); err != nil {
		b.log.Warn().Err(redactTokenErr(err, b.o.Token)).Msg("answerCallbackQuery failed")
	}
}

// withoutFeedback returns the keyboard minus the 👍/👎 row, nil when unchanged.
func withoutFeedback(m *models.InlineKeyboardMarkup) *models.InlineKeyboardMarkup {
	if m == nil {
		return nil
	}
	out := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}
	changed := false
	for _, row := range m.InlineKeyboard {
		if len(row) > 0 && (row[0].Text == "👍" || row[0].Text == "👎") {
			changed = true
			continue
		}
		out.InlineKeyboard = append(out.InlineKeyboard, row)
	}
	if !changed {
		return nil
	}
	return out
}

// collect keeps replies as plain text (for callback answers).
type collect struct{ replies []handlers.Reply }

func (c *collect) Send(_ context.Context, r handlers.Reply) error {
	c.replies = append(c.replies, r)
	return nil
}

func (c *collect) text() string {
	var parts []string
	for _, r := range c.replies {
		for _, bl := range r.Blocks {
			parts = append(parts, strings.TrimPrefix(bl.Text, "⚠️ "))
		}
	}
	return strings.Join(parts, " ")
}
