package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// Command is one entry of the command table, which drives routing, /help,
// the bot's setMyCommands and the console's completion alike.
type Command struct {
	Name    string
	Aliases []string
	Args    string // usage of the arguments, "" when none
	Help    string // one line
	// Operator marks commands that change something: viewers may not run
	// them. None of the current commands does.
	Operator bool
	// Hidden commands are reached by buttons only: not in /help nor in the
	// bot's command list.
	Hidden bool
	Run    func(ctx context.Context, m *Mux, req Request, out Replier) error
}

func commandTable() []Command {
	return []Command{
		{Name: "start", Help: "what vigie is and how to use it", Run: runStart},
		{Name: "help", Help: "list the commands", Run: runHelp},
		{Name: "diagnose", Args: "TEXT", Help: "match an error or log lines against the pitfalls (or just paste them)", Run: runDiagnose},
		{Name: "pitfall", Aliases: []string{"section"}, Args: "ID", Help: "show a pitfall section in full, e.g. /pitfall 41.1", Run: runPitfall},
		{Name: "ask", Args: "TEXT", Help: "diagnose with the model's help (LiteLLM): it chooses among the pitfalls and explains", Run: runAsk},
		{Name: "search", Args: "WORDS", Help: "find pitfalls by words, e.g. /search healthcheck localhost", Run: runSearch},
		{Name: "status", Args: "[SERVICE]", Help: "containers per host: problems first, then healthy counts", Run: runStatus},
		{Name: "logs", Args: "SERVICE [LINES]", Help: "the redacted tail of a service's log, known errors marked", Run: runLogs},
		{Name: "check", Args: "[SERVICE]", Help: "read-only checks from the corpus (env_file drift, healthchecks, socket, PG18, caps, OOM, restart loops)", Run: runCheck},
		{Name: "scan", Help: "match the last log lines of every running container against the pitfalls", Run: runScan},
		{Name: "db", Args: "[NAME]", Help: "the stack's PostgreSQL: version, database sizes, connections vs max", Run: runDB},
		{Name: "scores", Args: "[NAME]", Help: "the model_scores table (§3.3): best and worst models", Run: runScores},
		{Name: "recreate", Args: "SERVICE", Help: "force-recreate a compose service (rereads its env files); asks for confirmation", Run: runAction},
		{Name: "restart", Args: "SERVICE", Help: "restart a container (keeps its environment); asks for confirmation", Run: runAction},
		{Name: "opencut", Args: "on|off|status", Help: "start, stop or show OpenCut on the workstation; on/off ask for confirmation", Run: runAction},
		{Name: "confirm", Args: "ID", Help: "run a confirmed plan (the ✅ button)", Hidden: true, Operator: true, Run: runConfirm},
		{Name: "cancel", Args: "ID", Help: "drop a plan (the ❌ button)", Hidden: true, Operator: true, Run: runCancel},
		{Name: "alerts", Help: "the alert watcher: hosts followed, mutes, recent alerts", Run: runAlertsStatus},
		{Name: "mute", Args: "NAME|project NAME|host NAME [1h|24h|2d]", Help: "silence the alerts of a container, a compose project or a host for a while (default 1h)", Operator: true, Run: runMute},
		{Name: "unmute", Args: "NAME|project NAME|host NAME", Help: "lift a mute", Operator: true, Run: runUnmute},
		{Name: "history", Args: "[N]", Help: "the last N commands and actions from the audit trail: who, what, outcome", Run: runHistory},
		{Name: "feedback", Args: "up|down ID", Help: "rate a diagnosis (the 👍/👎 buttons)", Hidden: true, Run: runFeedback},
	}
}

func newRef() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ParseRequest turns one message typed in the console (or sent to the bot)
// into a Request: "/cmd@bot args" is a command, anything else is text.
func ParseRequest(msg string) Request {
	t := strings.TrimSpace(msg)
	if !strings.HasPrefix(t, "/") || strings.HasPrefix(t, "//") || len(t) == 1 {
		return Request{Text: msg}
	}
	name, args, _ := strings.Cut(t[1:], " ")
	if i := strings.IndexAny(name, "\n\t"); i >= 0 {
		name, args = name[:i], name[i+1:]+" "+args
	}
	name, _, _ = strings.Cut(name, "@")
	// A path such as /var/log/x pasted alone is text, not a command.
	if strings.ContainsAny(name, "/.:") {
		return Request{Text: msg}
	}
	return Request{Command: strings.ToLower(name), Args: strings.TrimSpace(args)}
}
