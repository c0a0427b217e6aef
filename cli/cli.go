// Package cli holds vigie's subcommands: flag parsing, wiring of the
// packages, and the terminal console. cmd/vigie only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"vigie/config"
	"vigie/handlers"
	"vigie/knowledge"
	"vigie/knowledge/assist"
	"vigie/metrics"
	"vigie/runbooks"
	"vigie/stack"
	"vigie/watch"
)

// Version is set at build time (-ldflags "-X vigie/cli.Version=…").
var Version = "dev"

// Exit codes, as DESIGN.md has them.
const (
	ExitOK      = 0
	ExitFailure = 1 // findings, or a failure
	ExitUsage   = 2
)

// IO is what a subcommand reads and writes.
type IO struct {
	In          io.Reader
	Out, Err    io.Writer
	Interactive bool // stdin is a terminal
	Color       bool // stdout is a terminal
}

type subcommand struct {
	name, args, help string
	run              func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int
	flags            func(fs *flag.FlagSet)
}

func subcommands() []subcommand {
	return []subcommand{
		{name: "run", help: "run the Telegram bot (token and allowed chats required)", run: cmdRun},
		{name: "console", help: "chat with vigie in the terminal (no token needed)", run: cmdConsole},
		{name: "diagnose", args: "[--json] [--llm | --show-prompt] [TEXT | -]", help: "match an error, log lines or a log file (stdin with -) against the pitfalls", run: cmdDiagnose, flags: diagnoseFlags},
		{name: "pitfall", args: "[--json] ID", help: "print one pitfall section", run: cmdPitfall, flags: jsonFlag},
		{name: "search", args: "[--json] WORDS", help: "find pitfall sections by words", run: cmdSearch, flags: jsonFlag},
		{name: "status", args: "[--json] [SERVICE]", help: "containers per host, problems first (or one service in detail)", run: cmdStatus, flags: jsonFlag},
		{name: "logs", args: "SERVICE [LINES]", help: "the redacted tail of a service's log, known errors marked", run: cmdLogs},
		{name: "check", args: "[--json] [SERVICE]", help: "read-only checks derived from the corpus; exit 1 when something is found", run: cmdCheck, flags: jsonFlag},
		{name: "scan", args: "[--json]", help: "match the last log lines of every running container against the pitfalls", run: cmdScan, flags: jsonFlag},
		{name: "db", args: "[NAME]", help: "the stack's PostgreSQL: version, database sizes, connections", run: cmdDB},
		{name: "scores", args: "[NAME]", help: "the model_scores table (§3.3), best and worst", run: cmdScores},
		{name: "watch", help: "follow the Docker events and print the alerts the bot would send (no token needed)", run: cmdWatch},
		{name: "history", args: "[--json] [N]", help: "the last N commands and actions from the audit trail", run: cmdHistory, flags: jsonFlag},
		{name: "eval", args: "[--json] [--llm] [--min-top1 X] [--min-top3 Y] [--min-abstain Z] FILE.yaml", help: "score the matcher (and with --llm the model's lift) on an evaluation file", run: cmdEval, flags: evalFlags},
		{name: "healthcheck", args: "[--url URL] [--timeout D]", help: "ask a running vigie's /healthz; exit 0 when healthy (for a container HEALTHCHECK)", run: cmdHealthcheck, flags: healthcheckFlags},
		{name: "version", help: "print the version", run: cmdVersion},
	}
}

// env is what every subcommand gets: the IO, the loaded configuration,
// a logger, and the knowledge index and handlers built lazily.
type env struct {
	io      IO
	cfg     config.Config
	cfgPath string
	log     zerolog.Logger
	index   *knowledge.Index
	mux     *handlers.Mux
	stk     *stack.Stack
	st      *lazyStore
	watcher *watch.Watcher
	met     *metrics.Metrics
	asst    *assist.Assistant
}

