// Command vigie is an operator assistant for a self-hosted Docker Compose
// stack: it matches errors against the stack's pitfall corpus, looks at the
// live stack and offers confirmed remediations. See the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"vigie/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.StdIO())
	stop()
	os.Exit(code)
}
