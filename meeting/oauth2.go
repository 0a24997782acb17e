package meeting

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
)

// AuthOAuth2 is auth: oauth2: convene obtains and refreshes the token itself
// (package oauth), with the meeting's oauth2 block.
const AuthOAuth2 = "oauth2"

// OAuth2 providers.
const (
	ProviderMicrosoft = "microsoft" // Microsoft 365 (Entra ID), with a tenant
	ProviderGoogle    = "google"    // Google Workspace
	ProviderGeneric   = "issuer"    // any RFC 6749 / RFC 8628 server, by its endpoints
)

// OAuth2 flows.
const (
	// FlowDevice: a person signs in once with `convene auth login` (device
	// authorization grant, RFC 8628); convene keeps the refresh token.
	FlowDevice = "device"
	// FlowApp: app-only, no person and no refresh token: client
	// credentials (Microsoft, a generic issuer) with a client secret, or
	// for Google a service account with domain-wide delegation, whose
	// JSON key is the client secret.
	FlowApp = "app"
)

// OAuth2 is the meeting's oauth2 block, shared by smtp and imap when their
// auth is oauth2: one app registration, one sign-in, one token.
type OAuth2 struct {
	Provider      string // ProviderMicrosoft, ProviderGoogle or ProviderGeneric
	Tenant        string // Microsoft: the directory (tenant) id or domain
	TokenURL      string // set for every provider (from the tenant for Microsoft)
	DeviceAuthURL string // device authorization endpoint
	RevokeURL     string // optional (RFC 7009)
	ClientID      string
	ClientSecret  Secret // optional for the device flow (public client)
	// ClientCertificate, instead of a client secret (Microsoft, flow
	// app): a PEM holding the certificate registered with the app and its
	// private key; convene signs a client assertion (RFC 7523) with it.
	ClientCertificate Secret
	Flow              string // FlowDevice or FlowApp
	Scopes            []string
	// Cache is the file that keeps the tokens, created 0600 next to the
	// store (or, when the store is not a file, next to meeting.yaml).
	Cache string
	Line  int // of the oauth2 key
}

// Configured reports whether an oauth2 block was given.
func (o *OAuth2) Configured() bool { return o != nil && o.Provider != "" }

// TokenSource gives OAuth2 access tokens to the SMTP and IMAP clients
// (package oauth implements it). Refused tells it that a server refused
// token: the next Token refreshes, once.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
	Refused(token string)
}

type yOAuth2 struct {
	Provider      yStr     `yaml:"provider"`
	Tenant        yStr     `yaml:"tenant"`
	TokenURL      yStr     `yaml:"token_url"`
	DeviceAuthURL yStr     `yaml:"device_authorization_url"`
	RevokeURL     yStr     `yaml:"revocation_url"`
	ClientID      yStr     `yaml:"client_id"`
	ClientSecret  *ySecret `yaml:"client_secret"`
	ClientCert    *ySecret `yaml:"client_certificate"`
	Flow          yStr     `yaml:"flow"`
	Scopes        []yStr   `yaml:"scopes"`
	Cache         yStr     `yaml:"token_cache"`
}

