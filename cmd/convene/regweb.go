package main

import (
	"context"
	"log/slog"

	"convene/regweb"
	"convene/secretariat"
)

// enableWeb gives the missions their links to the registration page, in
// every message that carries one, when registration.web is configured; it
// returns the links' key (nil, and nothing done, otherwise).
func enableWeb(ctx context.Context, svc *secretariat.Service) ([]byte, error) {
	w := svc.Meeting().Registration.Web
	if w == nil {
		return nil, nil
	}
	key, err := regweb.LoadKey(w.KeyFile)
	if err != nil {
		return nil, err
	}
	return key, svc.EnableWeb(ctx, key)
}

// previewWeb gives a dry run's read-only service the links the messages
// will carry (nothing is written to the store).
func previewWeb(ctx context.Context, svc *secretariat.Service) error {
	w := svc.Meeting().Registration.Web
	if w == nil {
		return nil
	}
	key, err := regweb.LoadKey(w.KeyFile)
	if err != nil {
		return err
	}
	return svc.PreviewWeb(ctx, key)
}

// serveRegistration starts the public registration page when
// registration.web is configured, and returns its address and a function
// that stops it ("" and a no-op otherwise). It is a listener of its own,
// with its own timeouts and Host allowlist, and HTTPS with its tls.
func (d *daemon) serveRegistration() (string, func(), error) {
	w := d.svc.Meeting().Registration.Web
	if w == nil || !d.svc.WebEnabled() {
		return "", func() {}, nil
	}
	key, err := regweb.LoadKey(w.KeyFile) // enableWeb created it
	if err != nil {
		return "", nil, err
	}
	tlsOn := w.TLSCert != ""
	srv, err := regweb.NewServer(d.svc, regweb.Options{
		Addr: w.Listen, PublicURL: w.PublicURL, Hosts: w.Hosts, TrustedProxies: w.TrustedProxies, TLS: tlsOn,
		Key: regweb.FormKey(key), Logger: d.log, Now: d.opts.clock.Now, // regweb adds component=regweb
	})
	if err != nil {
		return "", nil, err
	}
	srv.ErrorLog = slog.NewLogLogger(d.log.With("component", "regweb").Handler(), slog.LevelDebug)
	return listenAndServe(srv, "registration.web", w.Listen, w.TLSCert, w.TLSKey)
}
