package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// serviceAccountKey is the part of a Google service account's JSON key
// that signs in (the file the Cloud console downloads).
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	ClientID     string `json:"client_id"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// serviceAccountToken is Google's app-only sign-in: a service account with
// domain-wide delegation signs a JWT (RFC 7523) for the mailbox as its
// subject, with x/oauth2/jwt. key is the JSON key (the client secret);
// its token_uri is used when set, else the configured token URL.
func (s *Source) serviceAccountToken(ctx context.Context, key string) (*oauth2.Token, error) {
	var k serviceAccountKey
	if err := json.Unmarshal([]byte(key), &k); err != nil || k.Type != "service_account" || k.ClientEmail == "" || k.PrivateKey == "" {
		return nil, &SignInError{App: true, Reason: "oauth2.client_secret is not a service account's JSON key (type service_account, client_email, private_key)"}
	}
	if s.cfg.ClientID != "" && k.ClientID != "" && k.ClientID != s.cfg.ClientID {
		return nil, &SignInError{App: true, Reason: fmt.Sprintf("the JSON key is for client %s, not oauth2.client_id %s", k.ClientID, s.cfg.ClientID)}
	}
	tokenURL := k.TokenURI
	if tokenURL == "" {
		tokenURL = s.cfg.TokenURL
	}
	jc := &jwt.Config{Email: k.ClientEmail, PrivateKey: []byte(k.PrivateKey), PrivateKeyID: k.PrivateKeyID,
		Scopes: s.cfg.Scopes, TokenURL: tokenURL, Subject: s.account}
	t, err := jc.TokenSource(s.ctx(ctx)).Token()
	if err != nil {
		err = describe("service account", err)
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, &SignInError{App: true, Reason: err.Error() + " (is domain-wide delegation granted for https://mail.google.com/?)", Err: err}
		}
		return nil, err
	}
	return t, nil
}
