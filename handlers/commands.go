package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	Run      func(ctx context.Context, m *Mux, req Request, out Replier) error
}

func commandTable() []Command {
	return []Command{
		{Name: "start", Help: "what vigie is and how to use it", Run: runStart},
		{Name: "help", Help: "list the commands", Run: runHelp},
		{Name: "diagnose", Args: "TEXT", Help: "match an error or log lines against the pitfalls (or just paste them)", Run: runDiagnose},
		{Name: "pitfall", Aliases: []string{"section"}, Args: "ID", Help: "show a pitfall section in full, e.g. /pitfall 41.1", Run: runPitfall},
		{Name: "search", Args: "WORDS", Help: "find pitfalls by words, e.g. /search healthcheck localhost", Run: runSearch},
		{Name: "status", Args: "[SERVICE]", Help: "containers per host: problems first, then healthy counts", Run: runStatus},
		{Name: "logs", Args: "SERVICE [LINES]", Help: "the redacted tail of a service's log, known errors marked", Run: runLogs},
		{Name: "check", Args: "[SERVICE]", Help: "read-only checks from the corpus (env_file drift, healthchecks, socket, PG18, caps, OOM, restart loops)", Run: runCheck},
		{Name: "scan", Help: "match the last log lines of every running container against the pitfalls", Run: runScan},
	}
}

func newRef() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
