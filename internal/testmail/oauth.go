package testmail

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2/jws"
)

// AuthOptions configure an in-process OAuth 2.0 authorization server.
type AuthOptions struct {
	ClientID     string // default "convene-test"
	ClientSecret string // required for client_credentials; checked when given otherwise
	Account      string // whom the device flow signs in (default registrations@example.org)
	Lifetime     time.Duration
	// Now is the server's clock: an access token is good until issued+Lifetime
	// by it. Default time.Now.
	Now func() time.Time
	// Interval is the polling interval the device endpoint asks for, in
	// seconds (default 1).
	Interval int
	// DeviceAnswers are the token endpoint's answers to the device-code
	// polls before the outcome: "authorization_pending" or "slow_down".
	DeviceAnswers []string
	// DeviceOutcome is the answer after them: "" signs Account in;
	// "access_denied" or "expired_token" end the flow with that error.
	DeviceOutcome string
	// NoRotation keeps a refresh token across refreshes (Google);
	// by default each refresh issues a new one and retires the old
	// (Microsoft).
	NoRotation bool
	// ServiceAccount and ServiceAccountKey accept Google's service-account
	// grant (RFC 7523 JWT bearer): an assertion signed by the key, issued
	// by ServiceAccount, for the token URL, signs its subject in.
	// NoDelegation refuses it as Google does when domain-wide delegation
	// was not granted (unauthorized_client).
	ServiceAccount    string
	ServiceAccountKey *rsa.PublicKey
	NoDelegation      bool
	// ClientCert, when set, authenticates the client by a signed client
	// assertion (RFC 7523 §2.2) instead of a secret: RS256 by the
	// certificate's key, x5t its SHA-1 thumbprint, iss and sub the client
	// id, aud the token URL.
	ClientCert *x509.Certificate
}

// AuthServer is an OAuth 2.0 authorization server over TCP (httptest) with
// a token endpoint (refresh_token, client_credentials and device_code
// grants), a device authorization endpoint (RFC 8628), revocation (RFC
// 7009) and introspection (RFC 7662, for Dovecot's oauth2 passdb). Valid
// tells the mail servers whether an access token is current.
type AuthServer struct {
	URL                                           string
	TokenURL, DeviceURL, RevokeURL, IntrospectURL string
	opts                                          AuthOptions

	mu       sync.Mutex
	access   map[string]authGrant
	refresh  map[string]authGrant
	polls    map[string]int // device code -> polls answered
	requests map[string]int // by grant type, and "device", "revoke"
	seen     []string       // every request body's form, for leak checks
}

type authGrant struct {
	user    string
	scope   string
	expiry  time.Time
	revoked bool
}

