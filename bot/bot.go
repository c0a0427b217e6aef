// Package bot is vigie's Telegram front: the only package that imports
// go-telegram/bot. It turns updates into transport-free handler requests —
// after the allowlist, the roles and the rate limit — and handler replies
// back into Telegram HTML messages, documents and inline buttons whose
// callback data is a short opaque id for state kept here.
package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"

	"vigie/handlers"
)

// Options configure the bot.
type Options struct {
	Token        string
	APIURL       string
	AllowedChats []int64
	Operators    []int64
	Viewers      []int64

	// Webhook mode when WebhookListen is set; long polling otherwise.
	WebhookListen string
	WebhookURL    string
	WebhookSecret string

	RateLimit      int           // messages per user per minute
	ButtonTTL      time.Duration // how long a button stays valid
	RequestTimeout time.Duration // longest work on one message
	// ShutdownGrace bounds how long replies in flight may take to finish
	// after a stop signal.
	ShutdownGrace time.Duration
	// PollTimeout is the long-poll wait of getUpdates.
	PollTimeout time.Duration
	// Metrics counts updates, replies and Bot API failures; nil counts
	// nothing.
	Metrics Metrics
}

// Bot is a running Telegram bot.
type Bot struct {
	o         Options
	mux       *handlers.Mux
	log       zerolog.Logger
	api       *tg.Bot
	http      *http.Client
	access    *access
	limiter   *limiter
	callbacks *callbacks
	metrics   Metrics
	watch     *apiWatch

	mu      sync.Mutex
	running bool // between the start and the end of Run
	queues  map[int64]chan job
	stopped bool
	wg      sync.WaitGroup // jobs accepted and not finished
	workCtx context.Context
}

type job struct {
	update *models.Update
	role   Role
}

// ErrToken says Telegram refused the token.
var ErrToken = errors.New("the bot token was refused by Telegram (401 Unauthorized): check TELEGRAM_BOT_TOKEN or telegram.token")

// New checks the token with getMe and prepares the bot; nothing is received
// until Run.
func New(ctx context.Context, o Options, mux *handlers.Mux, log zerolog.Logger) (*Bot, error) {
	if o.RateLimit <= 0 {
		o.RateLimit = 20
	}
	if o.ButtonTTL <= 0 {
		o.ButtonTTL = 24 * time.Hour
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 2 * time.Minute
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 20 * time.Second
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 30 * time.Second
	}
	if o.Metrics == nil {
		o.Metrics = noMetrics{}
	}
	watch := &apiWatch{next: http.DefaultTransport, token: o.Token, now: time.Now}
	retry := newRetrying(log)
	retry.base = watch
	b := &Bot{
		o: o, mux: mux, log: log,
		access:    newAccess(o.AllowedChats, o.Operators, o.Viewers),
		limiter:   newLimiter(o.RateLimit),
		callbacks: newCallbacks(o.ButtonTTL),
		queues:    map[int64]chan job{},
		http:      &http.Client{Transport: retry},
		metrics:   o.Metrics,
		watch:     watch,
	}
	opts := []tg.Option{
		tg.WithServerURL(strings.TrimRight(o.APIURL, "/")),
		tg.WithHTTPClient(o.PollTimeout, b.http),
		tg.WithDefaultHandler(b.onUpdate),
		// One worker calling the handler in line: updates reach the chat
		// queues in the order Telegram numbered them (the handler only
		// enqueues, it never blocks).
		tg.WithWorkers(1),
		tg.WithNotAsyncHandlers(),
		tg.WithErrorsHandler(func(err error) {
			o.Metrics.Error("telegram")
			log.Warn().Err(redactTokenErr(err, o.Token)).Msg("Bot API")
		}),
		tg.WithCheckInitTimeout(20 * time.Second),
		tg.WithAllowedUpdates(tg.AllowedUpdates{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}),
	}
	if o.WebhookListen != "" {
		opts = append(opts, tg.WithWebhookSecretToken(o.WebhookSecret))
	}
	api, err := tg.New(o.Token, opts...)
	if err != nil {
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return nil, ErrToken
		}
		return nil, fmt.Errorf("reach the Bot API at %s: %v", o.APIURL, redactTokenErr(err, o.Token))
	}
	b.api = api
	return b, nil
}

// redactTokenErr keeps the token out of errors that quote a URL.
func redactTokenErr(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "<token>"))
}

