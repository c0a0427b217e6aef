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

// ParseRequest turns one message typed in the console (or sent to the bot)
// into a Request: "/cmd@bot args" is a command, anything else is text.
func ParseRequest(msg string) handlers.Request {
	t := strings.TrimSpace(msg)
	if !strings.HasPrefix(t, "/") || strings.HasPrefix(t, "//") || len(t) == 1 {
		return handlers.Request{Text: msg}
	}
	name, args, _ := strings.Cut(t[1:], " ")
	if i := strings.IndexAny(name, "\n\t"); i >= 0 {
		name, args = name[:i], name[i+1:]+" "+args
	}
	name, _, _ = strings.Cut(name, "@")
	// A path such as /var/log/x pasted alone is text, not a command.
	if strings.ContainsAny(name, "/.:") {
		return handlers.Request{Text: msg}
	}
	return handlers.Request{Command: strings.ToLower(name), Args: strings.TrimSpace(args)}
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
		if err := mux.Handle(ctx, ParseRequest(msg), rep); err != nil {
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
