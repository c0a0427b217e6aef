package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"vigie/handlers"
)

// pasteIdle is how long the console waits for more lines before it takes a
// paste as complete.
const pasteIdle = 150 * time.Millisecond

// consoleReplier writes replies to the terminal.
type consoleReplier struct {
	w     io.Writer
	color bool
}

func (c *consoleReplier) Send(_ context.Context, r handlers.Reply) error {
	_, err := io.WriteString(c.w, RenderText(r, c.color)+"\n")
	return err
}

// runConsole is a chat in the terminal driven by the same handlers as the
// bot. A paste of several lines is one message: lines are gathered until a
// blank line, end of input, or a pause in the typing.
func runConsole(ctx context.Context, mux *handlers.Mux, in io.Reader, out io.Writer, interactive, color bool) error {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	rep := &consoleReplier{w: out, color: color}
	if interactive {
		fmt.Fprintln(out, "vigie console — paste an error or log lines, /help for commands, /quit to leave.")
	}
	for {
		if interactive {
			fmt.Fprint(out, "vigie> ")
		}
		var first string
		select {
		case <-ctx.Done():
			return nil
		case l, ok := <-lines:
			if !ok {
				return nil
			}
			first = l
		}
		if strings.TrimSpace(first) == "" {
			continue
		}
		t := strings.TrimSpace(first)
		if t == "/quit" || t == "/exit" {
			return nil
		}
		msg := first
		if !strings.HasPrefix(t, "/") {
			msg = gatherPaste(ctx, first, lines)
		}
		req := handlers.ParseRequest(msg)
		// The console is its operator's own terminal.
		req.Source, req.Operator = handlers.SourceConsole, true
		if err := mux.Handle(ctx, req, rep); err != nil {
			return err
		}
	}
}

// gatherPaste reads the rest of a multi-line paste.
func gatherPaste(ctx context.Context, first string, lines <-chan string) string {
	buf := []string{first}
	timer := time.NewTimer(pasteIdle)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return strings.Join(buf, "\n")
		case l, ok := <-lines:
			if !ok || strings.TrimSpace(l) == "" {
				return strings.Join(buf, "\n")
			}
			buf = append(buf, l)
			if !timer.Stop() {
				<-timer.C
			}
			timer.Reset(pasteIdle)
		case <-timer.C:
			return strings.Join(buf, "\n")
		}
	}
}
