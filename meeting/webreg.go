package meeting

import (
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// WebRegistration is `registration.web:` in meeting.yaml: the public page on
// which each mission registers, corrects or withdraws its delegation
// (package regweb). Nil when it is not configured: then no link is written
// in any message and no listener is opened.
type WebRegistration struct {
	Listen    string // host:port of the public listener (not the dashboard's)
	PublicURL string // e.g. https://register.isu.example, no trailing slash; links are PublicURL/r/TOKEN
	// Hosts are the Host names the page answers besides PublicURL's host,
	// the listen address and loopback.
	Hosts []string
	// TrustedProxies are the addresses (IP or CIDR) of reverse proxies whose
	// X-Forwarded-For and X-Forwarded-Proto are believed.
	TrustedProxies []netip.Prefix
	// TLSCert and TLSKey are PEM files (absolute paths); both or neither.
	TLSCert, TLSKey string
	// KeyFile holds the secret key the mission links are derived from
	// (created, 0600, when missing). Default: webreg.key beside the store.
	KeyFile string
}

// yWebReg is `registration.web:`.
type yWebReg struct {
	Listen         yStr   `yaml:"listen"`
	PublicURL      yStr   `yaml:"public_url"`
	Hosts          []yStr `yaml:"hosts"`
	TrustedProxies []yStr `yaml:"trusted_proxies"`
	TLS            struct {
		Cert yStr `yaml:"cert"`
		Key  yStr `yaml:"key"`
	} `yaml:"tls"`
	KeyFile yStr `yaml:"key_file"`
}

// webRegistration checks `registration.web:`; nil when absent. Paths are
// relative to dir; the key file defaults to the store's folder.
func (c *checker) webRegistration(dir, store string, y *yWebReg) *WebRegistration {
	if y == nil || (y.Listen.V == "" && y.PublicURL.V == "" && len(y.Hosts) == 0 && len(y.TrustedProxies) == 0 && y.TLS.Cert.V == "" && y.TLS.Key.V == "" && y.KeyFile.V == "") {
		return nil
	}
	const f = "registration.web."
	w := &WebRegistration{}
	if c.required(orLineStr(y.Listen, y.PublicURL.Line), f+"listen") {
		if _, _, err := net.SplitHostPort(y.Listen.V); err != nil {
			c.add(y.Listen.Line, f+"listen", "want host:port, e.g. 127.0.0.1:8026")
		} else {
			w.Listen = y.Listen.V
		}
	}
	if c.required(orLineStr(y.PublicURL, y.Listen.Line), f+"public_url") {
		u, err := url.Parse(y.PublicURL.V)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
			c.add(y.PublicURL.Line, f+"public_url", "want an http(s) address without query, e.g. https://register.isu.example")
		case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
			c.add(y.PublicURL.Line, f+"public_url", "want https: the links are capabilities and must not travel in clear")
		default:
			w.PublicURL = strings.TrimSuffix(y.PublicURL.V, "/")
		}
	}
	for _, h := range y.Hosts {
		if h.V == "" || strings.ContainsAny(h.V, " /\\@\r\n") {
			c.add(h.Line, f+"hosts", "want a host name, e.g. register.isu.example")
			continue
		}
		w.Hosts = append(w.Hosts, h.V)
	}
	for _, p := range y.TrustedProxies {
		pre, err := netip.ParsePrefix(p.V)
		if err != nil {
			a, aerr := netip.ParseAddr(p.V)
			if aerr != nil {
				c.add(p.Line, f+"trusted_proxies", "want an IP address or CIDR, e.g. 10.0.0.5 or 10.0.0.0/24")
				continue
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		w.TrustedProxies = append(w.TrustedProxies, pre.Masked())
	}
	if (y.TLS.Cert.V == "") != (y.TLS.Key.V == "") {
		c.add(orLine(y.TLS.Cert.Line, y.TLS.Key.Line), f+"tls", "want both cert and key")
	} else {
		for _, t := range []struct {
			v    yStr
			name string
			dst  *string
		}{{y.TLS.Cert, "cert", &w.TLSCert}, {y.TLS.Key, "key", &w.TLSKey}} {
			if t.v.V == "" {
				continue
			}
			*t.dst = resolvePath(dir, t.v.V)
			if _, err := os.Stat(*t.dst); err != nil {
				c.add(t.v.Line, f+"tls."+t.name, "%s cannot be read", *t.dst)
			}
		}
	}
	w.KeyFile = resolvePath(dir, y.KeyFile.V)
	if w.KeyFile == "" && store != "" && !strings.Contains(store, "://") {
		w.KeyFile = filepath.Join(filepath.Dir(store), "webreg.key")
	}
	if w.KeyFile == "" {
		c.add(y.Listen.Line, f+"key_file", "is required when the store is not a file")
	}
	return w
}

// orLineStr gives an absent field the line of a sibling, for its problem.
func orLineStr(s yStr, line int) yStr {
	if s.Line == 0 {
		s.Line = line
	}
	return s
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
