package meeting

import (
	"fmt"
	"net"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DashboardOptions are the settings of the staff dashboard beside its listen
// address (Meeting.Dashboard).
type DashboardOptions struct {
	// TLSCert and TLSKey are PEM files (absolute paths); both or neither.
	// With them the dashboard serves HTTPS and its cookies are Secure.
	TLSCert, TLSKey string
	// Hosts are the names the dashboard is reached under besides loopback
	// and its listen address (a reverse proxy's public name); requests for
	// any other Host are refused.
	Hosts []string
	// TrustProxy believes a reverse proxy's X-Forwarded-Proto.
	TrustProxy bool
}

// yDashboard is `dashboard:`: the listen address alone, or a mapping
// {listen, tls: {cert, key}, hosts, trust_proxy}.
type yDashboard struct {
	Listen     yStr
	Cert, Key  yStr
	Hosts      []yStr
	TrustProxy bool
	Line       int
}

func (d *yDashboard) UnmarshalYAML(n *yaml.Node) error {
	d.Line = n.Line
	if n.Kind == yaml.ScalarNode {
		return d.Listen.UnmarshalYAML(n)
	}
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want host:port, or listen/tls/hosts/trust_proxy", n.Line)}}
	}
	var errs []string
	unknown := func(k *yaml.Node) {
		errs = append(errs, fmt.Sprintf("line %d: field %s not found in type dashboard", k.Line, k.Value))
	}
	add := func(err error) {
		if te, ok := err.(*yaml.TypeError); ok {
			errs = append(errs, te.Errors...)
		} else if err != nil {
			errs = append(errs, fmt.Sprintf("line %d: %v", n.Line, err))
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "listen":
			add(d.Listen.UnmarshalYAML(v))
		case "hosts":
			add(v.Decode(&d.Hosts))
		case "trust_proxy":
			add(v.Decode(&d.TrustProxy))
		case "tls":
			if v.Kind != yaml.MappingNode {
				errs = append(errs, fmt.Sprintf("line %d: want tls: {cert: FILE, key: FILE}", v.Line))
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				switch tk, tv := v.Content[j], v.Content[j+1]; tk.Value {
				case "cert":
					add(d.Cert.UnmarshalYAML(tv))
				case "key":
					add(d.Key.UnmarshalYAML(tv))
				default:
					unknown(tk)
				}
			}
		default:
			unknown(k)
		}
	}
	if errs != nil {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

// dashboard checks `dashboard:` and returns the listen address and the
// other settings; paths are relative to dir.
func (c *checker) dashboard(dir string, y yDashboard) (string, DashboardOptions) {
	addr := orDefault(y.Listen.V, "127.0.0.1:8025")
	if _, _, err := net.SplitHostPort(addr); err != nil {
		c.add(orLine(y.Listen.Line, y.Line), "dashboard", "want host:port, e.g. 127.0.0.1:8025")
	}
	o := DashboardOptions{TrustProxy: y.TrustProxy}
	for _, h := range y.Hosts {
		if h.V == "" || strings.ContainsAny(h.V, " /\\@\r\n") {
			c.add(h.Line, "dashboard.hosts", "want a host name, e.g. dashboard.isu.example")
			continue
		}
		o.Hosts = append(o.Hosts, h.V)
	}
	if (y.Cert.V == "") != (y.Key.V == "") {
		c.add(orLine(y.Cert.Line, y.Key.Line), "dashboard.tls", "want both cert and key")
		return addr, o
	}
	for _, f := range []struct {
		v    yStr
		name string
		dst  *string
	}{{y.Cert, "cert", &o.TLSCert}, {y.Key, "key", &o.TLSKey}} {
		if f.v.V == "" {
			continue
		}
		*f.dst = resolvePath(dir, f.v.V)
		if _, err := os.Stat(*f.dst); err != nil {
			c.add(f.v.Line, "dashboard.tls."+f.name, "%s cannot be read", *f.dst)
		}
	}
	return addr, o
}

func orLine(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}