// Main runs vigie with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, o IO) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(o.Err)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	var sc *subcommand
	for _, s := range subcommands() {
		if s.name == args[0] {
			s := s
			sc = &s
		}
	}
	if sc == nil {
		fmt.Fprintf(o.Err, "vigie: unknown command %q — run `vigie help` for the list\n", args[0])
		return ExitUsage
	}
	fs := flag.NewFlagSet("vigie "+sc.name, flag.ContinueOnError)
	fs.SetOutput(o.Err)
	cfgPath := fs.String("config", "", "configuration file (else $VIGIE_CONFIG, else ./config.yaml when present, else embedded defaults)")
	var corpus multiFlag
	fs.Var(&corpus, "corpus", "Markdown corpus file or directory (repeatable; replaces knowledge.corpus)")
	logLevel := fs.String("log-level", "", "debug, info, warn or error (overrides log.level)")
	if sc.flags != nil {
		sc.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(o.Err, "usage: vigie %s %s\n\n%s\n\nflags:\n", sc.name, sc.args, sc.help)
		fs.PrintDefaults()
	}
	if err := fs.Parse(interspersed(fs, args[1:])); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	cfg, path, err := config.Resolve(*cfgPath)
	if err != nil {
		fmt.Fprintf(o.Err, "vigie: %v\n", err)
		return ExitFailure
	}
	if *logLevel != "" {
		cfg.Log.Level = *logLevel
	}
	if len(corpus) > 0 {
		cfg.Knowledge.Corpus = corpus
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(o.Err, "vigie: invalid configuration%s:\n%v\n", inFile(path), err)
		return ExitFailure
	}
	e := &env{io: o, cfg: cfg, cfgPath: path, log: newLogger(cfg, o.Err), met: metrics.New(Version)}
	code := sc.run(ctx, e, fs, fs.Args())
	if e.stk != nil {
		_ = e.stk.Close()
	}
	if e.st != nil {
		_ = e.st.Close()
	}
	return code
}

func inFile(path string) string {
	if path == "" {
		return ""
	}
	return " (" + path + ")"
}

// interspersed moves flags after positional arguments to the front, so that
// `vigie diagnose "text" --json` works like `vigie diagnose --json "text"`.
// A lone "-" (stdin) and everything after "--" stay positional.
func interspersed(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil {
				if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
					continue
				}
				if i+1 < len(args) {
					i++
					flags = append(flags, args[i])
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(append(flags, "--"), pos...)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "vigie — operator assistant for a self-hosted Docker Compose stack")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: vigie COMMAND [flags] [args]")
	fmt.Fprintln(w)
	for _, s := range subcommands() {
		fmt.Fprintf(w, "  %-11s %s\n", s.name, s.help)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command takes --config FILE, --corpus PATH and --log-level LEVEL; `vigie COMMAND -h` for its own flags.")
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func jsonFlag(fs *flag.FlagSet) { fs.Bool("json", false, "print JSON") }

func isJSON(fs *flag.FlagSet) bool {
	f := fs.Lookup("json")
	return f != nil && f.Value.String() == "true"
}

func newLogger(cfg config.Config, w io.Writer) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(cfg.Log.Level)
	if err != nil || cfg.Log.Level == "" {
		lvl = zerolog.InfoLevel
	}
	var out io.Writer = w
	if cfg.Log.Format != "json" {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: true}
	}
	return zerolog.New(out).Level(lvl).With().Timestamp().Logger()
}

// knowledge loads the corpus and builds the index once.
func (e *env) knowledge() (*knowledge.Index, error) {
	if e.index != nil {
		return e.index, nil
	}
	start := time.Now()
	secs, err := knowledge.LoadFiles(e.cfg.Knowledge.Corpus)
	if err != nil {
		return nil, err
	}
	e.index = knowledge.NewIndex(secs, e.cfg.Knowledge.Services)
	src := knowledge.DefaultCorpusName
	if len(e.cfg.Knowledge.Corpus) > 0 {
		src = strings.Join(e.cfg.Knowledge.Corpus, ",")
	}
	e.log.Debug().Str("corpus", src).Int("sections", len(secs)).Dur("took", time.Since(start)).Msg("corpus indexed")
	return e.index, nil
}

