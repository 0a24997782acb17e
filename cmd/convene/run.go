package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"convene/meeting"
	"convene/schedule"
)

// simGrace is the floor of every job's grace period on a clock running
// speed times faster than real time: two real seconds' worth, since every
// real delay (a slow disk, a busy core) is magnified that many times.
func simGrace(speed float64) time.Duration {
	if speed <= 1 {
		return 0
	}
	return time.Duration(2 * speed * float64(time.Second))
}

func init() {
	register(&command{
		name:    "run",
		summary: "run the daemon: scheduled mail, the inbox, the outbox and the dashboard",
		usage:   "-c meeting.yaml [--clock-start TIME --clock-speed N]",
		help: `Runs convene until stopped: the timeline derived from meeting.yaml (invitation,
reminders, rehearsal notice, calendar invitations, day-before note, staff
digest), the outbox workers that send through the SMTP server, the inbox
watcher that reads replies from the IMAP server, and the staff dashboard.

Every job is recorded before it starts and when it ends, so a restart (even
after kill -9) neither repeats a done job nor forgets a missed one; a job missed
by more than its grace period is reported, not sent.

Signals: SIGTERM or SIGINT take no new work, finish the SMTP transactions under
way, commit and exit 0. SIGHUP re-reads meeting.yaml and contacts.csv: a bad
file is rejected with its problems and the running configuration kept; a
changed session sends calendar updates to its delegates. A second daemon on
the same store refuses to start.

The dashboard listens on the meeting's dashboard address; off loopback it
requires staff sign-in (dashboard.staff, or a trusted proxy's header) or the
token in CONVENE_DASHBOARD_TOKEN. Staff passwords are read from their secrets
at start; one that cannot be read stops the start.`,
		example: `convene run -c meeting.yaml
convene run -c meeting.yaml --clock-start "2020-05-26 08:00" --clock-speed 3600   # one simulated hour per second`,
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			clockStart := fs.String("clock-start", "", "run on a simulated clock starting at this time (in the meeting's zone unless an offset is given)")
			clockSpeed := fs.Float64("clock-speed", 1, "how many times faster than real time the simulated clock runs")
			dash := fs.String("dashboard", "", "dashboard listen address (default: the meeting's; '-' for none)")
			exit := fs.Bool("exit-when-done", false, "stop once the timeline's last job has run and the outbox is empty")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				m, cs, err := loadConfig(a, *cfg)
				if err != nil {
					return err
				}
				opts := daemonOptions{exitWhenDone: *exit}
				startClock := func() {} // a simulated clock starts once the daemon is ready
				if *clockStart != "" {
					t, err := meeting.ParseTime(*clockStart, m.Location)
					if err != nil {
						return usagef("--clock-start: %v", err)
					}
					if *clockSpeed <= 0 {
						return usagef("--clock-speed must be positive")
					}
					opts.clock, startClock = schedule.PausedSimClock(t, *clockSpeed)
					opts.minGrace, opts.simSpeed = simGrace(*clockSpeed), *clockSpeed
					a.log.Info("simulated clock", "start", t, "speed", *clockSpeed)
				}
				d, err := openDaemon(ctx, a.log, m, cs, opts)
				if err != nil {
					return err
				}
				defer d.close()
				if *dash != "-" {
					addr, stop, err := d.serveDashboard(*dash, os.Getenv("CONVENE_DASHBOARD_TOKEN"))
					if err != nil {
						return err
					}
					defer stop()
					a.log.Info("dashboard", "url", dashboardScheme(m)+"://"+addr+"/")
				}
				if addr, stop, err := d.serveRegistration(); err != nil {
					return err
				} else if addr != "" {
					defer stop()
					a.log.Info("registration page", "listen", addr, "public_url", m.Registration.Web.PublicURL)
				}
				hup := make(chan os.Signal, 1)
				signal.Notify(hup, syscall.SIGHUP)
				defer signal.Stop(hup)
				go func() {
					for {
						select {
						case <-ctx.Done():
							return
						case <-hup:
							if err := d.reload(ctx, *cfg); err != nil {
								var ps meeting.Problems
								if errors.As(err, &ps) {
									for _, p := range ps {
										fmt.Fprintln(a.stderr, p.String())
									}
								}
								a.log.Error("reload rejected: keeping the running configuration", "file", *cfg, "err", err)
							}
						}
					}
				}()
				start := time.Now()
				startClock()
				err = d.run(ctx)
				a.log.Info("stopped", "ran", time.Since(start).Round(time.Second))
				return err
			}
		},
	})
}
