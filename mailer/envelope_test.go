package mailer_test

import (
	"bufio"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/mailer"
	"convene/meeting"
	"convene/store"
)

// lineServer is a minimal SMTP server on 127.0.0.1 that records every
// command line it receives, as it came over TCP. It offers PIPELINING only
// when asked: go-smtp's server always offers it.
type lineServer struct {
	host string
	port int

	mu    sync.Mutex
	lines []string
}

func startLineServer(tb testing.TB, pipelining bool) *lineServer {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	s := &lineServer{host: addr.IP.String(), port: addr.Port}
	var wg sync.WaitGroup
	var cmu sync.Mutex
	var conns []net.Conn
	tb.Cleanup(func() {
		l.Close()
		cmu.Lock()
		for _, c := range conns {
			c.Close()
		}
		cmu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			cmu.Lock()
			conns = append(conns, c)
			cmu.Unlock()
			wg.Go(func() { s.serve(c, pipelining) })
		}
	})
	return s
}

func (s *lineServer) serve(c net.Conn, pipelining bool) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(lines ...string) bool {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		return w.Flush() == nil
	}
	if !reply("220 lines.test ESMTP") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		s.mu.Lock()
		s.lines = append(s.lines, line)
		s.mu.Unlock()
		verb, _, _ := strings.Cut(strings.ToUpper(line), " ")
		verb, _, _ = strings.Cut(verb, ":")
		ok := true
		switch verb {
		case "EHLO":
			ext := []string{"250-lines.test"}
			if pipelining {
				ext = append(ext, "250-PIPELINING")
			}
			ok = reply(append(ext, "250 8BITMIME")...)
		case "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			ok = reply("250 2.0.0 OK")
		case "DATA":
			if ok = reply("354 go ahead"); !ok {
				return
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			ok = reply("250 2.0.0 queued")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			ok = reply("502 5.5.2 unknown command")
		}
		if !ok {
			return
		}
	}
}

// envelope returns the MAIL and RCPT lines received, in order.
func (s *lineServer) envelope() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.lines {
		if u := strings.ToUpper(l); strings.HasPrefix(u, "MAIL FROM:") || strings.HasPrefix(u, "RCPT TO:") {
			out = append(out, l)
		}
	}
	return out
}

// TestEnvelopeBracketed sends over real TCP to a server that records the
// command lines: MAIL FROM and RCPT TO carry the path in angle brackets
// (RFC 5321 §4.1.2), with PIPELINING or without, and for envelopes that
// take go-mail's path (a quoted local part).
func TestEnvelopeBracketed(t *testing.T) {
	tests := []struct {
		name         string
		offerPipe    bool // the server offers PIPELINING
		noPipelining bool // Options.NoPipelining
		from         string
		rcpts        []string
	}{
		{"server without PIPELINING", false, false, "isu@isu.example", []string{"a@arcadia.example", "b@arcadia.example"}},
		{"PIPELINING turned off", true, true, "isu@isu.example", []string{"a@arcadia.example"}},
		{"PIPELINING", true, false, "isu@isu.example", []string{"a@arcadia.example"}},
		{"quoted local part without PIPELINING", false, false, "isu@isu.example", []string{`"first last"@arcadia.example`}},
		{"quoted local part with PIPELINING", true, false, "isu@isu.example", []string{`"first last"@arcadia.example`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startLineServer(t, tt.offerPipe)
			db := openStore(t)
			s, err := mailer.New(db, mailer.Options{
				Server:      meeting.Server{Host: srv.host, Port: srv.port, Security: meeting.SecurityNone, Auth: meeting.AuthNone},
				Concurrency: 1, Timeout: 10 * time.Second, MaxAttempts: 1,
				NoPipelining: tt.noPipelining,
				Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
			})
			if err != nil {
				t.Fatal(err)
			}
			msg := store.OutboxMessage{Key: "env/1", From: tt.from, Recipients: tt.rcpts, MessageID: "env1@isu.example",
				Raw: []byte("Subject: envelope\r\n\r\nbody\r\n")}
			seq := func(yield func(store.OutboxMessage, error) bool) { yield(msg, nil) }
			if _, err := db.EnqueueOutbox(t.Context(), store.OutboxBatch{ID: "env"}, seq); err != nil {
				t.Fatal(err)
			}
			if rep, err := s.Drain(t.Context(), "env"); err != nil || rep.Sent != 1 {
				t.Fatalf("Drain = %+v, %v; want 1 sent", rep, err)
			}
			want := []string{"MAIL FROM:<" + tt.from + ">"}
			for _, r := range tt.rcpts {
				want = append(want, "RCPT TO:<"+r+">")
			}
			got := srv.envelope()
			if len(got) != len(want) {
				t.Fatalf("envelope = %q, want %q", got, want)
			}
			for i := range want {
				// Parameters such as BODY=8BITMIME may follow the path.
				if got[i] != want[i] && !strings.HasPrefix(got[i], want[i]+" ") {
					t.Errorf("line %d = %q, want %q", i, got[i], want[i])
				}
			}
		})
	}
}