// Run receives updates until ctx ends, then lets the replies in flight
// finish (within ShutdownGrace) before it returns.
func (b *Bot) Run(ctx context.Context) error {
	// Work started before the stop signal finishes after it.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	b.workCtx = work
	b.setRunning(true)
	defer b.setRunning(false)
	if err := b.registerCommands(ctx); err != nil {
		b.log.Warn().Err(redactTokenErr(err, b.o.Token)).Msg("setMyCommands failed; the command menu may be stale")
	}
	var srv *http.Server
	if b.o.WebhookListen != "" {
		ln, err := net.Listen("tcp", b.o.WebhookListen)
		if err != nil {
			return fmt.Errorf("webhook: listen on %s: %w", b.o.WebhookListen, err)
		}
		if _, err := b.api.SetWebhook(ctx, &tg.SetWebhookParams{URL: b.o.WebhookURL, SecretToken: b.o.WebhookSecret, AllowedUpdates: []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}}); err != nil {
			ln.Close()
			return fmt.Errorf("webhook: setWebhook %s: %v", b.o.WebhookURL, redactTokenErr(err, b.o.Token))
		}
		srv = &http.Server{Handler: b.webhookHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				b.log.Error().Err(err).Msg("webhook server stopped")
			}
		}()
		b.log.Info().Str("listen", ln.Addr().String()).Str("url", b.o.WebhookURL).Msg("bot running (webhook)")
		b.api.StartWebhook(ctx)
	} else {
		if _, err := b.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil {
			b.log.Warn().Err(redactTokenErr(err, b.o.Token)).Msg("deleteWebhook failed")
		}
		b.log.Info().Msg("bot running (long polling)")
		b.api.Start(ctx)
	}
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
	}
	return b.drain()
}

func (b *Bot) setRunning(v bool) {
	b.mu.Lock()
	b.running = v
	b.mu.Unlock()
}

// drain stops taking updates and waits for the replies in flight.
func (b *Bot) drain() error {
	b.mu.Lock()
	b.stopped = true
	for _, q := range b.queues {
		close(q)
	}
	b.queues = map[int64]chan job{}
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		b.log.Info().Msg("bot stopped; every reply in flight was sent")
		return nil
	case <-time.After(b.o.ShutdownGrace):
		return fmt.Errorf("bot stopped with replies still in flight after %s", b.o.ShutdownGrace)
	}
}

// webhookHandler refuses requests without the secret token before the
// library sees them.
func (b *Bot) webhookHandler() http.Handler {
	inner := b.api.WebhookHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != b.o.WebhookSecret {
			b.log.Warn().Str("remote", r.RemoteAddr).Msg("webhook call without the right secret token refused")
			http.Error(w, "forbidden", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		inner(w, r)
	})
}

func (b *Bot) registerCommands(ctx context.Context) error {
	var cmds []models.BotCommand
	for _, c := range b.mux.Commands() {
		if c.Hidden {
			continue
		}
		desc := c.Help
		if len(desc) > 256 {
			desc = desc[:253] + "..."
		}
		cmds = append(cmds, models.BotCommand{Command: c.Name, Description: desc})
	}
	_, err := b.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: cmds})
	return err
}

// onUpdate is called by the library for every update: allowlist and rate
// limit first, then the update joins its chat's queue, so replies in a
// chat keep the order of the messages.
func (b *Bot) onUpdate(ctx context.Context, _ *tg.Bot, u *models.Update) {
	defer b.recover("update")
	chatID, userID, name := origin(u)
	if chatID == 0 {
		return
	}
	role := b.access.role(chatID, userID)
	if role == Nobody {
		b.metrics.Update("not_allowed")
		if b.access.firstRefusal(chatID) {
			b.log.Info().Int64("chat_id", chatID).Int64("user_id", userID).Str("user", name).
				Msg("message from a chat or user not allowed: no reply (add the chat id to telegram.allowed_chats, the user id to operators or viewers)")
		}
		return
	}
	if u.Message != nil {
		if ok, warn := b.limiter.allow(userID); !ok {
			b.metrics.Update("rate_limited")
			if warn {
				b.enqueue(chatID, job{update: &models.Update{Message: &models.Message{Chat: u.Message.Chat, From: u.Message.From, Text: slowDownText}}, role: role})
			}
			return
		}
	}
	b.enqueue(chatID, job{update: u, role: role})
}

const slowDownText = "\x00slow down"

func (b *Bot) enqueue(chatID int64, j job) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	q, ok := b.queues[chatID]
	if !ok {
		q = make(chan job, 64)
		b.queues[chatID] = q
		go b.worker(q)
	}
	b.wg.Add(1)
	select {
	case q <- j:
	default:
		b.wg.Done()
		b.log.Warn().Int64("chat_id", chatID).Msg("chat queue full: update dropped")
	}
}

func (b *Bot) worker(q chan job) {
	for j := range q {
		b.process(j)
	}
}

func (b *Bot) process(j job) {
	defer b.wg.Done()
	defer b.recover("process")
	ctx, cancel := context.WithTimeout(b.workCtx, b.o.RequestTimeout)
	defer cancel()
	u := j.update
	start := time.Now()
	switch {
	case u.CallbackQuery != nil:
		b.metrics.Update("callback")
		b.onCallback(ctx, u.CallbackQuery, j.role)
	case u.Message != nil:
		if u.Message.Text != slowDownText {
			b.metrics.Update(messageKind(u.Message))
		}
		b.onMessage(ctx, u.Message, j.role)
	}
	chatID, userID, _ := origin(u)
	b.log.Debug().Int64("chat_id", chatID).Int64("user_id", userID).Dur("took", time.Since(start)).Msg("update handled")
}

