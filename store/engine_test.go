package store_test

import (
	"strings"
	"testing"

	"convene/store"
)

// A DSN that does not parse, or a server that does not answer, is reported
// without the DSN's password.
func TestPostgresErrorsHideTheDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:s3cretpw@127.0.0.1:notaport/db",
		"postgres://u:s3cretpw@127.0.0.1:1/db?sslmode=disable&connect_timeout=1",
		"host=127.0.0.1 port=1 user=u password=s3cretpw dbname=db sslmode=disable connect_timeout=1",
	} {
		_, err := store.OpenPostgres(t.Context(), dsn)
		if err == nil {
			t.Fatalf("OpenPostgres(%q) = nil error", dsn)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("error quotes the password: %v", err)
		}
	}
}
