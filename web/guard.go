package web

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// Default limits of the dashboard's server (Options fields override them).
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	// DefaultMaxBody is the largest request body read: the review forms are
	// a few kilobytes.
	DefaultMaxBody = 256 << 10
)

// NewServer returns an http.Server for the dashboard with the handler of
// New and the timeouts of opts: a client that sends its headers or body
// slowly, or keeps an idle connection, is disconnected. It does no I/O; the
// caller serves it (Serve, or ServeTLS with Options.TLS set).
func NewServer(src Source, opts Options) (*http.Server, error) {
	h, err := New(src, opts)
	if err != nil {
		return nil, err
	}
	orDur := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDur(opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDur(opts.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDur(opts.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDur(opts.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    64 << 10,
	}, nil
}

// hostGuard refuses requests whose Host header names a host the dashboard
// is not served as, with 421 Misdirected Request. A page of another site
// whose name was rebound to 127.0.0.1 (DNS rebinding) reaches the
// dashboard with its own name in Host, and is refused. Allowed: localhost
// and IP literals that are loopback or the listen address (any IP when
// listening on every interface: an IP literal cannot be rebound), the
// listen address's host name, and Options.Hosts. Ports are ignored.
func (s *server) hostGuard(h http.Handler) http.Handler {
	allowed := map[string]bool{"localhost": true}
	anyIP := false
	if s.opts.Addr != "" {
		host := s.opts.Addr
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = canonHost(host)
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			anyIP = true
		} else {
			allowed[host] = true
		}
	}
	for _, x := range s.opts.Hosts {
		if host, _, err := net.SplitHostPort(x); err == nil {
			x = host
		}
		allowed[canonHost(x)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = canonHost(host)
		ok := allowed[host]
		if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || anyIP) {
			ok = true
		}
		if !ok {
			s.log.Warn("request refused: host not served", "host", clipHost(r.Host), "path", r.URL.Path)
			http.Error(w, "421 misdirected request: this dashboard is not served under that host name", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// canonHost lower-cases a host name, strips IPv6 brackets and a trailing
// dot, and writes IP addresses in their canonical form.
func canonHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]")), ".")
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}

func clipHost(h string) string {
	if len(h) > 100 {
		return h[:100] + "…"
	}
	return h
}

// limitBody caps every request body at Options.MaxBody: reading beyond it
// fails and the connection is closed after the response.
func (s *server) limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		}
		h.ServeHTTP(w, r)
	})
}

// secure reports whether r reached the dashboard over HTTPS: TLS on this
// server, or (only when Options.TrustProxy is set) a reverse proxy's
// X-Forwarded-Proto: https.
func (s *server) secure(r *http.Request) bool {
	if r.TLS != nil || s.opts.TLS {
		return true
	}
	if len(s.opts.Proxies) > 0 && !s.fromProxy(r) {
		return false
	}
	return s.opts.TrustProxy && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}