// messageKind names a message for the updates counter.
func messageKind(m *models.Message) string {
	switch {
	case m.Document != nil:
		return "document"
	case strings.HasPrefix(strings.TrimSpace(m.Text), "/"):
		return "command"
	}
	return "message"
}

func (b *Bot) recover(where string) {
	if r := recover(); r != nil {
		b.log.Error().Interface("panic", r).Str("where", where).Msg("recovered from a panic; the bot goes on")
	}
}

// origin returns the chat and user of an update.
func origin(u *models.Update) (chatID, userID int64, name string) {
	switch {
	case u.Message != nil:
		chatID = u.Message.Chat.ID
		if u.Message.From != nil {
			userID, name = u.Message.From.ID, u.Message.From.Username
		}
	case u.CallbackQuery != nil:
		userID, name = u.CallbackQuery.From.ID, u.CallbackQuery.From.Username
		if m := u.CallbackQuery.Message.Message; m != nil {
			chatID = m.Chat.ID
		}
	}
	return chatID, userID, name
}

func (b *Bot) onMessage(ctx context.Context, m *models.Message, role Role) {
	out := b.replier(m.Chat.ID, userOf(m), 0)
	if m.Text == slowDownText {
		out.Send(ctx, note(fmt.Sprintf("⏳ You are sending faster than %d messages a minute: I will answer again in a moment.", b.o.RateLimit)))
		return
	}
	req := handlers.Request{ChatID: m.Chat.ID, UserID: userOf(m), Operator: role == Operator, Source: handlers.SourceMessage}
	switch {
	case m.Document != nil:
		req.Text = m.Caption
		req.Doc = b.document(m.Document)
	case strings.TrimSpace(m.Text) != "":
		parsed := handlers.ParseRequest(m.Text)
		parsed.ChatID, parsed.UserID, parsed.Operator, parsed.Source = req.ChatID, req.UserID, req.Operator, req.Source
		req = parsed
	case strings.TrimSpace(m.Caption) != "":
		req.Text = m.Caption
	case m.Sticker != nil || len(m.Photo) > 0 || m.Voice != nil || m.Video != nil || m.Animation != nil || m.Audio != nil:
		out.Send(ctx, note("I read text: paste the error or log lines, or send a .log or .txt file. /help lists the commands."))
		return
	default:
		out.Send(ctx, note("Nothing to diagnose: paste an error or log lines, or send a .log or .txt file."))
		return
	}
	stop := b.typing(ctx, m.Chat.ID)
	defer stop()
	if err := b.mux.Handle(ctx, req, out); err != nil && !errors.Is(err, context.Canceled) {
		b.log.Error().Err(err).Int64("chat_id", m.Chat.ID).Msg("reply failed")
	}
}

func userOf(m *models.Message) int64 {
	if m.From != nil {
		return m.From.ID
	}
	return m.Chat.ID
}

func note(text string) handlers.Reply {
	return handlers.Reply{Blocks: []handlers.Block{{Kind: handlers.Text, Text: text}}}
}

// typing shows "typing…" when the work takes more than a second, renewed
// every four seconds until stop.
func (b *Bot) typing(ctx context.Context, chatID int64) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = b.api.SendChatAction(ctx, &tg.SendChatActionParams{ChatID: chatID, Action: models.ChatActionTyping})
				t.Reset(4 * time.Second)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// maxDownload is the largest file the Bot API lets a bot download.
const maxDownload = 20 << 20

// document describes a file for the handlers; Open downloads it.
func (b *Bot) document(d *models.Document) *handlers.Document {
	return &handlers.Document{
		Name: d.FileName,
		Size: d.FileSize,
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			if d.FileSize > maxDownload {
				return nil, &handlers.UserError{Msg: fmt.Sprintf("Telegram lets bots download files up to 20 MB; %s is bigger: send the part around the error", d.FileName)}
			}
			f, err := b.api.GetFile(ctx, &tg.GetFileParams{FileID: d.FileID})
			if err != nil {
				return nil, fmt.Errorf("getFile: %v", redactTokenErr(err, b.o.Token))
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.api.FileDownloadLink(f), nil)
			if err != nil {
				return nil, redactTokenErr(err, b.o.Token)
			}
			resp, err := b.http.Do(req)
			if err != nil {
				return nil, fmt.Errorf("download %s: %v", d.FileName, redactTokenErr(err, b.o.Token))
			}
			if resp.StatusCode != http.StatusOK {
				resp.Body.Close()
				return nil, fmt.Errorf("download %s: HTTP %d", d.FileName, resp.StatusCode)
			}
			return resp.Body, nil
		},
	}
}
