package handlers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"vigie/store"
)

// PostgresTarget is a PostgreSQL of the stack that /db and /scores read.
type PostgresTarget struct {
	Name string
	URL  string // never shown
}

// Postgres reads the stack's PostgreSQL, read-only.
type Postgres interface {
	Inspect(ctx context.Context, url string, timeout time.Duration) (store.DBInfo, error)
	Scores(ctx context.Context, url string, timeout time.Duration) ([]store.ModelScore, error)
}

// PostgresReader is Postgres through the store package's read-only queries.
type PostgresReader struct{}

// Inspect reads version, database sizes and connections.
func (PostgresReader) Inspect(ctx context.Context, url string, t time.Duration) (store.DBInfo, error) {
	return store.Inspect(ctx, url, t)
}

// Scores reads the model_scores table (corpus §3.3).
func (PostgresReader) Scores(ctx context.Context, url string, t time.Duration) ([]store.ModelScore, error) {
	return store.Scores(ctx, url, t)
}

const pgTimeout = 10 * time.Second

func (m *Mux) pgTargets(name string) ([]PostgresTarget, error) {
	if len(m.deps.PostgresTargets) == 0 || m.deps.Postgres == nil {
		return nil, Userf("no PostgreSQL to read: add one under diagnostics.postgres in the configuration")
	}
	if name == "" {
		return m.deps.PostgresTargets, nil
	}
	var names []string
	for _, t := range m.deps.PostgresTargets {
		if t.Name == name {
			return []PostgresTarget{t}, nil
		}
		names = append(names, t.Name)
	}
	return nil, Userf("no PostgreSQL named %q — configured: %s", name, strings.Join(names, ", "))
}

func runDB(ctx context.Context, m *Mux, req Request, out Replier) error {
	targets, err := m.pgTargets(strings.TrimSpace(req.Args))
	if err != nil {
		return err
	}
	lines := make([]string, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			info, err := m.deps.Postgres.Inspect(ctx, t.URL, pgTimeout)
			if err != nil {
				lines[i] = "⛔ " + t.Name + ": " + err.Error()
				return
			}
			var dbs []string
			for _, d := range info.Databases {
				if d.Bytes >= 0 {
					dbs = append(dbs, fmt.Sprintf("%s %s", d.Name, humanBytes(d.Bytes)))
				}
			}
			icon := "✅"
			if info.MaxConnections > 0 && info.Connections*10 >= info.MaxConnections*8 {
				icon = "⚠️"
			}
			lines[i] = fmt.Sprintf("%s %s: PostgreSQL %s · connections %d/%d\n    %s", icon, t.Name, info.Version, info.Connections, info.MaxConnections, strings.Join(dbs, " · "))
		}()
	}
	wg.Wait()
	return out.Send(ctx, Reply{Blocks: []Block{{Kind: Heading, Text: "PostgreSQL"}, {Kind: Text, Text: strings.Join(lines, "\n")}}})
}

func runScores(ctx context.Context, m *Mux, req Request, out Replier) error {
	targets, err := m.pgTargets(strings.TrimSpace(req.Args))
	if err != nil {
		return err
	}
	var blocks []Block
	for _, t := range targets {
		scores, err := m.deps.Postgres.Scores(ctx, t.URL, pgTimeout)
		if err != nil {
			blocks = append(blocks, Block{Kind: Text, Text: "⛔ " + t.Name + ": " + err.Error()})
			continue
		}
		blocks = append(blocks, Block{Kind: Heading, Text: fmt.Sprintf("Model scores — %s (%d models)", t.Name, len(scores))})
		if len(scores) == 0 {
			blocks = append(blocks, Block{Kind: Note, Text: "model_scores is empty"})
			continue
		}
		show := scores
		var rest []store.ModelScore
		if len(scores) > 10 {
			show, rest = scores[:5], scores[len(scores)-5:]
		}
		blocks = append(blocks, Block{Kind: Code, Text: scoreTable(show, rest)})
	}
	return out.Send(ctx, Reply{Blocks: blocks})
}

func scoreTable(best, worst []store.ModelScore) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %5s %6s %5s %5s %5s\n", "model", "score", "calls", "ok%", "👍", "👎")
	row := func(s store.ModelScore) {
		fmt.Fprintf(&b, "%-28s %5d %6d %4.0f%% %5d %5d\n", clipRunes(s.Model, 28), s.Score, s.Calls, 100*s.SuccessRate, s.Likes, s.Dislikes)
	}
	for _, s := range best {
		row(s)
	}
	if len(worst) > 0 {
		b.WriteString("…\n")
		for _, s := range worst {
			row(s)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