// NewAuthServer starts the server, stopped at the end of the test.
func NewAuthServer(tb testing.TB, opts AuthOptions) *AuthServer {
	tb.Helper()
	if opts.ClientID == "" {
		opts.ClientID = "convene-test"
	}
	if opts.Account == "" {
		opts.Account = "registrations@example.org"
	}
	if opts.Lifetime == 0 {
		opts.Lifetime = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval == 0 {
		opts.Interval = 1
	}
	a := &AuthServer{opts: opts, access: map[string]authGrant{}, refresh: map[string]authGrant{},
		polls: map[string]int{}, requests: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", a.token)
	mux.HandleFunc("POST /device", a.device)
	mux.HandleFunc("POST /revoke", a.revoke)
	mux.HandleFunc("POST /introspect", a.introspect)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	a.URL = srv.URL
	a.TokenURL, a.DeviceURL, a.RevokeURL, a.IntrospectURL = srv.URL+"/token", srv.URL+"/device", srv.URL+"/revoke", srv.URL+"/introspect"
	return a
}

func newToken(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func oauthError(w http.ResponseWriter, code int, e string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": e, "error_description": "test server: " + e})
}

// client checks the client's id (and secret, when one is sent or needed).
func (a *AuthServer) client(r *http.Request, needSecret bool) bool {
	if r.PostFormValue("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return a.assertionOK(r.PostFormValue("client_assertion")) && r.PostFormValue("client_secret") == ""
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != a.opts.ClientID {
		return false
	}
	if needSecret || secret != "" {
		return a.opts.ClientSecret != "" && secret == a.opts.ClientSecret
	}
	return true
}

// issue records and writes a token response; withRefresh adds a refresh
// token (reusing keep when rotation is off). Called with a.mu held.
func (a *AuthServer) issue(w http.ResponseWriter, user, scope string, withRefresh bool, keep string) {
	at := newToken("at-")
	a.access[at] = authGrant{user: user, scope: scope, expiry: a.opts.Now().Add(a.opts.Lifetime)}
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(a.opts.Lifetime / time.Second), "scope": scope}
	if withRefresh {
		rt := keep
		if rt == "" || !a.opts.NoRotation {
			rt = newToken("rt-")
			if keep != "" {
				g := a.refresh[keep]
				g.revoked = true // rotated: the old one is spent
				a.refresh[keep] = g
			}
			a.refresh[rt] = authGrant{user: user, scope: scope}
		}
		resp["refresh_token"] = rt
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (a *AuthServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	grant := r.PostForm.Get("grant_type")
	a.requests[grant]++
	a.seen = append(a.seen, r.PostForm.Encode())
	switch grant {
	case "client_credentials":
		if !a.client(r, true) {
			oauthError(w, 401, "invalid_client")
			return
		}
		a.issue(w, a.opts.Account, r.PostForm.Get("scope"), false, "")
	case "refresh_token":
		if !a.client(r, false) {
			oauthError(w, 401, "invalid_client")
			return
		}
		rt := r.PostForm.Get("refresh_token")
		g, ok := a.refresh[rt]
		if !ok || g.revoked {
			oauthError(w, 400, "invalid_grant")
			return
		}
		a.issue(w, g.user, g.scope, true, rt)
	case "urn:ietf:params:oauth:grant-type:device_code":
		if !a.client(r, false) {
			oauthError(w, 401, "invalid_client")
			return
		}
		dc := r.PostForm.Get("device_code")
		n, ok := a.polls[dc]
		if !ok {
			oauthError(w, 400, "invalid_grant")
			return
		}
		a.polls[dc] = n + 1
		if n < len(a.opts.DeviceAnswers) {
			oauthError(w, 400, a.opts.DeviceAnswers[n])
			return
		}
		if a.opts.DeviceOutcome != "" {
			oauthError(w, 400, a.opts.DeviceOutcome)
			return
		}
		delete(a.polls, dc)
		a.issue(w, a.opts.Account, r.PostForm.Get("scope"), true, "")
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		as := r.PostForm.Get("assertion")
		if a.opts.ServiceAccountKey == nil || jws.Verify(as, a.opts.ServiceAccountKey) != nil {
			oauthError(w, 400, "invalid_grant")
			return
		}
		cs, err := jws.Decode(as)
		if err != nil || cs.Iss != a.opts.ServiceAccount || cs.Aud != a.TokenURL || cs.Sub == "" {
			oauthError(w, 400, "invalid_grant")
			return
		}
		if a.opts.NoDelegation {
			oauthError(w, 401, "unauthorized_client")
			return
		}
		a.issue(w, cs.Sub, cs.Scope, false, "")
	default:
		oauthError(w, 400, "unsupported_grant_type")
	}
}

func (a *AuthServer) device(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests["device"]++
	if r.PostFormValue("client_id") != a.opts.ClientID {
		oauthError(w, 401, "invalid_client")
		return
	}
	dc := newToken("dc-")
	a.polls[dc] = 0
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"device_code": dc, "user_code": "WDJB-MJHT", "verification_uri": a.URL + "/activate",
		"verification_uri_complete": a.URL + "/activate?user_code=WDJB-MJHT",
		"expires_in":                900, "interval": a.opts.Interval,
	})
}

func (a *AuthServer) assertionOK(as string) bool {
	c := a.opts.ClientCert
	if c == nil {
		return false
	}
	pub, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok || jws.Verify(as, pub) != nil {
		return false
	}
	head, _, _ := strings.Cut(as, ".")
	hb, err := base64.RawURLEncoding.DecodeString(head)
	var h struct {
		Alg string `json:"alg"`
		X5t string `json:"x5t"`
	}
	if err != nil || json.Unmarshal(hb, &h) != nil {
		return false
	}
	sum := sha1.Sum(c.Raw)
	cs, err := jws.Decode(as)
	return err == nil && h.Alg == "RS256" && h.X5t == base64.RawURLEncoding.EncodeToString(sum[:]) &&
		cs.Iss == a.opts.ClientID && cs.Sub == a.opts.ClientID && cs.Aud == a.TokenURL
}

// revoke is RFC 7009: a refresh token revoked takes its access tokens with it.
func (a *AuthServer) revoke(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests["revoke"]++
	a.revokeLocked(r.PostFormValue("token"))
}

func (a *AuthServer) revokeLocked(tok string) {
	if g, ok := a.refresh[tok]; ok {
		g.revoked = true
		a.refresh[tok] = g
		for k, v := range a.access {
			if v.user == g.user {
				v.revoked = true
				a.access[k] = v
			}
		}
	}
	if g, ok := a.access[tok]; ok {
		g.revoked = true
		a.access[tok] = g
	}
}

// RevokeUser revokes every token of user, as an administrator does who
// signs a user out everywhere.
func (a *AuthServer) RevokeUser(user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, v := range a.refresh {
		if v.user == user {
			a.revokeLocked(k)
		}
	}
	for k, v := range a.access {
		if v.user == user {
			a.revokeLocked(k)
		}
	}
}

func (a *AuthServer) introspect(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	a.mu.Lock()
	g, ok := a.access[tok]
	good := ok && !g.revoked && a.opts.Now().Before(g.expiry)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !good {
		w.Write([]byte(`{"active": false}`))
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"active": true, "username": g.user, "scope": g.scope})
}

// Valid reports whether token is an access token the server issued to
// user that is neither expired (by the server's clock) nor revoked.
func (a *AuthServer) Valid(user, token string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := a.access[token]
	return ok && !g.revoked && g.user == user && a.opts.Now().Before(g.expiry)
}

// Requests returns how many requests of a kind the server answered: a
// grant type ("refresh_token", "client_credentials",
// "urn:ietf:params:oauth:grant-type:device_code"), "device" or "revoke".
func (a *AuthServer) Requests(kind string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests[kind]
}

// Issued returns every access and refresh token the server issued.
func (a *AuthServer) Issued() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for k := range a.access {
		out = append(out, k)
	}
	for k := range a.refresh {
		out = append(out, k)
	}
	return out
}

// TokenRequests returns the form of every token request, encoded.
func (a *AuthServer) TokenRequests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// ScopeOf returns the scope an access token was issued for.
func (a *AuthServer) ScopeOf(token string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.TrimSpace(a.access[token].scope)
}
