package bot

import (
	"context"
	"errors"
	"testing"

	"github.com/rs/zerolog"

	"vigie/handlers"
	"vigie/internal/tgfake"
)

// An alert never goes to a chat outside the allowlist, whatever asks for it.
func TestPushOnlyToAllowedChats(t *testing.T) {
	fake := tgfake.New(t, "")
	fake.AddChat(42, 42)
	fake.AddChat(99, 99)
	b, err := New(context.Background(), Options{Token: fake.Token, APIURL: fake.URL, AllowedChats: []int64{42}}, handlers.NewMux(handlers.Deps{Log: zerolog.Nop()}), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	rep := handlers.Reply{Blocks: []handlers.Block{{Kind: handlers.Heading, Text: "🔴 api died"}}, Buttons: [][]handlers.Button{{{Label: "🔕 1h", Action: "mute", Arg: "container api 1h"}}}}
	if _, err := b.Push(context.Background(), 99, rep); !errors.Is(err, ErrChatNotAllowed) {
		t.Fatalf("push to a foreign chat: %v", err)
	}
	if err := b.EditPushed(context.Background(), 99, 1, rep); !errors.Is(err, ErrChatNotAllowed) {
		t.Fatalf("edit in a foreign chat: %v", err)
	}
	if n := len(fake.Messages(99)); n != 0 {
		t.Fatalf("%d messages reached the foreign chat", n)
	}
	id, err := b.Push(context.Background(), 42, rep)
	if err != nil || id == 0 {
		t.Fatalf("push to the allowed chat: %d %v", id, err)
	}
	if ms := fake.Messages(42); len(ms) != 1 || len(ms[0].Keyboard) != 1 {
		t.Fatalf("allowed chat got %+v", ms)
	}
}
