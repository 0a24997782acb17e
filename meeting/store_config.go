package meeting

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// StoreConfig is where the store is, from meeting.yaml's store:
//
//	store: convene.db                    # the embedded default: one SQLite file (Meeting.Store)
//	store:
//	  postgres:
//	    dsn: {env: CONVENE_PG_DSN}       # a secret: env, file or command, like smtp.secret
//	    lease: 15s                       # leader lease; takeover within lease + lease/3 (default 15s)
//
// On PostgreSQL, Meeting.Store is "" and Postgres is set.
type StoreConfig struct {
	Postgres *PostgresStore
}

// PostgresStore is a store in a PostgreSQL database, shared by every
// instance (convene run) of the meeting.
type PostgresStore struct {
	// DSN names the database (postgres://user@host:port/db?sslmode=...). It
	// may hold a password: it is read like any other secret and never logged.
	DSN Secret
	// Lease is how long a leader's lease lasts without renewal; another
	// instance takes over at most Lease + Lease/3 after the leader stops.
	Lease time.Duration
}

// DefaultLease is the leader lease when store.postgres.lease is not set:
// a takeover within 20 s.
const DefaultLease = 15 * time.Second

// yStore is store: a path, or a mapping with postgres.
type yStore struct {
	Path     yStr
	Postgres *struct {
		DSN   *ySecret `yaml:"dsn"`
		Lease yStr     `yaml:"lease"`
	} `yaml:"postgres"`
	Line int
}

func (s *yStore) UnmarshalYAML(n *yaml.Node) error {
	s.Line = n.Line
	if n.Kind == yaml.ScalarNode {
		return s.Path.UnmarshalYAML(n)
	}
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a file name, or postgres: {dsn: ...}", n.Line)}}
	}
	// Unknown keys are named like the loader's own (file:line: KEY: unknown field).
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Value != "postgres" {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: field %s not found in type meeting.yStore", k.Line, k.Value)}}
		}
		if v := n.Content[i+1]; v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if kk := v.Content[j]; kk.Value != "dsn" && kk.Value != "lease" {
					return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: field %s not found in type meeting.yStore", kk.Line, kk.Value)}}
				}
			}
		}
	}
	var m struct {
		Postgres *struct {
			DSN   *ySecret `yaml:"dsn"`
			Lease yStr     `yaml:"lease"`
		} `yaml:"postgres"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	s.Postgres = m.Postgres
	return nil
}

// store checks store: and sets m.Store or m.StoreConfig.
func (c *checker) store(m *Meeting, dir string, y yStore) {
	if y.Postgres == nil {
		if y.Line != 0 && y.Path.V == "" && y.Path.Line == 0 {
			c.add(y.Line, "store", "want a file name, or postgres: {dsn: ...}")
		}
		m.Store = resolvePath(dir, orDefault(y.Path.V, "convene.db"))
		return
	}
	p := &PostgresStore{Lease: DefaultLease}
	if y.Postgres.DSN == nil {
		c.add(y.Line, "store.postgres.dsn", "is required: env, file or command")
	} else {
		d := y.Postgres.DSN
		p.DSN = Secret{Env: d.Env, File: resolvePath(dir, d.File), Command: d.Command}
		n := 0
		for _, v := range []string{d.Env, d.File, d.Command} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			c.add(y.Line, "store.postgres.dsn", "set exactly one of env, file or command")
		}
	}
	if y.Postgres.Lease.V != "" {
		p.Lease = c.bounded(y.Postgres.Lease, "store.postgres.lease", DefaultLease, 3*time.Second, 10*time.Minute)
	}
	m.Store = ""
	m.StoreConfig.Postgres = p
}
