package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"convene/mailer"
)

// progress shows a send under way: on a terminal one line rewritten in
// place (sent, failed, rate, ETA); otherwise a log line every few seconds.
type progress struct {
	w     io.Writer
	log   *slog.Logger
	term  bool
	every time.Duration // minimum time between two displays

	mu      sync.Mutex
	last    time.Time
	latest  mailer.Progress
	seen    bool
	written int // width of the terminal line last written
}

func newProgress(a *app) *progress {
	p := &progress{w: a.stdout, log: a.log, term: isTerminal(a.stdout), every: 5 * time.Second}
	if p.term {
		p.every = 100 * time.Millisecond
	}
	return p
}

// update is mailer.Options.Progress: called after each group of results.
func (p *progress) update(pr mailer.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latest, p.seen = pr, true
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.show(pr)
}

func (p *progress) show(pr mailer.Progress) {
	left := max(pr.Pending-pr.Sent-pr.Failed, 0)
	eta := "-"
	if pr.Rate > 0 {
		eta = (time.Duration(float64(left) / pr.Rate * float64(time.Second))).Round(time.Second).String()
	}
	if !p.term {
		p.log.Info("sending", "sent", pr.Sent, "failed", pr.Failed, "retried", pr.Retried, "left", left,
			"rate_per_s", fmt.Sprintf("%.1f", pr.Rate), "eta", eta)
		return
	}
	line := fmt.Sprintf("sent %d/%d  failed %d  retried %d  %.1f msg/s  ETA %s", pr.Sent, pr.Pending, pr.Failed, pr.Retried, pr.Rate, eta)
	pad := ""
	if n := p.written - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.written = len(line)
}

// done shows the last state and ends the terminal line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.seen {
		return
	}
	p.show(p.latest)
	if p.term {
		fmt.Fprintln(p.w)
	}
}
