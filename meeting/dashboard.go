package meeting

import (
	"fmt"
	"net"
	"net/netip"
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
	// Proxies are the addresses the reverse proxy connects from
	// (trust_proxy: [addresses]); when set, its headers are believed only
	// from them.
	Proxies []netip.Prefix
	// Staff sign in to the dashboard by name and password.
	Staff []StaffAccount
	// TrustedUserHeader is the header in which the proxy names the person
	// it authenticated (needs Proxies).
	TrustedUserHeader string
}

// StaffAccount is a person who signs in to the dashboard; the password is
// a secret like the servers' (env, file or command), read at start.
type StaffAccount struct {
	Name     string
	Password Secret
}

// yDashboard is `dashboard:`: the listen address alone, or a mapping
// {listen, tls: {cert, key}, hosts, trust_proxy}.
type yDashboard struct {
	Listen     yStr
	Cert, Key  yStr
	Hosts      []yStr
	TrustProxy bool
	Proxies    []yStr
	Staff      []yStaff
	UserHeader yStr
	Line       int
}

type yStaff struct {
	Name     yStr     `yaml:"name"`
	Password *ySecret `yaml:"password"`
	Line     int      `yaml:"-"`
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
			if v.Kind == yaml.SequenceNode {
				d.TrustProxy = true
				add(v.Decode(&d.Proxies))
			} else {
				add(v.Decode(&d.TrustProxy))
			}
		case "staff":
			if v.Kind != yaml.SequenceNode {
				errs = append(errs, fmt.Sprintf("line %d: want staff: [{name: NAME, password: {env: VAR}}]", v.Line))
				continue
			}
			for _, e := range v.Content {
				var st yStaff
				if e.Kind != yaml.MappingNode {
					errs = append(errs, fmt.Sprintf("line %d: want {name: NAME, password: {env: VAR}}", e.Line))
					continue
				}
				for j := 0; j+1 < len(e.Content); j += 2 {
					switch sk, sv := e.Content[j], e.Content[j+1]; sk.Value {
					case "name":
						add(st.Name.UnmarshalYAML(sv))
					case "password":
						st.Password = &ySecret{}
						add(sv.Decode(st.Password))
					default:
						unknown(sk)
					}
				}
				st.Line = e.Line
				d.Staff = append(d.Staff, st)
			}
		case "trusted_user_header":
			add(d.UserHeader.UnmarshalYAML(v))
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
	for _, p := range y.Proxies {
		pre, err := netip.ParsePrefix(p.V)
		if err != nil {
			a, aerr := netip.ParseAddr(p.V)
			if aerr != nil {
				c.add(p.Line, "dashboard.trust_proxy", "want true, or the proxy's addresses (IP or CIDR), got %q", p.V)
				continue
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		o.Proxies = append(o.Proxies, pre.Masked())
	}
	seen := map[string]bool{}
	for _, st := range y.Staff {
		name := strings.TrimSpace(st.Name.V)
		switch {
		case name == "":
			c.add(st.Line, "dashboard.staff", "each person needs a name")
			continue
		case seen[strings.ToLower(name)]:
			c.add(st.Name.Line, "dashboard.staff", "%s is listed twice", name)
			continue
		case st.Password == nil:
			c.add(st.Line, "dashboard.staff", "%s needs a password: {env: VAR}, {file: PATH} or {command: CMD}", name)
			continue
		}
		n := 0
		for _, v := range []string{st.Password.Env, st.Password.File, st.Password.Command} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			c.add(st.Line, "dashboard.staff", "%s: set exactly one of env, file or command for the password", name)
			continue
		}
		seen[strings.ToLower(name)] = true
		o.Staff = append(o.Staff, StaffAccount{Name: name, Password: Secret{Env: st.Password.Env, File: resolvePath(dir, st.Password.File), Command: st.Password.Command}})
	}
	if h := strings.TrimSpace(y.UserHeader.V); h != "" {
		if len(o.Proxies) == 0 {
			c.add(y.UserHeader.Line, "dashboard.trusted_user_header", "needs trust_proxy: [the proxy's addresses], so that the header is believed only from the proxy")
		} else if strings.ContainsAny(h, " :\r\n") {
			c.add(y.UserHeader.Line, "dashboard.trusted_user_header", "want a header name, e.g. X-Remote-User")
		}
		o.TrustedUserHeader = h
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