// oauth2 checks the oauth2 block; used reports whether smtp or imap has
// auth oauth2.
func (c *checker) oauth2(ym *yMeeting, m *Meeting, dir string) *OAuth2 {
	y := ym.OAuth2
	used := m.SMTP.Auth == AuthOAuth2 || m.IMAP.Auth == AuthOAuth2
	if y == nil {
		if used {
			line := ym.SMTP.Auth.Line
			if m.SMTP.Auth != AuthOAuth2 {
				line = ym.IMAP.Auth.Line
			}
			c.add(line, "oauth2", "is required when smtp.auth or imap.auth is oauth2: provider, client_id and flow")
		}
		return nil
	}
	line := y.Provider.Line
	if line == 0 {
		line = y.ClientID.Line
	}
	// An absent field's problem is reported at the block's first line.
	required := func(s yStr, field string) bool {
		if s.Line == 0 {
			s.Line = line
		}
		return c.required(s, field)
	}
	o := &OAuth2{Provider: y.Provider.V, Tenant: y.Tenant.V, ClientID: y.ClientID.V, Line: line,
		Flow: orDefault(y.Flow.V, FlowDevice), RevokeURL: y.RevokeURL.V}
	if o.Provider == ProviderGoogle && y.Flow.V == "" {
		o.Flow = FlowApp // Google's device sign-in does not allow the mail scope
	}
	if !used {
		c.add(line, "oauth2", "is set but neither smtp.auth nor imap.auth is oauth2")
	}
	required(y.ClientID, "oauth2.client_id")
	switch o.Flow {
	case FlowDevice, FlowApp:
	default:
		c.add(y.Flow.Line, "oauth2.flow", "unknown %q: want device or app", o.Flow)
	}
	tenantPath := url.PathEscape(o.Tenant)
	switch o.Provider {
	case ProviderMicrosoft:
		if required(y.Tenant, "oauth2.tenant") {
			o.TokenURL = "https://login.microsoftonline.com/" + tenantPath + "/oauth2/v2.0/token"
			o.DeviceAuthURL = "https://login.microsoftonline.com/" + tenantPath + "/oauth2/v2.0/devicecode"
		}
		if o.Flow == FlowApp {
			o.Scopes = []string{"https://outlook.office365.com/.default"}
		} else {
			o.Scopes = []string{"offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"}
		}
	case ProviderGoogle:
		o.TokenURL = "https://oauth2.googleapis.com/token"
		o.DeviceAuthURL = "https://oauth2.googleapis.com/device/code"
		o.RevokeURL = orDefault(o.RevokeURL, "https://oauth2.googleapis.com/revoke")
		o.Scopes = []string{"https://mail.google.com/"}
		if o.Flow == FlowDevice && len(y.Scopes) == 0 {
			c.add(y.Flow.Line, "oauth2.flow", "Google's device sign-in does not allow the mail scope (https://mail.google.com/): use flow app with a service account (Google Workspace)")
		}
	case ProviderGeneric:
		o.TokenURL = y.TokenURL.V
		o.DeviceAuthURL = y.DeviceAuthURL.V
		if required(y.TokenURL, "oauth2.token_url") {
			c.httpsURL(y.TokenURL, "oauth2.token_url")
		}
		if o.Flow == FlowDevice && required(y.DeviceAuthURL, "oauth2.device_authorization_url") {
			c.httpsURL(y.DeviceAuthURL, "oauth2.device_authorization_url")
		}
	case "":
		c.add(line, "oauth2.provider", "is required: microsoft, google or issuer")
	default:
		c.add(y.Provider.Line, "oauth2.provider", "unknown %q: want microsoft, google or issuer", o.Provider)
	}
	if o.Provider != ProviderGeneric {
		for _, f := range []yStr{y.TokenURL, y.DeviceAuthURL} {
			if f.Line > 0 {
				c.add(f.Line, "oauth2", "token_url and device_authorization_url are for provider issuer; %s has its own", o.Provider)
			}
		}
	}
	if y.RevokeURL.V != "" {
		c.httpsURL(y.RevokeURL, "oauth2.revocation_url")
	}
	if len(y.Scopes) > 0 {
		o.Scopes = nil
		for _, s := range y.Scopes {
			if strings.TrimSpace(s.V) == "" || strings.ContainsAny(s.V, " \t\"\\") {
				c.add(s.Line, "oauth2.scopes", "bad scope %q", s.V)
				continue
			}
			o.Scopes = append(o.Scopes, s.V)
		}
	} else if o.Provider == ProviderGeneric {
		c.add(line, "oauth2.scopes", "is required for provider issuer")
	}
	secret := func(y *ySecret, field string) Secret {
		if y == nil {
			return Secret{}
		}
		n := 0
		for _, v := range []string{y.Env, y.File, y.Command} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			c.add(line, field, "set exactly one of env, file or command")
		}
		return Secret{Env: y.Env, File: resolvePath(dir, y.File), Command: y.Command}
	}
	o.ClientSecret = secret(y.ClientSecret, "oauth2.client_secret")
	o.ClientCertificate = secret(y.ClientCert, "oauth2.client_certificate")
	switch {
	case y.ClientCert != nil && (o.Flow != FlowApp || o.Provider == ProviderGoogle):
		c.add(line, "oauth2.client_certificate", "is for flow app with provider microsoft or issuer")
	case y.ClientCert != nil && y.ClientSecret != nil:
		c.add(line, "oauth2.client_certificate", "set client_secret or client_certificate, not both")
	case y.ClientSecret == nil && y.ClientCert == nil && o.Flow == FlowApp:
		what := "the app's client secret"
		if o.Provider == ProviderGoogle {
			what = "the service account's JSON key"
		}
		if o.Provider != ProviderGoogle {
			what += " or client_certificate"
		}
		c.add(line, "oauth2.client_secret", "is required for flow app (%s): env, file or command", what)
	}
	switch {
	case y.Cache.V != "":
		o.Cache = resolvePath(dir, y.Cache.V)
	case m.Store != "" && !strings.Contains(m.Store, "://"):
		o.Cache = m.Store + ".oauth2.json"
	default:
		o.Cache = filepath.Join(dir, "convene.oauth2.json")
	}
	return o
}

// httpsURL checks an endpoint: https, or http to a loopback host (tests).
func (c *checker) httpsURL(s yStr, field string) {
	u, err := url.Parse(s.V)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		c.add(s.Line, field, "want an https URL (http only to a loopback host)")
	}
}