func (e *env) handlers() (*handlers.Mux, error) {
	if e.mux != nil {
		return e.mux, nil
	}
	ix, err := e.knowledge()
	if err != nil {
		return nil, err
	}
	stk, err := e.stack()
	if err != nil {
		return nil, err
	}
	st := e.store()
	ix.SetVotes(st.votes)
	var pg []handlers.PostgresTarget
	for _, t := range e.cfg.Diagnostics.Postgres {
		pg = append(pg, handlers.PostgresTarget{Name: t.Name, URL: t.URL.Reveal()})
	}
	rbs, err := runbooks.LoadOptions{SectionExists: func(id string) bool { _, ok := ix.Section(id); return ok }}.Load(e.cfg.Runbooks.Dir)
	if err != nil {
		return nil, err
	}
	// The model is consulted by the bot and the console only when enabled;
	// a nil *Assistant must not become a non-nil interface.
	var helper handlers.Assistant
	if a := e.assistant(); a != nil && e.cfg.LLM.Enabled {
		helper = a
	}
	deps := handlers.Deps{
		Assist: helper,
		Actions: handlers.ActionSettings{
			Runbooks: rbs, Executor: stk, Pending: st,
			Compose:    stack.Compose{Command: e.cfg.Compose.Command, Timeout: e.cfg.Compose.Timeout.Std()},
			ReadOnly:   e.cfg.Safety.ReadOnly,
			ConfirmTTL: e.cfg.Actions.ConfirmTTL.Std(),
		},
		Postgres:        handlers.PostgresReader{},
		PostgresTargets: pg,
		Audit:           st,
		Feedback:        st,
		Knowledge:       ix,
		Log:             e.log.With().Str("component", "handlers").Logger(),
		MaxInput:        int64(e.cfg.Knowledge.MaxInputMB) << 20,
		Stack:           stk,
		Checks:          handlers.CheckSettings{LogLines: e.cfg.Checks.LogLines, RestartThreshold: e.cfg.Checks.RestartThreshold},
		Metrics:         e.met,
	}
	if e.cfg.Watch.Enabled {
		o := e.watchOptions(ix)
		if e.met != nil {
			o.Metric = func(k watch.Kind) { e.met.Alert(string(k)) }
		}
		o.Record = func(a watch.Alert, delivered int, err error) { st.recordAlert(a, delivered, err) }
		e.watcher = watch.New(stk, st, o, e.log.With().Str("component", "watch").Logger())
		deps.Alerts = e.watcher
		deps.Actions.Expect = e.watcher.Expect
	}
	e.mux = handlers.NewMux(deps)
	return e.mux, nil
}

// fail prints one line and returns the failure exit code.
func (e *env) fail(format string, a ...any) int {
	fmt.Fprintf(e.io.Err, "vigie: "+format+"\n", a...)
	return ExitFailure
}

func (e *env) usageErr(fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(e.io.Err, "vigie: "+format+"\n", a...)
	fmt.Fprintf(e.io.Err, "usage: %s — see `%s -h`\n", fs.Name(), fs.Name())
	return ExitUsage
}

func cmdVersion(_ context.Context, e *env, _ *flag.FlagSet, _ []string) int {
	fmt.Fprintln(e.io.Out, "vigie", Version)
	return ExitOK
}

func cmdConsole(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		return e.usageErr(fs, "console takes no arguments")
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	if err := runConsole(ctx, mux, e.io.In, e.io.Out, e.io.Interactive, e.io.Color); err != nil {
		return e.fail("%v", err)
	}
	return ExitOK
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// StdIO is the process's standard streams.
func StdIO() IO {
	return IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Interactive: isTerminal(os.Stdin), Color: isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""}
}

var getenv = os.Getenv
