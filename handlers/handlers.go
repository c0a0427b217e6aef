// Package handlers is the conversation: one small type per command, fed a
// transport-free Request and answering through a Replier that the Telegram
// bot and the terminal console both implement. Handlers never see Telegram.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"vigie/knowledge"
)

// Request is one thing a user sent: a command with its arguments, plain
// text, or a document.
type Request struct {
	ChatID  int64
	UserID  int64
	Command string // without the slash, lower case; "" for plain text
	Args    string // what follows the command
	Text    string // plain text (or a document's caption)
	Doc     *Document
	// Operator is set when the user may confirm actions.
	Operator bool
	// Source says where the request came from: a message, a button, the
	// console.
	Source string
}

// Request sources.
const (
	SourceMessage = "message"
	SourceButton  = "button"
	SourceConsole = "console"
)

// Document is a file a user sent.
type Document struct {
	Name string
	Size int64
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// BlockKind says how a block of a reply is shown.
type BlockKind int

// Block kinds. Text is Markdown-lite: `code` spans and **bold** only.
const (
	Heading BlockKind = iota
	Text
	Code
	Note // a short remark shown dimmed / in italics
)

// Block is one part of a reply.
type Block struct {
	Kind BlockKind
	Text string
}

// Button is an inline button. Pressing it runs the command Action with Arg
// as its arguments ("pitfall", "41.1"); the console shows it as that command.
type Button struct {
	Label  string
	Action string
	Arg    string
}

// File is an attachment (long logs go as a .txt file).
type File struct {
	Name string
	Data []byte
}

// Reply is what a handler answers, transport-free.
type Reply struct {
	Blocks  []Block
	Buttons [][]Button
	File    *File
}

// Replier is the reply side of a transport.
type Replier interface {
	Send(ctx context.Context, r Reply) error
}

// UserError carries a message that is safe and useful to show as it is.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// Userf builds a UserError.
func Userf(format string, a ...any) error { return &UserError{Msg: fmt.Sprintf(format, a...)} }

// Knowledge is what the handlers need of the knowledge engine.
type Knowledge interface {
	Match(text string) knowledge.Result
	ScanErr(r io.Reader) (knowledge.Result, error)
	Section(id string) (knowledge.Section, bool)
	Search(words string, n int) []knowledge.Match
	Suggest(id string) []string
}

// Deps are what the handlers are built with.
type Deps struct {
	Knowledge Knowledge
	Log       zerolog.Logger
	// MaxInput bounds a pasted text or a document, in bytes.
	MaxInput int64
	// Stack is the live stack; nil when vigie looks at no Docker host.
	Stack Stack
	// Checks are the settings of /check and /scan.
	Checks CheckSettings
	// Feedback stores 👍/👎 votes; nil: they are only logged.
	Feedback Feedback
	// Audit keeps the audit trail; nil: none.
	Audit AuditLog
	// Postgres reads the PostgreSQL servers of PostgresTargets (/db, /scores).
	Postgres        Postgres
	PostgresTargets []PostgresTarget
	// Actions configure remediation (/recreate, /restart, /opencut).
	Actions ActionSettings
	// Alerts is the watcher (/mute, /unmute, /alerts); nil: alerts are off.
	Alerts Alerts
	// Metrics counts matches and actions; nil counts nothing.
	Metrics Metrics
	// Assist is the model assistance (/ask, unsure diagnoses); nil: off,
	// and replies are exactly the lexical ones.
	Assist Assistant
}

// Metrics is what the handlers count; *metrics.Metrics implements it.
type Metrics interface {
	// ObserveMatch records the time one match against the corpus took.
	ObserveMatch(d time.Duration)
	// Action counts a confirmed action by runbook and outcome (ok, failed,
	// refused).
	Action(runbook, outcome string)
}

type noMetrics struct{}

func (noMetrics) ObserveMatch(time.Duration) {}
func (noMetrics) Action(string, string)      {}

// Mux routes requests to the command table's handlers.
type Mux struct {
	locks    locks
	asks     askRefs
	deps     Deps
	commands []Command
	byName   map[string]*Command
}

// NewMux builds the router over the command table.
func NewMux(d Deps) *Mux {
	if d.Metrics == nil {
		d.Metrics = noMetrics{}
	}
	m := &Mux{deps: d, byName: map[string]*Command{}}
	m.commands = commandTable()
	for i := range m.commands {
		c := &m.commands[i]
		m.byName[c.Name] = c
		for _, a := range c.Aliases {
			m.byName[a] = c
		}
	}
	return m
}

// Commands returns the command table, in /help order.
func (m *Mux) Commands() []Command { return m.commands }

// Handle answers one request. Errors a user caused are answered in one line;
// others are logged once with a reference the reply quotes.
func (m *Mux) Handle(ctx context.Context, req Request, out Replier) error {
	start := time.Now()
	err := m.dispatch(ctx, req, out)
	// Every request is audited, after the fact for reads; if the trail
	// cannot be written the user is told, and the read stands.
	if aerr := m.audit(ctx, req, outcomeOf(err), time.Since(start)); aerr != nil {
		m.deps.Log.Warn().Err(aerr).Msg("audit record not written")
		_ = out.Send(ctx, Reply{Blocks: []Block{{Kind: Note, Text: "⚠️ audit unavailable: this request was not recorded"}}})
	}
	if err == nil {
		return nil
	}
	var ue *UserError
	if errors.As(err, &ue) {
		return out.Send(ctx, Reply{Blocks: []Block{{Kind: Text, Text: "⚠️ " + ue.Msg}}})
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	ref := newRef()
	m.deps.Log.Error().Err(err).Str("ref", ref).Str("command", req.Command).Msg("handler failed")
	return out.Send(ctx, Reply{Blocks: []Block{{Kind: Text, Text: "internal error (ref " + ref + ")"}}})
}

func (m *Mux) dispatch(ctx context.Context, req Request, out Replier) error {
	if req.Command == "" {
		if req.Doc != nil {
			return m.diagnoseDocument(ctx, req, out)
		}
		return m.diagnoseText(ctx, req.ChatID, req.Text, out)
	}
	c, ok := m.byName[strings.ToLower(req.Command)]
	if !ok {
		return Userf("unknown command /%s — /help lists what I can do", req.Command)
	}
	if c.Operator && !req.Operator {
		return Userf("/%s is for operators: ask the owner to add your user id to telegram.operators", c.Name)
	}
	return c.Run(ctx, m, req, out)
}
