package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"convene/calendar"
	"convene/inbox"
	"convene/meeting"
)

func init() {
	register(&command{
		name:    "parse",
		summary: "show how mail files are understood, one JSON line each; changes nothing",
		usage:   "[-c meeting.yaml] FILE...",
		help: `Reads each FILE (a raw message, .eml; - for standard input) as the inbox
would, and prints one JSON object per message (JSON Lines): file, kind
(registration, calendar-reply, bounce, auto-reply, other), contact (the
matched contact's name, or null), needs_review and review_reason, delegates
(name, title, email), withdrawn, replaced, declined, attendee, partstat, uid
(calendar replies), bounced and permanent (bounces),
auto_reply and suggested (automatic replies), from, subject, token, problems.

Without -c there is no contact matching and no reply-to address for tokens
in plus-addresses (tokens in subjects are still read). With -c, contacts come
from the meeting's contacts file and reply tokens from its store, if the store
exists. Nothing is sent, stored or moved. Exits 1 if a file cannot be read,
130 when stopped by SIGINT or SIGTERM (the files parsed so far are printed).`,
		example: "convene parse -c meeting.yaml reply.eml | jq .\nconvene parse bounce.eml oof.eml",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "", "the meeting file, for contact matching")
			return func(ctx context.Context, args []string) error {
				if len(args) == 0 {
					return usagef("want at least one FILE")
				}
				var (
					cs      *meeting.Contacts
					tokens  map[string]string
					replyTo string
					lim     inbox.Limits
				)
				if *cfg != "" {
					m, c, err := loadConfig(a, *cfg)
					if err != nil {
						return err
					}
					cs, replyTo = c, m.Sender.ReplyTo
					lim.AttachmentRows = m.Limits.WithDefaults(len(m.Events())).AttachmentRows
					if tokens, err = storeTokens(ctx, m); err != nil {
						return err
					}
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetEscapeHTML(false)
				failed := false
				for i, name := range args {
					if ctx.Err() != nil {
						return interrupted(a, i, len(args))
					}
					res := parseFile(ctx, a, name, replyTo, lim, cs, tokens)
					if ctx.Err() != nil && res.Kind == "" {
						// stopped in the middle of this file: no line for it
						return interrupted(a, i, len(args))
					}
					if res.Error != "" {
						failed = true
						fmt.Fprintf(a.stderr, "convene parse: %s: %s\n", name, res.Error)
					}
					if err := enc.Encode(res); err != nil {
						return err
					}
				}
				if failed {
					return silentError{exitFail}
				}
				return nil
			}
		},
	})
}

// exitInterrupted is the exit status of a parse stopped by SIGINT or
// SIGTERM (128 + SIGINT, as shells report it).
const exitInterrupted = 130

// interrupted reports a parse stopped by a signal after done of total files.
func interrupted(a *app, done, total int) error {
	fmt.Fprintf(a.stderr, "convene parse: interrupted by a signal: %d of %d files parsed\n", done, total)
	return silentError{exitInterrupted}
}

// storeTokens returns the reply tokens (token → contact name) from the store
// at path, or none when there is no store yet.
func storeTokens(ctx context.Context, m *meeting.Meeting) (map[string]string, error) {
	db, err := openExistingMeeting(ctx, m)
	if err != nil || db == nil {
		return nil, err
	}
	defer db.Close()
	byName, err := db.Tokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("read tokens: %w", err)
	}
	tokens := make(map[string]string, len(byName))
	for name, tok := range byName {
		tokens[tok] = name
	}
	return tokens, nil
}

// parseResult is one line of `convene parse`.
type parseResult struct {
	File         string              `json:"file"`
	Kind         inbox.Kind          `json:"kind,omitempty"`
	Contact      *string             `json:"contact"`
	NeedsReview  bool                `json:"needs_review"`
	ReviewReason string              `json:"review_reason"`
	Delegates    []meeting.Delegate  `json:"delegates"`
	Withdrawn    []string            `json:"withdrawn"`
	Replaced     []inbox.Replacement `json:"replaced"`
	Declined     bool                `json:"declined"`
	Attendee     *string             `json:"attendee"`
	Partstat     *string             `json:"partstat"`
	UID          *string             `json:"uid"`
	Bounced      []string            `json:"bounced"`
	Permanent    bool                `json:"permanent"`
	AutoReply    string              `json:"auto_reply,omitempty"`
	Suggested    []string            `json:"suggested,omitempty"`
	From         string              `json:"from"`
	Subject      string              `json:"subject"`
	Token        string              `json:"token,omitempty"`
	Problems     []string            `json:"problems,omitempty"`
	Notes        []string            `json:"notes,omitempty"`
	Error        string              `json:"error,omitempty"`
}

func parseFile(ctx context.Context, a *app, name, replyTo string, lim inbox.Limits, cs *meeting.Contacts, tokens map[string]string) parseResult {
	res := parseResult{File: name, Delegates: []meeting.Delegate{}, Withdrawn: []string{}, Replaced: []inbox.Replacement{}, Bounced: []string{}}
	var r io.Reader
	if name == "-" {
		// a read from a pipe does not see the signal: read aside and
		// stop waiting when one comes
		type read struct {
			b   []byte
			err error
		}
		done := make(chan read, 1)
		a.log.Debug("reading standard input")
		go func() {
			b, err := io.ReadAll(io.LimitReader(a.stdin, 64<<20))
			done <- read{b, err}
		}()
		select {
		case <-ctx.Done():
			res.Error = "interrupted while reading standard input"
			return res
		case got := <-done:
			if got.err != nil {
				res.Error = got.err.Error()
				return res
			}
			r = bytes.NewReader(got.b)
		}
	} else {
		f, err := os.Open(name)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		defer f.Close()
		r = f
	}
	m, err := inbox.ParseContext(ctx, r, replyTo, lim)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if cs != nil {
		if c, _ := inbox.Identify(m, cs, tokens); c != nil {
			res.Contact = &c.Name
		}
	}
	res.Kind, res.NeedsReview, res.ReviewReason = m.Kind, m.NeedsReview, m.ReviewReason
	res.From, res.Subject, res.Token, res.Problems, res.Notes = m.From, m.Subject, m.Token, m.Problems, m.Notes
	res.Declined = m.Declined
	res.Delegates = append(res.Delegates, m.Delegates...)
	res.Withdrawn = append(res.Withdrawn, m.Withdrawn...)
	res.Replaced = append(res.Replaced, m.Replaced...)
	if m.Bounce != nil {
		res.Bounced = append(res.Bounced, m.Bounce.Recipients...)
		res.Permanent = m.Bounce.Permanent
	}
	if m.AutoReply != nil {
		res.AutoReply, res.Suggested = m.AutoReply.Reason, m.AutoReply.Suggested
	}
	if m.Kind == inbox.KindCalendarReply {
		for _, part := range m.Calendar {
			replies, err := calendar.ParseReplies(part)
			if err != nil || len(replies) == 0 {
				continue
			}
			r := replies[0]
			res.Attendee, res.Partstat, res.UID = &r.Attendee, &r.Partstat, &r.UID
			break
		}
	}
	return res
}
