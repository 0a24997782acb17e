package inbox

import (
	"errors"

	"github.com/emersion/go-sasl"
)

// xoauth2 is the XOAUTH2 SASL mechanism of Google and Microsoft: an OAuth 2.0
// bearer token sent as "user=U\x01auth=Bearer T\x01\x01". go-sasl has
// OAUTHBEARER (RFC 7628) but not this older form, which Gmail and Microsoft
// 365 ask for.
type xoauth2 struct {
	username, token string
	failed          bool
}

var _ sasl.Client = (*xoauth2)(nil)

// newXOAUTH2Client returns a sasl.Client for XOAUTH2.
func newXOAUTH2Client(username, token string) sasl.Client {
	return &xoauth2{username: username, token: token}
}

func (a *xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + a.username + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

// Next answers the server's challenge. XOAUTH2 has none on success; on
// failure the server sends a JSON error as a challenge and expects an empty
// response before it ends the exchange with NO.
func (a *xoauth2) Next(challenge []byte) ([]byte, error) {
	if a.failed {
		return nil, errors.New("inbox: XOAUTH2: unexpected second challenge")
	}
	a.failed = true
	return []byte{}, nil
}
