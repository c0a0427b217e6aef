package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"

	"vigie/bot"
	"vigie/handlers"
	"vigie/knowledge"
	"vigie/watch"
)

// watchOptions turns the watch section into the watcher's options.
func (e *env) watchOptions(ix *knowledge.Index) watch.Options {
	w := e.cfg.Watch
	return watch.Options{
		Chats:           e.cfg.AlertChats(),
		Cooldown:        w.Cooldown.Std(),
		LogLines:        w.LogLines,
		LoopCount:       w.RestartLoop.Count,
		LoopWindow:      w.RestartLoop.Window.Std(),
		BurstContainers: w.Burst.Containers,
		BurstWindow:     w.Burst.Window.Std(),
		StartupSummary:  w.StartupSummary,
		ScanInterval:    w.ScanInterval.Std(),
		Diagnoser:       handlers.Diagnoser{K: ix},
	}
}

// botAlerts delivers alerts to Telegram chats, rendered by the handlers.
type botAlerts struct {
	b   *bot.Bot
	mux *handlers.Mux
}

func (n botAlerts) Send(ctx context.Context, chatID int64, a watch.Alert) (int, error) {
	return n.b.Push(ctx, chatID, n.mux.AlertReply(a))
}

func (n botAlerts) Edit(ctx context.Context, chatID int64, id int, a watch.Alert) error {
	return n.b.EditPushed(ctx, chatID, id, n.mux.AlertReply(a))
}

// printAlerts writes alerts to a terminal: a new one in full, an update
// as the alert it replaces, marked.
type printAlerts struct {
	mu    sync.Mutex
	out   io.Writer
	mux   *handlers.Mux
	color bool
	next  int
}

func (p *printAlerts) Send(_ context.Context, _ int64, a watch.Alert) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	fmt.Fprintf(p.out, "── alert #%d\n%s\n", p.next, RenderText(p.mux.AlertReply(a), p.color))
	return p.next, nil
}

func (p *printAlerts) Edit(_ context.Context, _ int64, id int, a watch.Alert) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, "── alert #%d updated\n%s\n", id, RenderText(p.mux.AlertReply(a), p.color))
	return nil
}

// cmdWatch follows the Docker events and prints the alerts, as the bot
// would send them, until interrupted.
func cmdWatch(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		return e.usageErr(fs, "watch takes no arguments")
	}
	e.cfg.Watch.Enabled = true
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	// One pseudo-chat: the terminal.
	w := e.watcherFor([]int64{0})
	fmt.Fprintf(e.io.Err, "vigie: watching %v — alerts print here; Ctrl-C stops\n", w.Hosts())
	if err := w.Run(ctx, &printAlerts{out: e.io.Out, mux: mux, color: e.io.Color}); err != nil {
		return e.fail("%v", err)
	}
	return ExitOK
}

// watcherFor rebuilds the watcher for other chats (the terminal).
func (e *env) watcherFor(chats []int64) *watch.Watcher {
	o := e.watchOptions(e.index)
	o.Chats = chats
	return watch.New(e.stk, e.store(), o, e.log.With().Str("component", "watch").Logger())
}
