package oauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// ClientAssertionType is RFC 7523's client assertion type.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// clientAssertion signs the JWT that authenticates the app with its
// certificate instead of a secret (RFC 7523 §2.2, as Microsoft Entra ID
// asks for it: RS256, the certificate's SHA-1 and SHA-256 thumbprints in
// x5t and x5t#S256, aud the token endpoint, iss and sub the client id).
// pemData holds the certificate and its RSA private key. (x/oauth2's jws
// writes no x5t header: the few lines of signing are here.)
func clientAssertion(pemData, clientID, tokenURL string, now time.Time) (string, error) {
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	rest := []byte(pemData)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if cert == nil {
				c, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					return "", fmt.Errorf("oauth2.client_certificate: %w", err)
				}
				cert = c
			}
		case "PRIVATE KEY", "RSA PRIVATE KEY":
			var k any
			var err error
			if b.Type == "RSA PRIVATE KEY" {
				k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
			} else {
				k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
			}
			if err != nil {
				return "", errors.New("oauth2.client_certificate: the private key cannot be read (an unencrypted PKCS#8 or PKCS#1 RSA key is needed)")
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return "", errors.New("oauth2.client_certificate: the private key is not RSA")
			}
			key = rk
		}
	}
	if cert == nil || key == nil {
		return "", errors.New("oauth2.client_certificate: want a PEM with the certificate and its private key")
	}
	s1 := sha1.Sum(cert.Raw)
	s256 := sha256.Sum256(cert.Raw)
	jti := make([]byte, 16)
	rand.Read(jti)
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT",
		"x5t": enc.EncodeToString(s1[:]), "x5t#S256": enc.EncodeToString(s256[:])})
	c, _ := json.Marshal(map[string]any{"aud": tokenURL, "iss": clientID, "sub": clientID,
		"jti": hex.EncodeToString(jti), "nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()})
	signing := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("oauth2.client_certificate: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}
